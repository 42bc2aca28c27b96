"""Landing from the window: check first, then merge, squash or rebase; conflicts go back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import shiboken6
from PySide6.QtWidgets import QWidget

from app.client import Refused
from app.core.landing import LandCheck, conflict_followup_prompt
from app.core.states import LANDABLE_STATES, state_label
from app.core.words import counted
from app.qt.land.mergedialog import LandOptions, MergeDialog
from app.qt.placement import place
from app.qt.shell import WindowHost

log = logging.getLogger(__name__)
_unfinished: set[asyncio.Task[Any]] = set()


def shielded[T](coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """Run `coro` to its end even when the job awaiting it is cancelled (the window closed)."""
    task = asyncio.ensure_future(coro)
    _unfinished.add(task)
    task.add_done_callback(_finished)
    return asyncio.shield(task)


def _finished(task: asyncio.Task[Any]) -> None:
    _unfinished.discard(task)
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.debug("shielded operation ended with %r", exc)  # its awaiter reports it, if any


def check_lines(check: LandCheck) -> list[str]:
    """Return what the merge dialog says about a pre-flight check, one line each."""
    lines = check.problems()
    if check.behind and not check.conflicts:
        lines.append(
            f"{check.target} has {counted(check.behind, 'commit')} the task has not seen; "
            "they merge cleanly (or choose Rebase)"
        )
    if check.uncommitted:
        lines.append(
            f"{counted(len(check.uncommitted), 'uncommitted file')} in the task's worktree land too"
        )
    if check.checkout:
        lines.append(f"{check.target} is checked out in {check.checkout}; it is updated there")
    lines.extend(check.notes)
    if not check.problems():
        lines.insert(
            0, f"Ready: {counted(check.ahead, 'commit lands', 'commits land')} on {check.target}."
        )
    return lines


def conflict_text(check: LandCheck) -> str:
    """Return the conflicting files and hunks as the dialog's output shows them."""
    parts = []
    for c in check.conflicts:
        parts.append(f"── {c.path}")
        parts.extend(c.messages)
        parts.extend(c.hunks)
    return "\n".join(parts)


class MergeController:
    """Runs the merge dialog of one task at a time."""

    def __init__(self, main: WindowHost) -> None:
        self.main = main
        self.dialog: MergeDialog | None = None
        self.check: LandCheck | None = None
        self._opening: asyncio.Task[None] | None = None
        main.window.header.merge_clicked.connect(self.merge_shown)
        main.window.actions["merge"].triggered.connect(self.merge_shown)

    def merge_shown(self) -> None:
        """Open the merge dialog for the shown task."""
        task = self.main.shown_task()
        if task is not None:
            self.merge(task.id)

    def merge(self, task_id: str, parent: QWidget | None = None) -> None:
        """Open the merge dialog for a task and check it at once; a newer request wins."""
        if self._opening is not None:
            self._opening.cancel()
        self._opening = self.main.spawn(self._open(task_id, parent))

    async def _open(self, task_id: str, parent: QWidget | None = None) -> None:
        """Read the task and its project off the GUI thread, then show the dialog."""
        ops = self.main.ops
        task = self.main.tasks.get(task_id) or await ops.task(task_id)
        if task.state not in LANDABLE_STATES:
            state = state_label(task.state).lower()
            self.main.say(f"{task.title!r} is {state}: nothing to merge", error=True)
            return
        project = await ops.project(task.project)
        unsent = await ops.comments(task.id, open_only=True)
        if self._live(self.dialog):
            assert self.dialog is not None
            self.dialog.close()
        self.check = None
        dialog = self.dialog = MergeDialog(task, bool(project.test), parent or self.main.window)
        spawn, tid = self.main.spawn, task.id
        dialog.check_requested.connect(lambda into: spawn(self.run_check(dialog, tid, into)))
        dialog.land_requested.connect(lambda opts: spawn(self.land(dialog, tid, opts)))
        dialog.resolve_requested.connect(lambda: spawn(self.ask_agent(dialog)))
        dialog.request_changes_requested.connect(lambda: spawn(self.request_changes(dialog, tid)))
        dialog.show_unsent(unsent)
        dialog.finished.connect(lambda _result: self._forget(dialog))
        place(dialog)
        dialog.show()
        spawn(self.run_check(dialog, tid, task.base_ref))

    def _forget(self, dialog: MergeDialog) -> None:
        if self.dialog is dialog:
            self.dialog, self.check = None, None

    def _live(self, dialog: MergeDialog | None) -> bool:
        return dialog is not None and shiboken6.isValid(dialog)

    def _current(self, dialog: MergeDialog) -> bool:
        return dialog is self.dialog and self._live(dialog)

    async def run_check(self, dialog: MergeDialog, task_id: str, into: str) -> LandCheck | None:
        """Check what landing `task_id` into `into` would do and show it in its dialog."""
        if not self._current(dialog):
            return None
        dialog.show_busy(f"Checking against {into}…")
        try:
            check = await self.main.ops.check_land(task_id, into or None)
        except Exception as exc:
            if self._current(dialog):
                self._failed(dialog, exc, "check")
                dialog.land_button.setEnabled(False)
            elif not isinstance(exc, Refused):
                log.error("merge check failed", exc_info=exc)
            return None
        if not self._current(dialog):
            return None  # closed, or a newer dialog took over
        self.check = check
        dialog.show_check(check_lines(check), not check.problems(), bool(check.conflicts))
        dialog.output.setPlainText(conflict_text(check))
        dialog.output.setVisible(bool(check.conflicts))
        return check

    def _failed(self, dialog: MergeDialog, exc: Exception, what: str) -> None:
        if not isinstance(exc, Refused):
            log.error("merge %s failed", what, exc_info=exc)
        text = str(exc) if isinstance(exc, Refused) else f"The {what} failed: {exc}"
        if self._current(dialog):
            dialog.show_failure(text)
        else:
            self.main.announce(text)

    async def land(self, dialog: MergeDialog, task_id: str, options: LandOptions) -> None:
        """Land with the chosen options; on refusal show why, and change nothing."""
        if not self._current(dialog):
            return
        dialog.show_busy(
            "Running the tests on the merged result…" if options.run_tests else "Landing…"
        )
        dialog.request_button.setEnabled(False)  # the land is under way: no second action
        try:
            result = await shielded(
                self.main.ops.land(
                    task_id,
                    options.strategy,
                    options.into or None,
                    options.cleanup,
                    options.run_tests,
                    options.drop_comments,
                )
            )
        except Refused as exc:
            if not self._current(dialog):
                self.main.announce(str(exc))
            elif exc.kind != "LandRefused":
                self._failed(dialog, exc, "land")
            else:
                check = exc.detail.get("check")
                dialog.show_failure(str(exc), exc.detail.get("output", ""))
                dialog.resolve_button.setVisible(bool(check and check.conflicts))
                self.check = check or self.check
            return
        except Exception as exc:
            self._failed(dialog, exc, "land")
            return
        self.main.refresh_task(result.task)
        tests = " after its tests passed" if result.tests is not None else ""
        dropped = f"; {counted(len(options.drop_comments), 'unsent comment')} kept as dropped"
        self.main.announce(
            f"Landed {result.task.title!r} on {result.target} ({options.strategy}) as "
            f"{result.commit[:10]}{tests}" + (dropped if options.drop_comments else ""),
            "ok",
        )
        if self._current(dialog):
            dialog.accept()

    async def request_changes(self, dialog: MergeDialog, task_id: str) -> None:
        """Send the unsent comments to the agent as its next turn, instead of landing."""
        if not self._current(dialog):
            return
        try:
            task = await self.main.ops.send_followup(task_id, "")
        except Exception as exc:
            self._failed(dialog, exc, "request")
            return
        self.main.refresh_task(task)
        self.main.say(f"Sent the comments to {task.agent}; task {task.short_id} runs again")
        if self._current(dialog):
            dialog.accept()

    async def ask_agent(self, dialog: MergeDialog) -> None:
        """Send the agent a follow-up: rebase onto the target and resolve the conflicts."""
        check = self.check
        if check is None or not self._current(dialog):
            return
        prompt = conflict_followup_prompt(check, check.target)
        try:
            task = await self.main.ops.send_followup(check.task.id, prompt)
        except Exception as exc:
            self._failed(dialog, exc, "request")
            return
        self.main.refresh_task(task)
        self.main.say(f"Asked {task.agent} to rebase onto {check.target} and resolve")
        if self._current(dialog):
            dialog.accept()
