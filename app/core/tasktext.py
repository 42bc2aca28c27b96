"""A task as the command line prints it: `task list` rows and `task show` fields.

The full command line and the small client that answers through the service print the same
text from these.
"""

from __future__ import annotations

import json
import time
from typing import Any

from app.core.task import Task

NODE_CHARS = 12  # of a Ray node id (56 hex digits): as the log's notes print it
_SHOW_SKIPPED = ("prompt", "pgid", "proc_start", "stop_requested", "short_id")


def cli_json(value: Any) -> str:
    """Return `value` as the indented JSON every command's --json prints (no final newline)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def list_text(tasks: list[Task], now: float | None = None) -> str:
    """Return what `orchard task list` prints: a row per task."""
    now = now or time.time()
    return "".join(list_line(t, now) + "\n" for t in tasks)


def elapsed(task: Task, now: float | None = None) -> str:
    """Return how long a task has run, as m:ss or h:mm:ss."""
    if task.started_at is None:
        return "-"
    secs = int((task.finished_at or now or time.time()) - task.started_at)
    h, rest = divmod(secs, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def list_line(task: Task, now: float | None = None) -> str:
    """Return the task's row in `orchard task list`."""
    stats = f"+{task.insertions} -{task.deletions}"
    where = f"  ({place(task)})" if task.node else ""
    return (
        f"{task.short_id}  {task.state.value:<11} {task.agent:<8} {task.project:<14} "
        f"{elapsed(task, now):>7} {stats:>11}  {task.title}{where}"
    )


def place(task: Task) -> str:
    """Say where the task's last turn ran: 'on node 1a2b3c4d5e6f', or 'here'."""
    return f"on node {task.node[:NODE_CHARS]}" if task.node else "here"


def show_text(task: Task) -> str:
    """Return what `orchard task show` prints: its fields, times readable, then its prompt."""
    lines = []
    for key, value in task.to_json().items():
        if key in _SHOW_SKIPPED:
            continue
        if key.endswith("_at") and value:
            value = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))
        lines.append(f"{key + ':':<15} {'' if value is None else value}")
    return "\n".join([*lines, f"prompt:\n{task.prompt}"])
