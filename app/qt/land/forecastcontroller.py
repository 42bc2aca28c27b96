"""The board's conflict forecast: which pending tasks clash with each other or their base."""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import QTimer

from app.core.forecast import ClashKind, Forecast
from app.core.states import LIVE_STATES
from app.qt.shell import WindowHost

log = logging.getLogger(__name__)
INTERVAL_MS = 5000
LIVE_INTERVAL_S = 30.0
MAX_LIVE = 10  # above this many running tasks, running work is not forecast until it ends
CONFLICT, OVERLAP = "⚠", "≈"


def board_marks(result: Forecast, titles: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Return each clashing task's board mark: a symbol and the lines of its tooltip."""
    marks: dict[str, tuple[str, str]] = {}
    for task_id in result.tasks:
        clashes = result.for_task(task_id)
        problem = result.problem(task_id)
        notes = [f"\n⚠ {problem}"] if problem else []
        for c in clashes:
            who = "its base branch" if c.other is None else f"“{titles.get(c.other, c.other)}”"
            verb = "conflicts with" if c.kind is ClashKind.CONFLICT else "touches the same files as"
            files = ", ".join(c.paths[:3]) + (" …" if len(c.paths) > 3 else "")
            notes.append(f"\n{verb} {who}: {files}")
        if notes:
            conflict = problem or any(c.kind is ClashKind.CONFLICT for c in clashes)
            marks[task_id] = (CONFLICT if conflict else OVERLAP, "".join(notes))
    return marks


class ForecastController:
    """Re-forecasts in the background when tasks change; the board shows the marks."""

    def __init__(self, main: WindowHost) -> None:
        self.main = main
        self.result = Forecast()
        self._seen: dict[str, tuple[object, ...]] = {}
        self._at = 0.0
        self._job: asyncio.Task[None] | None = None
        self._timer = QTimer(main.window)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        """Forecast again when a task's turn ends, and every LIVE_INTERVAL_S while a few run.

        Running tasks' work changes all the time; with many agents running, reading their
        worktrees would take CPU and memory from them, so their clashes wait for their turns
        to end (the forecast that matters most: before anyone merges).
        """
        tasks = self.main.tasks.values()
        live = sum(t.state in LIVE_STATES for t in tasks)
        settled = {
            t.id: (t.state, t.insertions, t.deletions) for t in tasks if t.state not in LIVE_STATES
        }
        stale = 0 < live <= MAX_LIVE and time.monotonic() - self._at > LIVE_INTERVAL_S
        if (settled == self._seen and not stale) or (
            self._job is not None and not self._job.done()
        ):
            return
        self._seen, self._at = settled, time.monotonic()
        self._job = asyncio.ensure_future(self.refresh())

    async def refresh(self) -> Forecast:
        """Forecast every project now and show the marks."""
        try:
            self.result = await self.main.ops.forecast()
        except Exception as exc:  # the board keeps its old marks; the cause goes to the log
            log.warning("conflict forecast failed: %s", exc)
            return self.result
        titles = {t.id: t.title for t in self.main.tasks.values()}
        self.main.window.board.board_model.set_marks(board_marks(self.result, titles))
        return self.result

    def stop(self) -> None:
        """Stop forecasting (the window is closing)."""
        self._timer.stop()
        if self._job is not None:
            self._job.cancel()
