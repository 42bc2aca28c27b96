"""The review window over a real Orchard, a real repository and a task that changed it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.client import Operations
from app.core.diff import FileStatus, RowKind
from app.core.states import TaskState
from app.core.task import Task
from app.qt.review.controller import ReviewController, open_review
from app.server.operations import local_call
from app.services.config.settings import Home
from app.services.land.review import VIEWED_FILE
from app.services.orchard import Orchard
from tests.conftest import make_repo
from tests.qt.conftest import run, until

pytestmark = pytest.mark.timeout(120)

CHANGES = (
    "printf 'hello\\nWORLD\\nmore\\n' > README.md; "
    "printf 'def f():\\n    return 1\\n' > src/new.py; "
    "rm old.txt; printf 'a  =  1\\n' > src/ws.py; seq 1 30000 > big.txt; "
    "sed -i 's/^line 30$/LINE 30/' long.txt"
)


async def finished_task(tmp_path: Path) -> tuple[Orchard, Task]:
    """Return an Orchard and a finished shell task that changed its worktree."""
    files = {"README.md": "hello\nworld\n", "src/ws.py": "a = 1\n", "old.txt": "bye\n"}
    files["long.txt"] = "".join(f"line {n}\n" for n in range(1, 61))
    repo = make_repo(tmp_path / "repo", files)
    orchard = Orchard(Home(tmp_path / "home"))
    await orchard.add_project(str(repo), name="repo")
    [task] = await orchard.new_tasks("repo", CHANGES, agent="shell", title="Shout the world")
    await orchard.supervisor.run()
    task = orchard.task(task.id)
    assert task.state is TaskState.SUCCEEDED, task.error
    return orchard, task


def shown_path(c: ReviewController) -> str | None:
    diff = c.window.diff.diff()
    return diff.entry.path if diff is not None and diff.rows else None


async def opened(orchard: Orchard, task: Task) -> ReviewController:
    """Open the review and wait for its first file's rows."""
    c = open_review(Operations(local_call(orchard)), task)
    c.orchard = orchard  # type: ignore[attr-defined]  # the store behind it, for the asserts
    await until(lambda: c.window.files.model.rowCount(), what="file list")
    await until(lambda: shown_path(c), what="first file")
    await until(lambda: c.counted, what="+/- counts")
    return c


async def settle(c: ReviewController) -> None:
    await until(lambda: c._file_job is None or c._file_job.done(), what="file loaded")


def close(c: ReviewController, orchard: Orchard | None) -> None:
    c.window.close_for_good()  # a teardown: never asks, even with words being written
    assert c.closed
    c.window.deleteLater()
    if orchard is not None:
        orchard.close()


def review(loop: Any, tmp_path: Path, body: Callable[[ReviewController], Awaitable[None]]) -> None:
    """Open the review of a finished task, run `body` on it, then close it and its Orchard."""

    async def scenario() -> None:
        orchard, task = await finished_task(tmp_path)
        c = await opened(orchard, task)
        await body(c)
        close(c, orchard)

    run(loop, scenario)


def test_review_lists_the_changes_and_renders_the_first_file(loop: Any, tmp_path: Path) -> None:
    async def body(c: ReviewController) -> None:
        model = c.window.files.model
        statuses = {e.path: e.status for e in model.entries()}
        assert statuses == {
            "README.md": FileStatus.MODIFIED,
            "big.txt": FileStatus.ADDED,
            "long.txt": FileStatus.MODIFIED,
            "old.txt": FileStatus.DELETED,
            "src/new.py": FileStatus.ADDED,
            "src/ws.py": FileStatus.MODIFIED,
        }
        assert shown_path(c) == model.entry(0).path == "README.md"
        view = c.window.diff
        rows = [view.row(i) for i in range(view.row_count())]
        assert (RowKind.CHANGE, "world", "WORLD") in [
            (r.kind, r.old_text, r.new_text) for r in rows
        ]
        assert any(r.kind is RowKind.ADD and r.new_text == "more" for r in rows)
        assert "Shout the world" in c.window.title.text()
        assert "+30005" in c.window.facts.text() or "+30" in c.window.facts.text()

    review(loop, tmp_path, body)


def test_a_big_file_shows_a_placeholder_until_load_anyway(loop: Any, tmp_path: Path) -> None:
    async def body(c: ReviewController) -> None:
        c.window.files.select(1)  # big.txt, 30,000 added lines
        await until(lambda: (d := c.window.diff.diff()) is not None and d.entry.path == "big.txt")
        view = c.window.diff
        assert view.placeholder.button.isVisible() and "30,000" in view.placeholder.label.text()
        view.placeholder.button.click()
        await until(lambda: view.row_count() > 30000, what="rows after load anyway")
        assert not view.placeholder.isVisible()

    review(loop, tmp_path, body)


def test_a_newer_file_request_wins(loop: Any, tmp_path: Path) -> None:
    async def body(c: ReviewController) -> None:
        entries = c.window.files.model.entries()
        for e in (entries[2], entries[3], entries[5], entries[0], entries[4]):
            c.show_file(e)
        await settle(c)
        await asyncio.sleep(0.2)  # any stale result would have landed by now
        assert shown_path(c) == entries[4].path == "src/new.py"

    review(loop, tmp_path, body)


def test_a_comment_saved_from_the_view_goes_to_the_store_and_is_sent(
    loop: Any, tmp_path: Path, qtbot: Any
) -> None:
    async def body(c: ReviewController) -> None:
        orchard, task = c.orchard, c.task
        view = c.window.diff
        row = next(i for i in range(view.row_count()) if view.row(i).new_text == "WORLD")
        assert view.open_editor(row, "new")
        qtbot.keyClicks(view.editor.edit, "Keep it lower case")
        qtbot.keyClick(view.editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: c.comments, what="comment saved")
        [stored] = orchard.store.comments(task.id, open_only=True)
        assert (stored.path, stored.line, stored.side) == ("README.md", 2, "new")
        assert (stored.quote, stored.text) == ("WORLD", "Keep it lower case")
        assert c.window.comments.send_button.text() == "Request changes (1)"
        assert view._marks["new"] == {2}
        c.window.comments.message.setPlainText("Also add a test.")
        c.window.comments.send_button.click()
        await until(lambda: "running again" in c.window.status.text(), what="sent")
        again = orchard.task(task.id)
        assert again.state is TaskState.QUEUED
        assert "Keep it lower case" in (again.next_prompt or "")
        assert "Also add a test." in (again.next_prompt or "")
        assert orchard.store.comments(task.id, open_only=True) == []
        assert c.window.comments.send_button.text() == "Request changes (0)"

    review(loop, tmp_path, body)


def test_request_changes_with_nothing_says_so_in_the_window(loop: Any, tmp_path: Path) -> None:
    async def body(c: ReviewController) -> None:
        orchard, task = c.orchard, c.task
        c.window.comments.send_button.click()
        await until(lambda: "nothing to send" in c.window.status.text(), what="error shown")
        assert "#cf222e" in c.window.status.styleSheet()
        assert orchard.task(task.id).state is TaskState.SUCCEEDED

    review(loop, tmp_path, body)


def test_viewed_marks_persist_across_reviews(loop: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        orchard, task = await finished_task(tmp_path)
        c = await opened(orchard, task)
        model = c.window.files.model
        model.setData(model.index(3, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
        assert model.is_viewed(3) and "1 viewed" in c.window.files.summary.text()
        stored = orchard.home.logs / task.id / VIEWED_FILE
        await until(lambda: stored.exists() and len(json.loads(stored.read_text())) == 1)
        close(c, None)
        again = await opened(orchard, task)
        m = again.window.files.model
        assert [m.is_viewed(i) for i in range(m.rowCount())] == [False] * 3 + [True] + [False] * 2
        close(again, orchard)

    run(loop, scenario)


def test_keys_walk_files_and_hunks(loop: Any, tmp_path: Path, qtbot: Any) -> None:
    async def body(c: ReviewController) -> None:
        w = c.window
        w.activateWindow()
        w.diff.setFocus()
        qtbot.keyClick(w.diff, "j")
        assert w.diff.current_row() == w.diff.hunk_rows()[0]
        qtbot.keyClick(w.diff, "]")
        await until(lambda: (d := w.diff.diff()) is not None and d.entry.path == "big.txt")
        assert w.files.current() == 1
        qtbot.keyClick(w.diff, "[")
        await until(lambda: shown_path(c) == "README.md", what="back to README")
        # Typing in the comment editor types; it does not walk the review.
        w.diff.open_editor(w.diff.hunk_rows()[0] + 1, "new")
        qtbot.keyClicks(w.diff.editor.edit, "j]")
        assert w.diff.editor.edit.toPlainText() == "j]" and w.files.current() == 0

    review(loop, tmp_path, body)


def test_ignore_whitespace_recounts_and_more_context_grows(loop: Any, tmp_path: Path) -> None:
    async def body(c: ReviewController) -> None:
        w = c.window
        ws = next(e for e in w.files.model.entries() if e.path == "src/ws.py")
        assert (ws.insertions, ws.deletions) == (1, 1)
        w.whitespace.setChecked(True)
        await until(lambda: c.snapshot is not None and c.snapshot.ignore_whitespace)
        ws = next(e for e in w.files.model.entries() if e.path == "src/ws.py")
        assert (ws.insertions, ws.deletions) == (0, 0)
        await until(lambda: shown_path(c) == "README.md", what="selection kept")
        before = w.diff.row_count()
        w.unified.setChecked(True)
        assert w.diff.is_unified() and w.diff.row_count() == before + 1
        w.files.select(2)  # long.txt: one line changed in the middle of 60
        await until(lambda: shown_path(c) == "long.txt")
        await settle(c)
        assert w.diff.row_count() == 9  # hunk, 3 context, old, new, 3 context
        w.more_context_clicked.emit()
        await until(lambda: w.diff.row_count() == 9 + 40, what="20 more lines each side")
        assert w.diff.row(w.diff.current_row()).new_no is not None  # kept its place
        w.full_file_clicked.emit()
        await until(lambda: w.diff.row_count() == 1 + 61, what="the whole file")

    review(loop, tmp_path, body)


def test_ignore_whitespace_during_the_first_load_still_lists_the_files(
    loop: Any, tmp_path: Path
) -> None:
    async def scenario() -> None:
        orchard, task = await finished_task(tmp_path)
        c = open_review(Operations(local_call(orchard)), task)
        c.window.whitespace.setChecked(True)  # before the first listing came back
        await until(lambda: c.counted, what="+/- counts")
        assert c.snapshot is not None and c.snapshot.ignore_whitespace
        assert c.window.files.model.rowCount() == 6
        close(c, orchard)

    run(loop, scenario)
