"""The compare view's controller: owns every await of best-of-N in the window."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

import shiboken6
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QWidget

from app.client import Operations, Refused
from app.core.compare import (
    DEFAULT_JOBS,
    DEFAULT_TIMEOUT,
    Attempt,
    GroupChanges,
    Scoreboard,
    Take,
    attempts_text,
    outcome_text,
    untestable_state,
)
from app.core.states import CLOSED_STATES
from app.qt.confirm import confirm
from app.qt.land.attemptcode import AGAINST, BASE, VERSIONS
from app.qt.land.compareview import CompareView
from app.qt.placement import place

log = logging.getLogger(__name__)
ConfirmDiscard = Callable[[int], bool]
RESULTS_POLL_S = 0.5  # how often results are read while the tests run


class CompareController:
    """Loads a group's scoreboard into a CompareView, runs its tests, and picks a winner."""

    def __init__(
        self,
        ops: Operations,
        view: CompareView,
        ref: str,
        confirm_discard: ConfirmDiscard | None = None,
        jobs: int = DEFAULT_JOBS,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.ops = ops
        self.view = view
        self.ref = ref
        self.confirm_discard = confirm_discard or self._ask_discard
        self.jobs = jobs
        self.timeout = timeout
        self._jobs: set[asyncio.Task[Any]] = set()  # strong refs: never collected mid-flight
        self._load_token = 0
        self._testing = False
        self._closed = False
        self.changes: GroupChanges | None = None
        self._file_token = 0
        view.run_tests_requested.connect(self._on_view_run_tests_requested)
        view.pick_requested.connect(self._on_view_pick_requested)
        view.code.file_chosen.connect(self._on_code_file_chosen)
        view.code.combine_requested.connect(self._on_code_combine_requested)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `coro` in the background; a failure shows under the table, never vanishes."""
        job = asyncio.ensure_future(coro)
        self._jobs.add(job)
        job.add_done_callback(self._on_job_done)
        return job

    def _on_job_done(self, job: asyncio.Task[Any]) -> None:
        self._jobs.discard(job)
        if job.cancelled() or job.exception() is None:
            return
        exc = job.exception()
        if not isinstance(exc, Refused):
            log.error("compare job failed", exc_info=exc)
        if self.alive():
            self.view.show_message(str(exc), error=True)

    def alive(self) -> bool:
        """Say whether the view is still there to be shown things."""
        return not self._closed and shiboken6.isValid(self.view)

    def close(self) -> None:
        """Cancel whatever is still running; the view is no longer touched."""
        self._closed = True
        for job in list(self._jobs):
            job.cancel()

    # loading

    def refresh(self) -> None:
        """Load the scoreboard again; a newer load drops an older one's result."""
        self.spawn(self.load())

    async def load(self) -> None:
        """Show the group's scoreboard with the tests' kept results."""
        self._load_token += 1
        token = self._load_token
        board, changes = await self.ops.open_group(self.ref)
        if token == self._load_token and self.alive():
            self.view.set_scoreboard(board)
            self.changes = changes
            self.view.code.set_changes(changes)

    # the attempts' code

    def _on_code_file_chosen(self, path: str) -> None:
        self.spawn(self.show_file(path))

    async def show_file(self, path: str) -> None:
        """Show `path` as the code view's mode asks: versions, a pair, or each one's hunks."""
        if self.changes is None:
            return
        self._file_token += 1
        token, changes, code = self._file_token, self.changes, self.view.code
        mode = code.current_mode()
        if mode == VERSIONS:
            versions = await self.ops.file_versions(changes, path)
            if token == self._file_token and self.alive():
                code.show_versions(versions)
        elif mode == AGAINST:
            left, right = code.pair()
            diff = await self.ops.attempts_diff(changes, path, left, right)
            if token == self._file_token and self.alive():
                code.show_diff(path, diff)
        else:
            live = [a.task_id for a in changes.attempts if a.snapshot]
            found = await asyncio.gather(
                *(self.ops.attempts_diff(changes, path, BASE, task_id) for task_id in live)
            )
            if token == self._file_token and self.alive():
                code.show_hunks(path, dict(zip(live, found, strict=True)))

    def _on_code_combine_requested(self, takes: list[tuple[str, str, int]]) -> None:
        self.spawn(self.combine(takes))

    async def combine(self, takes: list[tuple[str, str, int]]) -> None:
        """Make one new task of the ticked hunks, then open its review."""
        code = self.view.code
        code.combine.setEnabled(False)
        code.say(f"Combining {len(takes)} hunks…")
        try:
            made = await self.ops.combine_attempts(
                self.ref, [Take(task, path, hunk) for task, path, hunk in takes]
            )
        except Refused as refused:
            if self.alive():
                code.say(str(refused), error=True)
            return
        finally:
            if self.alive():
                code.combine.setEnabled(bool(code.takes))
        if not self.alive():
            return
        code.takes.clear()
        code.say(f"Made {made.task.short_id}: {made.task.title}. Its review is open.")
        await self.load()
        self.view.review_requested.emit(made.task.id)

    # tests

    def _on_view_run_tests_requested(self) -> None:
        if not self._testing:
            self.spawn(self.run_tests())

    async def run_tests(self) -> None:
        """Run the project's tests in each finished attempt, showing each result as it comes."""
        board = self.view.board
        testable = [] if board is None else [a.id for a in board.attempts if _testable(a)]
        self._testing = True
        self.view.set_running(True)
        self.view.show_message(f"Running the tests in {attempts_text(len(testable))}…")
        for task_id in testable:
            self.view.show_test_running(task_id)
        started = time.time()
        watching = asyncio.ensure_future(self._watch_results(started, set(testable)))
        try:
            board, skipped = await self.ops.run_group_tests(self.ref, self.jobs, self.timeout)
        finally:
            watching.cancel()
            self._testing = False
            if self.alive():
                self.view.set_running(False)
        if not self.alive():
            return
        self._load_token += 1  # an older load must not overwrite this board
        self.view.set_scoreboard(board)
        notes = [f"{task_id[:8]}: {why}" for task_id, why in skipped.items()]
        self.view.show_message("Tests done." + (" Not run: " + "; ".join(notes) if notes else ""))

    async def _watch_results(self, since: float, waiting: set[str]) -> None:
        """Show each attempt's result as it is kept, while the tests run (results on disk)."""
        while waiting:
            await asyncio.sleep(RESULTS_POLL_S)
            self._show_results(await self.ops.scoreboard(self.ref), since, waiting)

    def _show_results(self, fresh: Scoreboard, since: float, waiting: set[str]) -> None:
        board = self.view.board if self.alive() else None
        if board is None:
            return
        for attempt in fresh.attempts:
            result = attempt.test
            if attempt.id in waiting and result is not None and result.ran_at >= since:
                waiting.discard(attempt.id)
                shown = replace(board.attempt(attempt.id), test=result, stale=False)
                self.view.show_test_result(attempt.id, outcome_text(shown), result.passed)

    # picking

    def _on_view_pick_requested(self, task_id: str) -> None:
        board = self.view.board
        others = [] if board is None else [a for a in board.attempts if a.id != task_id]
        open_others = [a for a in others if a.task.state not in CLOSED_STATES]
        discard = bool(open_others) and self.confirm_discard(len(open_others))
        self.spawn(self.pick(task_id, discard))

    async def pick(self, task_id: str, discard_others: bool) -> None:
        """Mark `task_id` the winner, discarding the others if asked, and show the board."""
        result = await self.ops.pick_winner(task_id, discard_others)
        await self.load()
        if not self.alive():
            return
        short = result.winner.short_id
        failed = "; ".join(f"{i[:8]}: {why}" for i, why in result.failed.items())
        text = f"{short} is the winner; its review is open."
        if result.discarded:
            text += f" Discarded {_others(len(result.discarded))}."
        self.view.show_message(
            text + (f" Could not discard: {failed}" if failed else ""), bool(failed)
        )
        self.view.review_requested.emit(result.winner.id)

    def _ask_discard(self, count: int) -> bool:
        them = "it" if count == 1 else "them"
        return confirm(
            self.view,
            "Pick the winner",
            f"Discard {_others(count)}?",
            "Each one's work is archived first, so it can be restored later.",
            f"Discard {them}",
            f"Keep {them}",
        )


def _others(n: int) -> str:
    return "the other attempt" if n == 1 else f"the other {n} attempts"


def _testable(attempt: Attempt) -> bool:
    return untestable_state(attempt.task) is None


def open_compare(ops: Operations, ref: str, parent: QWidget | None = None) -> CompareController:
    """Open a compare window for the group `ref` names and start loading it."""
    view = CompareView(parent)
    view.setWindowFlag(Qt.WindowType.Window, True)
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    controller = CompareController(ops, view, ref)
    view.destroyed.connect(controller.close)
    place(view, QSize(1200, 820))  # on the parent's screen: never partly off it
    view.show()
    controller.refresh()
    return controller
