"""A stand-in agent for benchmarks: Codex-format JSON lines at a steady rate."""

from __future__ import annotations

import json
import sys
import time


def main() -> int:
    rate, seconds = int(sys.argv[1]), float(sys.argv[2])
    batch = max(1, rate // 20)  # 20 writes a second, like a busy agent
    sent, start = 0, time.monotonic()
    out = sys.stdout
    out.write(json.dumps({"type": "thread.started", "thread_id": "flood"}) + "\n")
    while time.monotonic() - start < seconds:
        lines = []
        for i in range(batch):
            n = sent + i
            if n % 3 == 2:
                item = {"id": f"item_{n}", "type": "agent_message", "text": f"note {n}"}
            else:
                item = {
                    "id": f"item_{n}",
                    "type": "command_execution",
                    "command": f"bash -lc 'echo {n}'",
                    "aggregated_output": f"{n}\n",
                    "exit_code": 0,
                    "status": "completed",
                }
            lines.append(json.dumps({"type": "item.completed", "item": item}))
        out.write("\n".join(lines) + "\n")
        out.flush()
        sent += batch
        target = start + sent / rate
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(json.dumps({"type": "turn.completed", "usage": {"input_tokens": 1, "output_tokens": 1}}))
    print(f"sent {sent + 2}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
