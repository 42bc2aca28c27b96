"""A stand-in agent for benchmarks: Codex-format JSON lines at a steady rate."""

from __future__ import annotations

import json
import os
import sys
import time

# The same bytes json.dumps writes, filled into templates: a hundred of these agents share
# the machine with the Orchard being measured, and json.dumps made them take 1.5 of its
# 2 cores at 2,000 lines/s each (templates: about a third of that).
MESSAGE = b'{"type": "item.completed", "item": {"id": "item_%d", "type": "agent_message", "text": "note %d"}}\n'  # noqa: E501
COMMAND = (
    b'{"type": "item.completed", "item": {"id": "item_%d", "type": "command_execution", '
    b'"command": "bash -lc \'echo %d\'", "aggregated_output": "%d\\n", "exit_code": 0, '
    b'"status": "completed"}}\n'
)


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main() -> int:
    rate, seconds = int(sys.argv[1]), float(sys.argv[2])
    batch = max(1, rate // 20)  # 20 writes a second, like a busy agent
    sent, start = 0, time.monotonic()
    out = sys.stdout.fileno()
    _write(out, json.dumps({"type": "thread.started", "thread_id": "flood"}).encode() + b"\n")
    while time.monotonic() - start < seconds:
        _write(
            out,
            b"".join(
                MESSAGE % (n, n) if n % 3 == 2 else COMMAND % (n, n, n)
                for n in range(sent, sent + batch)
            ),
        )
        sent += batch
        delay = start + sent / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    usage = {"type": "turn.completed", "usage": {"input_tokens": 1, "output_tokens": 1}}
    _write(out, json.dumps(usage).encode() + b"\n")
    print(f"sent {sent + 2}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
