"""Needs you in the window: the asks reach the tab, the board and the header; answers go back."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QTimer

from app.client import Refused
from app.core.inbox import Answer, Ask, Verdict
from app.core.words import counted
from app.qt.inbox.model import waited_text
from app.qt.inbox.view import InboxView
from app.qt.shell import WindowHost

log = logging.getLogger(__name__)
TICK_MS = 1000  # times waited move on; without the service's feed, the asks are read as often
COALESCE_SECONDS = 2.0  # asks that arrive within this of the first make one notification
LISTED = 5  # requests a notification names before "and N more"
DONE = {
    Verdict.ALLOW: "Allowed",
    Verdict.ALLOW_TASK: "Allowed for the task",
    Verdict.ALLOW_PROJECT: "Always allowed in the project",
    Verdict.DENY: "Denied",
    Verdict.REPLY: "Replied to",
    Verdict.RAISE: "Raised the budget of",
    Verdict.STOP: "Stopped",
}
# (summary, body) -> shown; the notifier's, so a test can hear what was sent
Tell = Callable[[str, str], Awaitable[None]]


class InboxController:
    """Keeps the waiting asks, shows them everywhere they belong, and sends the answers."""

    def __init__(self, main: WindowHost, view: InboxView, tell: Tell, fed: bool = False) -> None:
        self.main = main
        self.view = view
        self.tell = tell
        self.fed = fed  # the service's board feed brings every change: no need to ask for them
        self.coalesce_seconds = COALESCE_SECONDS
        self.asks: list[Ask] = []
        self._seen: set[str] | None = None  # ids already told of; None until the first list
        self._burst: list[Ask] = []
        self._job: asyncio.Task[None] | None = None
        self._timer = QTimer(view)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()
        w = main.window
        view.answer_requested.connect(self.answer)
        view.open_task_requested.connect(self._on_view_open_task_requested)
        w.header.pending_clicked.connect(self._on_header_pending_clicked)
        w.board.selection_changed.connect(lambda _ids: self._show_pending())
        main.task_listeners.append(lambda _tasks: self._titles_changed())

    def stop(self) -> None:
        """Stop the clock (the window is closing)."""
        self._timer.stop()
        if self._job is not None:
            self._job.cancel()

    # the asks

    def on_asks(self, asks: list[Ask]) -> None:
        """Show the waiting asks (the service's feed, or a read): tab, board, header, desktop."""
        ordered = sorted(asks, key=lambda a: (a.asked_at, a.id))
        if ordered == self.asks and self._seen is not None:
            return  # nothing changed (the window reads the list every second without a feed)
        self.asks = ordered
        self.view.set_asks(self.asks, self._titles())
        self.main.window.board.set_asking({a.task_id for a in self.asks})
        self.main.window.show_waiting(len(self.asks))
        self._show_pending()
        self._tell_new()

    async def refresh(self) -> list[Ask]:
        """Read the waiting asks and show them."""
        try:
            asks = await self.main.ops.pending_asks()
        except Exception as exc:  # the tab keeps what it shows; the cause goes to the log
            log.warning("could not read the waiting requests: %s", exc)
            return self.asks
        self.on_asks(asks)
        return asks

    def _on_timer_timeout(self) -> None:
        self.view.tick()
        self._show_pending()
        if not self.fed and (self._job is None or self._job.done()):
            self._job = asyncio.ensure_future(self.refresh())

    def _titles(self) -> dict[str, str]:
        return {t.id: t.title for t in self.main.tasks.values()}

    def _titles_changed(self) -> None:
        if self.asks:
            self.view.model.set_asks(self.asks, self._titles())

    def _show_pending(self) -> None:
        shown = self.main.shown_task()
        mine = [a for a in self.asks if shown is not None and a.task_id == shown.id]
        first = mine[0] if mine else None
        waited = waited_text(time.time() - first.asked_at) if first else ""
        self.main.window.header.show_pending(first, len(mine) - 1, waited)

    # answering

    def answer(self, ids: list[str], answer: Answer) -> None:
        """Send `answer` to the asks `ids` (one or a batch)."""
        self.main.spawn(self._answer(ids, answer))

    async def _answer(self, ids: list[str], answer: Answer) -> None:
        try:
            result = await self.main.ops.answer_asks(ids, answer)
        except Refused as exc:
            self.main.say(str(exc), error=True)
            return
        taken = {i for i, why in result.items() if not why}
        for why in (w for w in result.values() if w):
            self.main.say(why, error=True)
        if taken:
            self.main.say(f"{DONE[answer.verdict]} {counted(len(taken), 'request')}")
            self.on_asks([a for a in self.asks if a.id not in taken])
        if not self.fed:
            await self.refresh()

    # going to things

    def _on_header_pending_clicked(self, ask_id: str) -> None:
        self.open(ask_id)

    def open(self, ask_id: str = "") -> None:
        """Show the Needs-you tab, at `ask_id` if it still waits."""
        self.main.window.show_inbox()
        if ask_id:
            self.view.select_ask(ask_id)

    def _on_view_open_task_requested(self, task_id: str) -> None:
        w = self.main.window
        w.tabs.setCurrentIndex(0)
        w.board.select_task(task_id)

    # the desktop

    def _tell_new(self) -> None:
        ids = {a.id for a in self.asks}
        if self._seen is None:  # what waited before the window opened is on the tab already
            self._seen = ids
            return
        new = [a for a in self.asks if a.id not in self._seen]
        self._seen |= ids
        if not new:
            return
        self._burst += new
        if len(self._burst) == len(new):  # the first of a burst: the others join it
            self.main.spawn(self._tell_later())

    async def _tell_later(self) -> None:
        await asyncio.sleep(self.coalesce_seconds)
        waiting = {a.id for a in self.asks}
        burst, self._burst = [a for a in self._burst if a.id in waiting], []
        if burst and not self._looking():
            await self.tell(*describe_burst(burst, self._titles()))

    def _looking(self) -> bool:
        w = self.main.window
        return w.isActiveWindow() and w.tabs.currentWidget() is w.inbox


def describe_burst(asks: list[Ask], titles: dict[str, str]) -> tuple[str, str]:
    """Return one notification's summary and body for asks that arrived together."""
    agents = len({a.task_id for a in asks})
    summary = "An agent needs you" if agents == 1 else f"{agents} agents need you"
    lines = [f"{titles.get(a.task_id) or a.task_id[:8]}: {a.subject}" for a in asks[:LISTED]]
    if len(asks) > LISTED:
        lines.append(f"and {len(asks) - LISTED} more")
    return summary, "\n".join(lines)
