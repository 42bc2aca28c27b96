"""Review-and-land actions in the window: review, compare, follow up, discard, restore, PRs."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QWidget

from app.client import Refused
from app.core.states import ACTIVE_STATES, CLOSED_STATES, LANDABLE_STATES, TaskState
from app.core.task import Task
from app.core.words import counted
from app.qt.confirm import confirm
from app.qt.land.followupcontroller import FollowUpController
from app.qt.land.mergecontroller import MergeController, shielded
from app.qt.land.unsentbox import UnsentCommentsBox
from app.qt.placement import place
from app.qt.shell import WindowHost

if TYPE_CHECKING:  # the review, compare and landing stacks load on first use, after start-up
    from app.qt.land.comparecontroller import CompareController
    from app.qt.review import ReviewController


class LandingController:
    """Owns the awaits behind the header's and Task menu's landing actions."""

    def __init__(self, main: WindowHost) -> None:
        self.main = main
        self.asked: UnsentCommentsBox | None = None  # the last unsent-comments question
        self.merger = MergeController(main)
        self.follow_ups = FollowUpController(main, self.review_at)
        self.reviews: dict[str, ReviewController] = {}
        self.compares: dict[str, CompareController] = {}
        self.board_train: Callable[[list[str]], None] | None = None  # the land train's joining
        h, a, board = main.window.header, main.window.actions, main.window.board
        for signal, slot in (
            (h.review_clicked, self.review_shown),
            (a["review"].triggered, self.review_shown),
            (h.compare_clicked, self.compare_shown),
            (a["compare"].triggered, self.compare_shown),
            (h.followup_clicked, self.follow_up),
            (a["followup"].triggered, self.follow_up),
            (h.discard_clicked, lambda: self.discard(self._shown())),
            (a["discard"].triggered, lambda: self.discard(self._selected())),
            (h.restore_clicked, self.restore),
            (a["restore"].triggered, self.restore),
            (h.pull_request_clicked, self.pull_request),
            (a["pull_request"].triggered, self.pull_request),
        ):
            signal.connect(slot)
        board.discard_requested.connect(self.discard)
        board.compare_requested.connect(self.compare)
        main.task_listeners.append(self._on_main_tasks_changed)

    def stop(self) -> None:
        """Close every review and compare window (the app is closing)."""
        for review in list(self.reviews.values()):
            review.window.close_for_good()  # emits closed, which stops its controller
        for compare in list(self.compares.values()):
            compare.view.close()
            compare.close()
        self.reviews.clear()
        self.compares.clear()

    # review and compare

    def review_shown(self) -> None:
        """Open (or raise) the review window of the shown task."""
        task = self.main.shown_task()
        if task is None or task.state in (TaskState.QUEUED, TaskState.DISCARDED):
            self.main.say("Select a task with changes to review", error=True)
            return
        self.review(task.id)

    def review(self, task_id: str) -> None:
        """Open (or raise) the review window of a task."""
        self.review_at(task_id, None)

    def review_at(self, task_id: str, path: str | None) -> None:
        """Open (or raise) the review window of a task, at file `path` if it changed."""
        if task_id in self.reviews:
            self.reviews[task_id].window.raise_()
            self.reviews[task_id].window.activateWindow()
            if path:
                self.reviews[task_id].show_path(path)
        elif (task := self.main.tasks.get(task_id)) is not None:
            self._open_review(task, path)
        else:  # not on the board yet: read it off the GUI thread
            self.main.spawn(self._read_then_review(task_id, path))

    async def _read_then_review(self, task_id: str, path: str | None) -> None:
        task = await self.main.ops.task(task_id)
        if task_id not in self.reviews:
            self._open_review(task, path)

    def _open_review(self, task: Task, path: str | None = None) -> None:
        task_id = task.id
        from app.qt.review import open_review

        review = open_review(self.main.ops, task, path=path)
        window = review.window
        window.merge_requested.connect(lambda tid: self.merger.merge(tid, window))
        window.discard_requested.connect(lambda tid: self.discard([tid], window))
        window.train_requested.connect(self._on_review_train_requested)
        window.next_requested.connect(lambda tid: self._review_next(window, tid))
        review.window.closed.connect(lambda: self._on_review_closed(task_id, window))
        self.reviews[task_id] = review

    def _on_review_train_requested(self, task_id: str) -> None:
        if self.board_train is not None:
            self.board_train([task_id])

    def _on_review_closed(self, task_id: str, window: QWidget) -> None:
        self.reviews.pop(task_id, None)
        for dialog in window.findChildren(QDialog):  # a merge or discard still under way
            if dialog.isVisible():
                dialog.setParent(self.main.window, dialog.windowFlags())
                place(dialog, dialog.size())
                dialog.show()

    def _review_next(self, current: QWidget, task_id: str) -> None:
        current.close()
        self.review(task_id)

    def _on_main_tasks_changed(self, tasks: list[Task]) -> None:
        for task in tasks:
            review = self.reviews.get(task.id)
            if review is None:
                continue
            review.follow(task)
            after = self._next_to_review(task.id) if task.state in CLOSED_STATES else None
            review.window.show_outcome(
                outcome_text(task), after.id if after else "", after.title if after else ""
            )

    def _next_to_review(self, done: str) -> Task | None:
        """Return the task that has waited longest for review, other than `done`."""
        ready = [
            t for t in self.main.tasks.values() if t.state is TaskState.SUCCEEDED and t.id != done
        ]
        return min(ready, key=lambda t: t.finished_at or t.created_at, default=None)

    def compare_shown(self) -> None:
        """Open the best-of-N compare window of the shown task's group."""
        task = self.main.shown_task()
        if task is None or task.group is None:
            self.main.say("Select a task made with several attempts to compare them", error=True)
            return
        self.compare(task.group)

    def compare(self, group: str) -> None:
        """Open (or raise) the best-of-N compare window of attempt group `group`."""
        if group in self.compares:
            self.compares[group].view.raise_()
            return
        from app.qt.land.comparecontroller import open_compare

        compare = open_compare(self.main.ops, group)
        compare.view.review_requested.connect(self.review)
        compare.view.destroyed.connect(lambda: self.compares.pop(group, None))
        self.compares[group] = compare

    def _shown(self) -> list[str]:
        task = self.main.shown_task()
        return [task.id] if task else []

    def _selected(self) -> list[str]:
        return self.main.window.board.selected_ids() or self._shown()

    # follow up

    def follow_up(self) -> None:
        """Put the cursor in the composer under the log (the follow-up is written inline)."""
        self.follow_ups.focus()

    # discard and restore

    def discard(self, ids: list[str], parent: QWidget | None = None) -> None:
        """Archive then remove the tasks' worktrees and branches, after a confirmation."""
        tasks = [t for t in (self.main.tasks.get(i) for i in ids) if t is not None]
        tasks = [t for t in tasks if t.state in LANDABLE_STATES | {TaskState.QUEUED}]
        if not tasks:
            self.main.say("Nothing to discard: stop running tasks first", error=True)
            return
        what = f"“{tasks[0].title}”" if len(tasks) == 1 else f"{len(tasks)} tasks"
        verb = "Discard" if len(tasks) == 1 else f"Discard {len(tasks)} tasks"
        if confirm(
            parent or self.main.window,
            "Discard",
            f"Discard {what}?",
            "Every file, committed or not, is archived first, so Restore can bring it back. "
            "Its folder and branch are removed.",
            verb,
            "Keep it" if len(tasks) == 1 else "Keep them",
        ):
            self.main.spawn(self._discard(tasks, (), parent))

    async def _discard(
        self, tasks: list[Task], drop: tuple[int, ...] = (), parent: QWidget | None = None
    ) -> None:
        done = 0
        for task in tasks:
            try:
                discarded = self.main.ops.discard(task.id, drop_comments=drop)
                self.main.refresh_task(await shielded(discarded))
                done += 1
            except Refused as exc:  # unsent comments are asked about per task; the rest go on
                if exc.kind != "UnsentComments":
                    self.main.announce(str(exc))
                    continue
                again = functools.partial(self._discard, [task], parent=parent)
                self._ask_unsent(exc, "Discard", lambda ids, again=again: again(ids), parent)
        if done:
            self.main.say(f"Discarded {counted(done, 'task')}; Restore brings any of them back")

    def _ask_unsent(
        self,
        exc: Refused,
        verb: str,
        go_without: Callable[[tuple[int, ...]], Awaitable[None]],
        parent: QWidget | None = None,
    ) -> None:
        """Ask whether to send the unsent comments or go on without them (then dropped)."""
        task, comments = exc.detail["task"], exc.detail["comments"]
        box = UnsentCommentsBox(task, comments, verb, parent or self.main.window)
        box.go_without.connect(lambda ids: self.main.spawn(go_without(ids)))
        box.request_changes.connect(lambda: self.main.spawn(self._send(task.id, "")))
        place(box)
        box.open()
        self.asked = box

    def restore(self) -> None:
        """Bring a discarded task's branch and worktree back from its archive."""
        task = self.main.shown_task()
        if task is None or task.state is not TaskState.DISCARDED:
            self.main.say("Select a discarded task to restore", error=True)
            return
        self.main.spawn(self._restore(task.id))

    async def _restore(self, task_id: str) -> None:
        try:
            task = await shielded(self.main.ops.restore(task_id))
        except Refused as exc:
            self.main.announce(str(exc))
            return
        self.main.refresh_task(task)
        self.main.say(f"Restored task {task.short_id} in {task.worktree}")

    # pull request

    def pull_request(self) -> None:
        """Push the task's branch and open a pull request, after a confirmation."""
        task = self.main.shown_task()
        if task is None:
            return
        if confirm(
            self.main.window,
            "Open a pull request",
            f"Open a pull request for “{task.title}” into {task.base_ref}?",
            f"Its branch {task.branch} is pushed to the project's remote (origin) first.",
            "Push and open",
        ):
            self.main.spawn(self._pull_request(task.id))

    async def _pull_request(self, task_id: str, drop: tuple[int, ...] = ()) -> None:
        try:
            pull = await self.main.ops.open_pull_request(task_id, drop_comments=drop)
        except Refused as exc:
            if exc.kind != "UnsentComments":
                self.main.announce(str(exc))
                return
            again = functools.partial(self._pull_request, task_id)
            self._ask_unsent(exc, "Open the pull request", again)
            return
        self.main.refresh_task(await self.main.ops.task(task_id))
        verb = "Opened" if pull.created else "Found the open"
        self.main.say(f"{verb} pull request #{pull.number}: {pull.url}")


def outcome_text(task: Task) -> str:
    """Return what the review says about its task's state: landed, discarded, working."""
    if task.state is TaskState.MERGED:
        landed = (task.landed_commit or "")[:10]
        where = task.last_event if task.last_event.startswith("landed on") else f"as {landed}"
        return f"✓ Merged: {where}"
    if task.state is TaskState.DISCARDED:
        return "Discarded: its work is archived; Restore in the main window brings it back"
    if task.state in ACTIVE_STATES or task.state is TaskState.QUEUED:
        return f"{task.agent} is working on a new turn; its changes show here when it ends"
    return ""
