"""What `orchard run` prints: a live line per task on a terminal, plain lines otherwise."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from app.core.events import one_line
from app.core.states import ENDED_STATES, TaskState
from app.core.task import Task
from app.core.tasktext import elapsed
from app.core.words import counted
from app.services.tasks import Message, TaskUpdated

_MARK = {
    TaskState.QUEUED: "·",
    TaskState.PREPARING: "…",
    TaskState.RUNNING: "▶",
    TaskState.NEEDS_INPUT: "?",
    TaskState.PAUSED: "‖",
    TaskState.SUCCEEDED: "✓",
    TaskState.FAILED: "✗",
    TaskState.STOPPED: "■",
    TaskState.INTERRUPTED: "!",
    TaskState.MERGED: "⇢",
    TaskState.DISCARDED: "⌫",
}


def task_line(task: Task, width: int, now: float | None = None) -> str:
    """Return the one-line status of a task, cut to `width`."""
    stats = f"+{task.insertions} -{task.deletions}"
    detail = task.error if task.state is TaskState.FAILED and task.error else task.last_event
    head = (
        f"{_MARK.get(task.state, ' ')} {task.short_id} {task.state.value:<11} "
        f"{elapsed(task, now):>7} {stats:>11}  {one_line(task.title, 30):<30}  "
    )
    return (head + one_line(detail or "", max(width - len(head), 0)))[:width]


class ProgressView:
    """Follows supervisor messages and renders them to a stream."""

    def __init__(self, out: TextIO = sys.stdout, live: bool | None = None) -> None:
        self.out = out
        self.live = out.isatty() if live is None else live
        self.tasks: dict[str, Task] = {}
        self._drawn = 0

    def on_message(self, message: Message) -> None:
        """Take one supervisor message (a slot; it never blocks)."""
        if not isinstance(message, TaskUpdated):
            return
        task = message.task
        before = self.tasks.get(task.id)
        self.tasks[task.id] = task
        if not self.live and (before is None or before.state is not task.state):
            self.out.write(task_line(task, 200) + "\n")
            self.out.flush()

    def draw(self) -> None:
        """Redraw the live lines in place (terminal only)."""
        if not self.live:
            return
        width = shutil.get_terminal_size((120, 24)).columns - 1
        now = time.time()
        lines = [task_line(t, width, now) for t in self.tasks.values()]
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        self.out.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self.out.flush()
        self._drawn = len(lines)

    def summary(self) -> str:
        """Return the closing tally of this run."""
        counts: dict[str, int] = {}
        for task in self.tasks.values():
            counts[task.state.value] = counts.get(task.state.value, 0) + 1
        parts = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        return (
            f"{counted(len(self.tasks), 'task')}: {parts}" if self.tasks else "nothing was queued"
        )

    def failed(self) -> list[Task]:
        """Return the tasks of this run that did not succeed."""
        bad = ENDED_STATES - {TaskState.SUCCEEDED}
        return [t for t in self.tasks.values() if t.state in bad]
