"""The review follows its task: closes on Esc and Ctrl+W, says how a land went, offers the next."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from app.core.states import TaskState
from tests.conftest import git, make_repo
from tests.qt.conftest import run, until
from tests.qt.test_landing_window import _landing, session, succeeded

pytestmark = pytest.mark.timeout(180)


def test_esc_and_ctrl_w_close_the_review(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, hi="echo hi > new.txt")
        landing = _landing(s)
        for close in ("Esc", "Ctrl+W"):
            landing.review(task.id)
            review = landing.reviews[task.id]
            await until(lambda r=review: r.window.files.model.rowCount() == 1)
            review.window.activateWindow()
            review.window.diff.setFocus()
            if close == "Esc":
                QTest.keyClick(review.window.diff, Qt.Key.Key_Escape)
            else:
                sequence = QKeySequence(QKeySequence.StandardKey.Close)[0]
                QTest.keyClick(review.window, sequence.key(), sequence.keyboardModifiers())
            await until(lambda r=review: not r.window.isVisible(), what=f"{close} closed it")
            await until(lambda: task.id not in landing.reviews)
        await s.close()

    run(loop, scenario)


def test_esc_keeps_a_message_being_written(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, hi="echo hi > new.txt")
        landing = _landing(s)
        landing.review(task.id)
        window = landing.reviews[task.id].window
        window.comments.message.setPlainText("please also add a test")
        window.comments.message.setFocus()
        QTest.keyClick(window.comments.message, Qt.Key.Key_Escape)
        assert window.isVisible() and window.comments.message.toPlainText()
        window.diff.setFocus()
        QTest.keyClick(window.diff, Qt.Key.Key_Escape)  # from anywhere: the words are kept
        assert window.isVisible() and "Send or clear" in window.status.text()
        await s.close()  # quitting closes it without asking
        assert not window.isVisible()

    run(loop, scenario)


def test_a_land_from_the_review_shows_there_and_offers_the_next_task(
    loop: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": "one\n", "g.txt": "g\n"})

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        a, b = await succeeded(s, first="echo A > f.txt", second="echo B > g.txt")
        landing = _landing(s)
        landing.review(a.id)
        window = landing.reviews[a.id].window
        await until(lambda: window.files.model.rowCount() == 1, what="the file list")
        window.merge_button.click()
        dialog = await until(lambda: landing.merger.dialog)
        assert dialog.parent() is window  # in front of the review, where the person looks
        await until(lambda: dialog.land_button.isEnabled(), what="the check")
        dialog.land_button.click()
        await until(lambda: s.task(a.id).state is TaskState.MERGED, what="merged")
        await until(lambda: window.outcome.isVisibleTo(window), what="the outcome")
        assert window.outcome.text().startswith("✓ Merged: landed on main as ")
        assert "· Merged ·" in window.facts.text()
        assert not window.merge_button.isVisibleTo(window)
        assert not window.drop_hunk_button.isVisibleTo(window)
        assert window.next_button.isVisibleTo(window)
        assert window.next_button.text() == "Review next: second"
        window.next_button.click()
        await until(lambda: b.id in landing.reviews, what="the next review")
        await until(lambda: a.id not in landing.reviews, what="the first one closed")
        await s.close()

    run(loop, scenario)


def test_an_added_file_takes_the_full_width_under_its_header(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, hi="mkdir -p src && printf 'a\\nb\\n' > src/new_module.py")
        landing = _landing(s)
        landing.review(task.id)
        window = landing.reviews[task.id].window
        await until(lambda: window.diff.diff() is not None, what="the first file")
        await until(lambda: "+2" in window.file_header.text(), what="the counts in the header")
        header = window.file_header.text()
        assert "src/new_module.py" in header and "added" in header and "+2" in header
        width = window.diff.viewport().width()
        x, text_width = window.diff._painter.text_column("new", width)
        assert x < width // 4 and text_width > width * 3 // 4  # one gutter, then all the text
        assert window.comments.hint.isVisibleTo(window)  # the empty panel says how to comment
        await s.close()

    run(loop, scenario)


def test_drop_a_hunk_from_the_review_then_undo(loop: Any, tmp_path: Path) -> None:
    twenty = "".join(f"line {n}\n" for n in range(1, 21))
    repo = make_repo(tmp_path / "repo", {"f.txt": twenty})

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(
            s, edit="sed -i -e 's/^line 2$/LINE 2/' -e 's/^line 19$/LINE 19/' f.txt"
        )
        landing = _landing(s)
        landing.review(task.id)
        window = landing.reviews[task.id].window
        await until(lambda: window.diff.diff() is not None, what="the file")
        window.diff.next_hunk()
        window.diff.next_hunk()  # the second hunk: line 19
        assert window.diff.current_hunk() == 1
        window.drop_hunk_button.click()
        await until(lambda: window.undo_drop_button.isVisibleTo(window), what="the drop")
        branch_file = git(repo, "show", f"{task.branch}:f.txt")
        assert "LINE 2\n" in branch_file and "line 19\n" in branch_file
        assert "Dropped hunk 2 of f.txt as commit" in window.status.text()
        await until(lambda: window.diff.current_row() >= 0, what="back at the same place")
        assert window.diff.row(window.diff.current_row()).new_no is not None
        window.undo_drop_button.click()
        await until(lambda: not window.undo_drop_button.isVisibleTo(window), what="the undo")
        assert "LINE 19\n" in git(repo, "show", f"{task.branch}:f.txt")
        await s.close()

    run(loop, scenario)


def test_closing_with_a_comment_being_written_asks_first(
    loop: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Close]
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *args: Any) -> Any:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, hi="echo hi > new.txt")
        landing = _landing(s)
        landing.review(task.id)
        window = landing.reviews[task.id].window
        await until(lambda: window.diff.diff() is not None, what="the file")
        window.diff.open_editor(window.diff.hunk_rows()[0] + 1, "new")
        window.diff.editor.edit.setPlainText("half a thought")
        window.close()  # Cancel: it stays, with the words
        assert window.isVisible() and len(asked) == 1
        window.close()  # Close: it goes
        await until(lambda: task.id not in landing.reviews)
        await s.close()

    run(loop, scenario)
