"""Comments as threads under their lines, with the agent's answer as Markdown; the panel's
items jump to their lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPalette, QTextDocument

from app.client import Operations
from app.core.profiles import AgentProfile, OutputFormat
from app.core.states import TaskState
from app.core.task import Comment, CommentThread
from app.qt.review.controller import ReviewController, open_review
from app.qt.review.diffview import DiffView
from app.qt.review.richtext import markdown_html
from app.server.operations import local_call
from app.services.config.settings import Home, Settings, default_profiles
from app.services.orchard import Orchard
from tests.conftest import make_repo
from tests.qt.conftest import run, until
from tests.qt.test_diffview import big_diff

pytestmark = pytest.mark.timeout(120)

ANSWER = (
    "## Fixed\n\nI put it back:\n\n- `README.md` says *world* again\n- nothing else changed\n\n"
    "```python\nprint(1)\n```\nSee [the docs](https://example.com/docs)."
)


def _said(text: str) -> str:
    item = {"type": "item.completed", "item": {"id": "m1", "type": "agent_message", "text": text}}
    return json.dumps(item)


# Shouts on its first turn; on a follow-up, puts the line back and answers in Markdown.
SCRIPT = f"""prompt=$(cat)
case "$prompt" in
  *"Review comments"*) printf 'hello\\nworld\\nmore\\n' > README.md
     printf '%s\\n' '{_said(ANSWER)}';;
  *) printf 'hello\\nWORLD\\nmore\\n' > README.md; seq 1 60 | sed 's/^30$/THIRTY/' > long.txt
     printf '%s\\n' '{_said("Shouted.")}';;
esac
"""
ANSWERER = AgentProfile("answerer", ("sh", "-c", SCRIPT), OutputFormat.CODEX, prompt_via="stdin")


async def reviewed(tmp_path: Path) -> tuple[Orchard, ReviewController]:
    """Return an Orchard and the review of a finished task of the answering agent."""
    files = {"README.md": "hello\nworld\n", "long.txt": "".join(f"{n}\n" for n in range(1, 61))}
    repo = make_repo(tmp_path / "repo", files)
    profiles = {**default_profiles(), "answerer": ANSWERER}
    orchard = Orchard(Home(tmp_path / "home"), settings=Settings(profiles=profiles))
    await orchard.add_project(str(repo), name="repo")
    [task] = await orchard.new_tasks("repo", "Shout", agent="answerer", title="Shout")
    await orchard.supervisor.run()
    task = orchard.task(task.id)
    assert task.state is TaskState.SUCCEEDED, task.error
    c = open_review(Operations(local_call(orchard)), task)
    await until(lambda: c.counted and shown(c) == "README.md", what="first file")
    return orchard, c


def shown(c: ReviewController) -> str | None:
    diff = c.window.diff.diff()
    return diff.entry.path if diff is not None and diff.rows else None


def row_of(view: DiffView, text: str) -> int:
    return next(i for i in range(view.row_count()) if view.row(i).new_text == text)


def finish(c: ReviewController, orchard: Orchard) -> None:
    c.window.close_for_good()
    c.window.deleteLater()
    orchard.close()


def test_a_comment_shows_under_its_line_and_the_rows_below_make_room(
    loop: Any, tmp_path: Path
) -> None:
    async def scenario() -> None:
        orchard, c = await reviewed(tmp_path)
        view = c.window.diff
        row = row_of(view, "WORLD")
        await c.add_comment(row, "new", "Keep it lower case")
        [box] = view.thread_views()
        await until(box.isVisible, what="the thread shown")
        assert "README.md:2" in box.header.text() and "open" in box.header.text()
        assert box.text.text() == "Keep it lower case" and not box.answer.isVisible()
        rh = view.row_height()
        assert box.y() >= (row + 1) * rh  # under its row
        room = view._threads.gaps.units[row]
        assert room * rh >= box.height()
        below = (row + 1 + room) * rh + rh // 2  # the next row, past the thread's room
        assert view._hit(QPoint(view.width() - 40, below))[0] == row + 1  # type: ignore[index]
        assert view._hit(QPoint(view.width() - 40, box.y() + 2)) is None  # the thread itself
        c.window.threads.setChecked(False)
        assert not box.isVisible() and not view._threads.gaps
        assert view._hit(QPoint(view.width() - 40, (row + 1) * rh + 2))[0] == row + 1  # type: ignore[index]
        finish(c, orchard)

    run(loop, scenario)


def test_after_the_agents_turn_the_thread_shows_its_answer_as_markdown(
    loop: Any, tmp_path: Path
) -> None:
    async def scenario() -> None:
        orchard, c = await reviewed(tmp_path)
        view = c.window.diff
        await c.add_comment(row_of(view, "WORLD"), "new", "Keep it lower case")
        assert await c.request_changes("") is not None
        [box] = view.thread_views()
        await until(lambda: "sent" in box.header.text(), what="sent")
        assert "Waiting for the agent" in box.answer.text()
        await orchard.supervisor.run()
        c.follow(orchard.task(c.task.id))  # what the main window does when the task moves
        await until(lambda: "Fixed" in box.answer.text(), what="the answer")
        assert "Agent · turn 2" in box.answer.text()
        doc = QTextDocument()
        doc.setHtml(box.answer.text())
        assert_markdown(doc)
        assert c.threads[0].answer == ANSWER
        finish(c, orchard)

    run(loop, scenario)


def assert_markdown(doc: QTextDocument) -> None:
    """Check the heading is bold and large, the items a list, the code fixed-pitch in a box."""
    blocks = [doc.findBlockByNumber(i) for i in range(doc.blockCount())]
    by_text = {b.text(): b for b in blocks}
    heading = by_text["Fixed"]
    assert (
        heading.charFormat().fontWeight() >= 600
        or heading.begin().fragment().charFormat().fontWeight() >= 600
    )
    items = [b for b in blocks if b.textList() is not None]
    assert [b.text() for b in items] == ["README.md says world again", "nothing else changed"]
    code = by_text["print(1)"]
    assert (
        code.charFormat().fontFixedPitch() or "mono" in code.charFormat().fontFamilies()[0].lower()
    )
    assert doc.rootFrame().childFrames(), "the code block sits in a box"
    assert "https://example.com/docs" in doc.toHtml()


def test_markdown_uses_the_palette_of_the_theme(qapp: Any) -> None:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.AlternateBase, "#123456")
    html, elided = markdown_html(ANSWER, palette)
    assert "#123456" in html and not elided
    short, elided = markdown_html(ANSWER, palette, max_lines=3)
    assert elided and "print(1)" not in short


def test_a_panel_item_jumps_to_its_line_in_its_file(loop: Any, tmp_path: Path, qtbot: Any) -> None:
    async def scenario() -> None:
        orchard, c = await reviewed(tmp_path)
        c.window.resize(1100, 420)  # a short diff: line 30 of a whole file is out of sight
        c.window.files.select(1)
        await until(lambda: shown(c) == "long.txt", what="long.txt")
        c.more_context(full=True)
        await until(lambda: c.window.diff.row_count() > 60, what="the whole file")
        view = c.window.diff
        await c.add_comment(row_of(view, "THIRTY"), "new", "Why shout thirty?")
        c.window.files.select(0)
        await until(lambda: shown(c) == "README.md", what="back to README.md")
        panel = c.window.comments
        [item] = panel.comment_items()
        assert "long.txt" in panel.list.item(0).data(Qt.ItemDataRole.UserRole + 1)
        assert "THIRTY" in item.data(Qt.ItemDataRole.UserRole + 1)  # the quoted line
        rect = panel.list.visualItemRect(item)
        qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        await until(lambda: shown(c) == "long.txt", what="long.txt again")
        await until(lambda: view.current_row() >= 0, what="the line")
        assert view.row(view.current_row()).new_no == 30
        assert view.current_row() in view.visible_rows() and view.first_visible_row() > 0
        finish(c, orchard)

    run(loop, scenario)


def test_threads_keep_hunk_jumps_and_scrolling_row_exact(qtbot: Any) -> None:
    view = DiffView()
    qtbot.addWidget(view)
    view.resize(1000, 400)
    view.set_diff(big_diff(3000, hunk_every=500))
    hunks = view.hunk_rows()
    lines = [view.row(r).new_no for r in (hunks[0] + 2, hunks[1] + 2)]
    threads = [
        ("new", n, CommentThread(Comment("t", "big.py", n, f"note {i}", id=i)))
        for i, n in enumerate(lines, 1)
        if n is not None
    ]
    view.set_threads(threads)
    assert len(view._threads.gaps.units) == 2
    assert view.next_hunk() and view.next_hunk() and view.current_row() == hunks[1]
    assert hunks[1] in view.visible_rows()
    assert view.go_to_line("new", lines[1] or 0)
    boxes = view.thread_views()
    view.show()
    assert boxes[1].isVisible() and not boxes[0].isVisible()
    bar = view.verticalScrollBar()
    assert bar.maximum() == 3006 + sum(view._threads.gaps.units.values()) - view._page()
    view.close()


def test_a_long_answer_shows_its_start_and_unfolds(qtbot: Any) -> None:
    from app.qt.review.threadview import CommentThreadView

    comment = Comment("t", "a.py", 1, "why?", sent_at=1.0, id=1)
    answer = "\n".join(f"- point {n}" for n in range(1, 31))
    box = CommentThreadView(CommentThread(comment, answer, turn=2))
    qtbot.addWidget(box)
    assert "point 12" in box.answer.text() and "point 13" not in box.answer.text()
    short = box.heightForWidth(500)
    with qtbot.waitSignal(box.resized):
        box.answer.linkActivated.emit("orchard:expand")
    assert "point 30" in box.answer.text() and "Show less" in box.answer.text()
    assert box.heightForWidth(500) > short
