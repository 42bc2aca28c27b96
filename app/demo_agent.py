"""Orchard's built-in demo agent: no model, no API key.

It streams the same JSONL events as `codex exec --json` (messages,
reasoning, commands with real output, file changes, usage) over a few
seconds, and really edits files in its working folder, so a newcomer sees
the whole loop. It is labelled as the demo wherever it appears.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

from app.installation import module_argv


def emit(event: dict[str, object]) -> None:
    """Print one event line, as Codex does."""
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def pause(scale: float) -> None:
    time.sleep(scale * random.uniform(0.5, 1.0))


def item(kind: str, n: int, phase: str, **fields: object) -> None:
    emit({"type": f"item.{phase}", "item": {"id": f"item_{n}", "type": kind, **fields}})


def run_command(n: int, argv: list[str], pace: float) -> None:
    shown = " ".join(argv)
    item(
        "command_execution",
        n,
        "started",
        command=shown,
        aggregated_output="",
        exit_code=None,
        status="in_progress",
    )
    pause(pace)
    done = subprocess.run(argv, capture_output=True, text=True)
    item(
        "command_execution",
        n,
        "completed",
        command=shown,
        aggregated_output=done.stdout + done.stderr,
        exit_code=done.returncode,
        status="completed",
    )


def edit_files(prompt: str) -> list[tuple[str, str]]:
    """Make a small real change that fits the prompt; return (path, kind) pairs."""
    slug = "".join(c if c.isalnum() else "_" for c in prompt.lower())[:30].strip("_") or "demo"
    module = Path(f"{slug}.py")
    module.write_text(
        f'"""Written by the Orchard demo agent for: {prompt.splitlines()[0][:60]}"""\n\n\n'
        f"def {slug}() -> str:\n    return {prompt.splitlines()[0][:60]!r}\n"
    )
    # One notes file per task, so the demo's tasks can all be merged one after another.
    notes = Path("notes") / f"{slug}.md"
    notes.parent.mkdir(exist_ok=True)
    existed = notes.exists()
    with notes.open("a") as f:
        f.write(f"- {prompt.splitlines()[0][:80]} (see {module})\n")
    return [(str(module), "add"), (str(notes), "update" if existed else "add")]


def main() -> int:
    prompt = " ".join(sys.argv[1:]).strip() or "demo task"
    pace = float(__import__("os").environ.get("ORCHARD_DEMO_PACE", "0.6"))
    emit({"type": "thread.started", "thread_id": str(uuid.uuid4())})
    emit({"type": "turn.started"})
    item("reasoning", 0, "completed", text=f"**Planning** how to: {prompt[:80]}")
    pause(pace)
    item("agent_message", 1, "completed", text="Let me look at the project first.")
    run_command(2, ["ls", "-la"], pace)
    run_command(3, ["git", "log", "--oneline", "-3"], pace)
    item("reasoning", 4, "completed", text="**Making the change** in a new module.")
    pause(pace)
    changes = edit_files(prompt)
    item(
        "file_change",
        5,
        "completed",
        status="completed",
        changes=[{"path": p, "kind": k} for p, k in changes],
    )
    run_command(6, list(module_argv("py_compile", changes[0][0])), pace)
    item(
        "agent_message",
        7,
        "completed",
        text=f"Done (demo agent): added {changes[0][0]} and noted it in {changes[1][0]}.",
    )
    emit(
        {
            "type": "turn.completed",
            "usage": {
                "input_tokens": random.randint(2000, 9000),
                "cached_input_tokens": 0,
                "output_tokens": random.randint(200, 900),
            },
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
