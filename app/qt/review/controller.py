"""The review's controller: loads the snapshot and files (latest wins), comments, follow-ups."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtWidgets import QWidget

from app.client import Operations, Refused, ServiceError
from app.core.diff import FileDiff, FileEntry, ReviewSnapshot
from app.core.states import ACTIVE_STATES, TaskState
from app.core.task import Comment, CommentThread, Task
from app.qt.placement import place
from app.qt.review.syntax import lexer_for
from app.qt.review.window import ReviewWindow

log = logging.getLogger(__name__)
T = TypeVar("T")
CONTEXT = 3
CONTEXT_STEP = 20
FULL_FILE = 1_000_000  # lines of context: the whole file
_EXPECTED = (ServiceError, OSError)


def open_review(
    ops: Operations, task: Task, parent: QWidget | None = None, path: str | None = None
) -> ReviewController:
    """Open a review window on `task` (at file `path`, if given) and start loading it."""
    controller = ReviewController(ops, task, parent)
    place(controller.window)
    controller.window.show()
    controller.start(path)
    return controller


class ReviewController:
    """Drives one ReviewWindow: every await of the review happens here, never in a widget."""

    def __init__(self, ops: Operations, task: Task, parent: QWidget | None = None) -> None:
        self.ops, self.task = ops, task
        self.window = ReviewWindow(parent)
        self.snapshot: ReviewSnapshot | None = None
        self.comments: list[Comment] = []  # the open ones: what Request changes sends
        self.threads: list[CommentThread] = []  # every comment, with the agent's answer
        self._viewed: set[str] = set()
        self._context: dict[str, int] = {}  # lines of context per file path
        self._forced: set[str] = set()  # files loaded despite their placeholder
        self._jobs: set[asyncio.Task[Any]] = set()  # strong refs: never collected mid-flight
        self._file_job: asyncio.Task[Any] | None = None
        self._list_job: asyncio.Task[Any] | None = None
        self._token = 0
        self._pending_anchor: tuple[str, int] | None = None  # where to go once a file loads
        # Plain threads: qasync's default executor aborts the process at exit.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orchard-review")
        self.closed = False
        self.counted = False  # the file list has its +/- counts
        self._loaded_turns = task.turns  # the turn whose changes are shown
        self._connect()

    def _connect(self) -> None:
        w = self.window
        w.set_task(self.task)
        w.files.file_selected.connect(self._on_files_file_selected)
        w.files.model.viewed_changed.connect(self._on_model_viewed_changed)
        w.diff.comment_saved.connect(self._on_diff_comment_saved)
        w.diff.more_context_requested.connect(self.more_context)
        w.diff.load_anyway_requested.connect(self._on_diff_load_anyway_requested)
        w.more_context_clicked.connect(self.more_context)
        w.full_file_clicked.connect(lambda: self.more_context(full=True))
        w.ignore_whitespace_toggled.connect(self._on_window_ignore_whitespace_toggled)
        w.comments.comment_activated.connect(self._on_comments_comment_activated)
        w.comments.delete_requested.connect(self._on_comments_delete_requested)
        w.comments.request_changes.connect(self._on_comments_request_changes)
        w.drop_requested.connect(lambda path, hunk: self.spawn(self.drop(path, hunk)))
        w.undo_drop_requested.connect(lambda: self.spawn(self.undo_drop()))
        w.closed.connect(self.close)

    # life

    def follow(self, task: Task) -> None:
        """Show the task as it is now; a turn that ended since the diff was read brings it anew."""
        moved = task.state is not self.task.state
        self.task = task
        self.window.set_task(task)
        if self.closed:
            return
        ended = task.state not in ACTIVE_STATES and task.state is not TaskState.QUEUED
        if ended and task.turns != self._loaded_turns:
            if self._list_job is not None:
                self._list_job.cancel()
            self._list_job = self.spawn(self.load(keep=self._shown_path()))
        if moved:  # a land or discard may have dropped comments, a turn may have sent them
            self.spawn(self.refresh_comments())

    def start(self, path: str | None = None) -> None:
        """Load the file list (then `path` or the first file), the viewed marks and comments."""
        self._list_job = self.spawn(self.load(keep=path))
        self.spawn(self.refresh_comments())
        self.spawn(self.off_thread(lexer_for, "warm.py"))  # Pygments imports while git works

    def close(self) -> None:
        """Cancel whatever is loading and let the worker thread go."""
        if self.closed:
            return
        self.closed = True
        for job in list(self._jobs):
            job.cancel()
        self._io.shutdown(wait=False, cancel_futures=True)  # never block the GUI thread

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `coro` in the background; a failure shows in the window, never vanishes."""
        job = asyncio.ensure_future(coro)
        self._jobs.add(job)
        job.add_done_callback(self._on_job_done)
        return job

    async def off_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking call on the review's own worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    def _on_job_done(self, job: asyncio.Task[Any]) -> None:
        self._jobs.discard(job)
        if job.cancelled() or job.exception() is None or self.closed:
            return
        exc = job.exception()
        if not isinstance(exc, _EXPECTED):
            log.error("review job failed", exc_info=exc)
        self.window.say(str(exc) or type(exc).__name__, error=True)

    # the file list

    async def drop(self, path: str, hunk: int) -> None:
        """Drop a hunk (from 1) or the whole file (0) from the task's change, then reload."""
        dropped = await self.ops.drop_change(self.task.id, path, hunk or None)
        await self.load(keep=path)
        self.window.say(
            f"Dropped {dropped.what} as commit {dropped.commit[:10]}; Undo drop brings it back"
        )
        self.window.undo_drop_button.setVisible(True)

    async def undo_drop(self) -> None:
        """Bring the latest dropped part back, then reload."""
        commit = await self.ops.undo_drop(self.task.id)
        await self.load(keep=self._shown_path())
        self.window.say(f"Brought the dropped part back (commit {commit[:10]})")
        self.window.undo_drop_button.setVisible(False)

    def show_path(self, path: str) -> None:
        """Select file `path` in the list, if the task changed it."""
        paths = [e.path for e in self.window.files.model.entries()]
        if path in paths:
            self.window.files.select(paths.index(path))

    def _shown_path(self) -> str | None:
        shown = self.window.diff.diff()
        return shown.entry.path if shown is not None else None

    async def load(self, keep: str | None = None) -> None:
        """List the task's changed files at once, then their +/- counts; select the first file."""
        self.window.say("Reading the task's changes…")
        self._loaded_turns = self.task.turns
        if keep is not None and keep == self._shown_path():
            self._pending_anchor = self._anchor()  # come back to the same line once reloaded
        ignore, ops = self.window.whitespace.isChecked(), self.ops
        self._viewed = await ops.viewed(self.task.id)
        quick = await ops.review_files(self.task.id, ignore_whitespace=ignore, counts=False)
        self._show_snapshot(quick, keep=keep, counted=False)
        counted = await ops.review_counts(quick, ignore_whitespace=ignore)
        self._show_counts(counted, keep)

    def _show_counts(self, snapshot: ReviewSnapshot, keep: str | None = None) -> None:
        self.snapshot = snapshot
        if self.window.files.model.update_entries(list(snapshot.files)):
            self._show_file_header()  # its +/- are known now
            self.window.show_totals(self.task, snapshot.base, list(snapshot.files))
        else:
            self._show_snapshot(snapshot, keep=keep)
        self.counted = True

    def _show_snapshot(
        self, snapshot: ReviewSnapshot, keep: str | None = None, counted: bool = True
    ) -> None:
        self.snapshot = snapshot
        files = list(snapshot.files)
        self.window.set_files(self.task, snapshot.base, files, self._viewed, counted)
        if not files:
            self.window.diff.show_message(
                "No changes: the task's files match its base.\n"
                "Follow up to ask the agent for more, or discard the task."
            )
            self.window.say("Nothing to review yet.")
            return
        missing = " (the worktree is gone: showing the branch's last commit)"
        count = f"{len(files)} file{'s' if len(files) != 1 else ''}"
        self.window.say(f"{count} to review{missing if snapshot.worktree_missing else ''}")
        paths = [f.path for f in files]
        self.window.files.select(paths.index(keep) if keep in paths else 0)

    async def relist(self, ignore_whitespace: bool) -> None:
        """Count the files again with or without whitespace changes; keep the selected file."""
        if self.snapshot is None:  # the first load was cancelled before it listed anything
            await self.load()
            return
        entry = self.current_entry()
        snapshot = await self.ops.review_counts(self.snapshot, ignore_whitespace)
        self._show_snapshot(snapshot, keep=entry.path if entry else None)

    def _show_file_header(self) -> None:
        shown = self.window.diff.diff()
        current = self.current_entry()
        if shown is not None and current is not None and current.path == shown.entry.path:
            self.window.show_file_header(current)  # the list's entry carries the counts
        else:
            self.window.show_file_header(shown.entry if shown is not None else None)

    def current_entry(self) -> FileEntry | None:
        """Return the selected file, if any."""
        row = self.window.files.current()
        return self.window.files.model.entry(row) if row >= 0 else None

    # one file

    def show_file(self, entry: FileEntry, anchor: tuple[str, int] | None = None) -> None:
        """Load `entry`'s rows, then go to `anchor` (side, line); a newer request cancels."""
        if self._file_job is not None:
            self._file_job.cancel()
        self._token += 1
        shown = self.window.diff.diff()
        if shown is None or shown.entry.path != entry.path:
            self.window.diff.show_message(f"Loading {entry.path}…")
        self._file_job = self.spawn(self._load_file(self._token, entry, anchor))

    async def _load_file(
        self, token: int, entry: FileEntry, anchor: tuple[str, int] | None
    ) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        diff = await self.ops.review_file(
            snapshot,
            entry,
            context=self._context.get(entry.path, CONTEXT),
            ignore_whitespace=snapshot.ignore_whitespace,
            load_anyway=entry.path in self._forced,
        )
        if token != self._token or self.closed:
            return  # a newer request won
        self._show_diff(diff, anchor)

    def _show_diff(self, diff: FileDiff, anchor: tuple[str, int] | None) -> None:
        view = self.window.diff
        view.set_diff(diff)
        whitespace = self.snapshot is not None and self.snapshot.ignore_whitespace
        usual = self._context.get(diff.entry.path, CONTEXT) == CONTEXT and not whitespace
        view.usual_hunks = usual  # only git's own hunks can be dropped one at a time
        self._show_file_header()
        self._mark_comments()
        reloaded = anchor is None and self._pending_anchor is not None
        anchor = anchor or self._pending_anchor
        self._pending_anchor = None
        if anchor is not None:
            view.go_to_line(*anchor, nearest=reloaded)  # a reload: as near as the diff allows

    def more_context(self, full: bool = False) -> None:
        """Show 20 more lines around each hunk of the current file (or all of it)."""
        entry = self.current_entry()
        if entry is None:
            return
        now = self._context.get(entry.path, CONTEXT)
        self._context[entry.path] = FULL_FILE if full else now + CONTEXT_STEP
        self.show_file(entry, anchor=self._anchor())

    def _anchor(self) -> tuple[str, int] | None:
        view = self.window.diff
        start = view.current_row() if view.current_row() >= 0 else view.first_visible_row()
        for i in range(start, view.row_count()):
            row = view.row(i)
            if row.new_no is not None:
                return "new", row.new_no
        return None

    def _on_model_viewed_changed(self, key: str, viewed: bool) -> None:
        (self._viewed.add if viewed else self._viewed.discard)(key)
        self.spawn(self.ops.save_viewed(self.task.id, set(self._viewed)))

    # comments

    async def refresh_comments(self) -> None:
        """Read the comments and their answers again and show them."""
        self._show_threads(await self.ops.comment_threads(self.task.id))

    def _show_threads(self, threads: list[CommentThread]) -> None:
        self.threads = threads
        self.comments = [
            t.comment for t in threads if t.comment.sent_at is None and t.comment.dropped_at is None
        ]
        self.window.comments.set_comments([t.comment for t in threads])
        self._mark_comments()

    def _mark_comments(self) -> None:
        entry = self.window.diff.diff()
        if entry is None:
            self.window.diff.set_comment_marks(set(), set())
            self.window.diff.set_threads([])
            return
        e = entry.entry
        paths = {"new": e.path, "old": e.old_path or e.path}
        mine = [t for t in self.threads if paths.get(t.comment.side) == t.comment.path]
        new = {t.comment.line for t in mine if t.comment.side == "new"}
        old = {t.comment.line for t in mine if t.comment.side == "old"}
        self.window.diff.set_comment_marks(old, new)
        self.window.diff.set_threads([(t.comment.side, t.comment.line, t) for t in mine])

    async def add_comment(self, row: int, side: str, text: str) -> Comment | None:
        """Record a comment on `side`'s line of `row` in the file shown."""
        view, diff = self.window.diff, self.window.diff.diff()
        line = view.line_at(row, side)
        if diff is None or line is None:
            return None
        e = diff.entry
        path = e.path if side == "new" else (e.old_path or e.path)
        comment = await self.ops.add_comment(
            self.task.id, path, line[0], text, side=side, quote=line[1]
        )
        self._show_threads([*self.threads, CommentThread(comment)])
        self.window.say(f"Comment saved on {path}:{line[0]}")
        return comment

    def _on_diff_comment_saved(self, row: int, side: str, text: str) -> None:
        self.spawn(self.add_comment(row, side, text))

    async def delete_comment(self, comment_id: int) -> None:
        """Forget one open comment."""
        await self.ops.delete_comment(comment_id)
        await self.refresh_comments()

    def _on_comments_delete_requested(self, comment_id: int) -> None:
        self.spawn(self.delete_comment(comment_id))

    async def request_changes(self, text: str) -> Task | None:
        """Send every open comment and `text` to the task's agent as a follow-up turn."""
        count = len(self.comments)
        try:
            task = await self.ops.send_followup(self.task.id, text)
        except Refused as exc:
            self.window.say(str(exc), error=True)
            return None
        self.task = task
        self.window.set_task(task)
        self.window.comments.message.clear()
        await self.refresh_comments()
        self.window.say(
            f"Sent {count} comment{'s' if count != 1 else ''} to the agent: the task is "
            "running again and its log continues in the main window."
        )
        return task

    def _on_comments_request_changes(self, text: str) -> None:
        self.spawn(self.request_changes(text))

    def _on_comments_comment_activated(self, path: str, line: int, side: str) -> None:
        entries = self.window.files.model.entries()
        paths = [e.path if side == "new" else (e.old_path or e.path) for e in entries]
        if path not in paths:
            return
        row = paths.index(path)
        if row == self.window.files.current() and self._file_job and self._file_job.done():
            self.window.diff.go_to_line(side, line)
        else:
            self._pending_anchor = (side, line)
            self.window.files.select(row)  # loads the file, then goes to the line

    # the views' requests

    def _on_files_file_selected(self, row: int) -> None:
        self.show_file(self.window.files.model.entry(row))

    def _on_diff_load_anyway_requested(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self._forced.add(entry.path)
            self.show_file(entry)

    def _on_window_ignore_whitespace_toggled(self, ignore: bool) -> None:
        if self._list_job is not None:
            self._list_job.cancel()
        self._list_job = self.spawn(self.relist(ignore))
