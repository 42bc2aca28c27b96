"""The compare view over a scoreboard, and its controller over real attempts and real tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt

from app.client import Operations
from app.core.compare import Attempt, TestResult, build_scoreboard
from app.core.states import TaskState
from app.core.task import Task
from app.qt.land.comparecontroller import CompareController, open_compare
from app.qt.land.compareview import CompareView
from app.server.operations import local_call
from app.services.land import compare
from app.services.orchard import Orchard
from tests.qt.conftest import until
from tests.services.test_compare import make_group
from tests.taskkit import make_task

pytestmark = pytest.mark.timeout(120)

TASK = make_task(prompt="fix it", worktree="/nowhere", group="g1", started_at=0.0, finished_at=20.0)
PASSED = TestResult("make test", 0, 1.0, "all good\n", "c1", "t1", 30.0)


def ops_of(orchard: Orchard) -> Operations:
    return Operations(local_call(orchard))


def attempt(name: str, files: int, plus: int, test: TestResult | None, **task: Any) -> Attempt:
    t = replace(TASK, id=name * 32, title=f"Attempt {name}", **task)
    return Attempt(t, files, plus, 0, 20.0 if t.finished_at else None, test)


def board_of_three() -> Any:
    return build_scoreboard(
        "g1",
        "make test",
        [
            attempt(
                "a", 4, 40, replace(PASSED, exit_code=1, output_tail="2 failed\n"), created_at=1
            ),
            attempt("b", 2, 10, PASSED, cost_usd=0.30, created_at=2),
            attempt("c", 1, 3, None, cost_usd=0.10, state=TaskState.DISCARDED, created_at=3),
        ],
    )


def test_view_shows_attempts_best_first_with_best_values_highlighted(qtbot: Any) -> None:
    view = CompareView()
    qtbot.addWidget(view)
    view.set_scoreboard(board_of_three())
    headers = [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())]
    assert headers == ["#2 bbbbbbbb", "#1 aaaaaaaa", "#3 cccccccc"]  # ranked; numbered as launched
    b, a, c = "b" * 32, "a" * 32, "c" * 32
    assert view.cell(b, "tests").text() == "passed in 1.0s"
    assert view.cell(a, "tests").text() == "failed (exit 1, 2 failed)"
    assert view.cell(a, "tests").toolTip() == "2 failed\n"
    assert view.cell(a, "lines").text() == "+40 -0" and view.cell(c, "files").text() == "1"
    assert view.cell(c, "state").text() == "discarded"
    assert view.is_highlighted(b, "tests") and not view.is_highlighted(a, "tests")
    # the discarded attempt's small diff is not a candidate: b holds the best open diff
    assert view.is_highlighted(b, "lines") and not view.is_highlighted(c, "lines")
    assert not view.is_highlighted(a, "duration")  # a tie is no news
    assert view.selected_task_id() == b


def test_buttons_emit_the_selected_attempt(qtbot: Any) -> None:
    view = CompareView()
    qtbot.addWidget(view)
    reviews: list[str] = []
    picks: list[str] = []
    runs: list[bool] = []
    view.review_requested.connect(reviews.append)
    view.pick_requested.connect(picks.append)
    view.run_tests_requested.connect(lambda: runs.append(True))
    view.set_scoreboard(board_of_three())
    view.review.click()
    view.table.selectColumn(1)
    view.pick.click()
    view.review.click()
    view.run_tests.click()
    assert reviews == ["b" * 32, "a" * 32] and picks == ["a" * 32] and runs == [True]
    view.table.selectColumn(2)  # discarded: can be looked at, not picked
    assert view.review.isEnabled() and not view.pick.isEnabled()
    view.set_scoreboard(replace(board_of_three(), test_command=None))
    assert not view.run_tests.isEnabled()
    assert view.selected_task_id() == "c" * 32  # kept across a new board


def run_group(
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    body: Callable[[Orchard, dict[str, Task]], Awaitable[None]],
) -> None:
    async def main() -> None:
        orchard, tasks = await make_group(tmp_path, "sleep 0.3; test -f good.txt")
        try:
            await body(orchard, tasks)
        finally:
            orchard.close()

    loop.run_until_complete(main())


def test_controller_runs_tests_and_the_view_follows(loop: Any, qtbot: Any, tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        view = CompareView()
        qtbot.addWidget(view)
        controller = CompareController(ops_of(orchard), view, tasks["two"].id)
        await controller.load()
        assert view.table.columnCount() == 3 and view.cell(tasks["good"].id, "tests").text() == (
            "not run"
        )
        seen: set[str] = set()
        view.run_tests.click()
        await until(lambda: not view.run_tests.isEnabled(), what="run started")
        await until(
            lambda: (
                seen.update(
                    view.cell(t.id, "tests").text()
                    for t in tasks.values()  # type: ignore[union-attr]
                )
                or "Tests done." in view.message.text()
            ),
            what="tests done",
        )
        assert "running…" in seen
        assert view.board is not None and view.board.attempts[0].id == tasks["good"].id
        assert view.cell(tasks["good"].id, "tests").text().startswith("passed in")
        assert view.is_highlighted(tasks["good"].id, "tests")
        assert view.cell(tasks["readme"].id, "tests").text() == "failed (exit 1)"
        assert view.run_tests.isEnabled()
        assert compare.load_result(orchard.home, tasks["two"].id) is not None
        controller.close()

    run_group(loop, tmp_path, body)


def test_pick_winner_asks_then_discards_the_others(loop: Any, qtbot: Any, tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        view = CompareView()
        qtbot.addWidget(view)
        asked: list[int] = []
        controller = CompareController(
            ops_of(orchard),
            view,
            tasks["good"].id,
            confirm_discard=lambda n: asked.append(n) or True,
        )
        await controller.load()
        view.select_task(tasks["good"].id)
        reviews: list[str] = []
        view.review_requested.connect(reviews.append)
        view.pick.click()
        await until(lambda: "is the winner" in view.message.text(), what="picked")
        assert asked == [2] and reviews == [tasks["good"].id]  # Pick & review opens its review
        assert "Discarded the other 2 attempts" in view.message.text(), view.message.text()
        header = view.table.horizontalHeaderItem(0).text()
        assert header.startswith("★") and tasks["good"].short_id in header
        assert orchard.task(tasks["two"].id).state is TaskState.DISCARDED
        assert view.cell(tasks["two"].id, "state").text() == "discarded"
        controller.close()

    run_group(loop, tmp_path, body)


def test_closing_the_window_mid_run_leaves_the_deleted_view_alone(
    loop: Any, qtbot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        controller = open_compare(ops_of(orchard), tasks["two"].id)
        view = controller.view
        await until(lambda: view.board is not None, what="loaded")
        view.run_tests.click()
        await until(lambda: not view.run_tests.isEnabled(), what="run started")
        view.close()
        await until(lambda: not shiboken6.isValid(view), what="the view deleted")
        await until(lambda: not controller._jobs, what="the jobs ended")
        await asyncio.sleep(0.1)
        assert not controller.alive()

    with caplog.at_level(logging.ERROR):
        run_group(loop, tmp_path, body)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_attempts_code_versions_a_pair_and_hunks_of_one_file(
    loop: Any, qtbot: Any, tmp_path: Path
) -> None:
    from app.qt.land.attemptcode import AGAINST, PICK, TAKE_ROLE

    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        view = CompareView()
        qtbot.addWidget(view)
        controller = CompareController(ops_of(orchard), view, tasks["two"].id)
        await controller.load()
        code = view.code
        files = [code.files.topLevelItem(i) for i in range(code.files.topLevelItemCount())]
        assert [f.text(0) for f in files if f] == ["README.md", "a.txt", "b.txt", "good.txt"]
        assert code.files.headerItem().text(1) == "#1"
        numbers = {a.task_id: a.number for a in controller.changes.attempts}  # type: ignore[union-attr]
        readme = files[0]
        assert readme is not None
        assert readme.text(numbers[tasks["readme"].id]) == "+1 −0"
        assert readme.text(numbers[tasks["two"].id]) == "—"

        # versions side by side, the first file chosen at once
        pane = code.panes[tasks["readme"].id]
        await until(lambda: pane.toPlainText() == "hello\nmore\n", what="versions shown")
        assert code.panes["base"].toPlainText() == "hello\n"
        assert code.panes[tasks["two"].id].toPlainText() == "hello\n"
        code.select_path("b.txt")
        await until(
            lambda: code.panes[tasks["two"].id].toPlainText() == "b\nc\n", what="b.txt shown"
        )
        assert code.panes["base"].toPlainText() == ""
        assert "no such file" in code.panes["base"].placeholderText()

        # one attempt against another
        code.select_path("README.md")
        code.left.setCurrentIndex(code.left.findData(tasks["two"].id))
        code.right.setCurrentIndex(code.right.findData(tasks["readme"].id))
        code.mode.setCurrentIndex(AGAINST)
        await until(
            lambda: (shown := code.diff.diff()) is not None and shown.entry.path == "README.md",
            what="pair shown",
        )
        added = [r.new_text for r in code.diff.diff().rows if r.kind == "add"]  # type: ignore[union-attr]
        assert added == ["more"]

        # each attempt's hunks, ticked into takes
        code.mode.setCurrentIndex(PICK)
        await until(lambda: code.hunks.topLevelItemCount() == 3, what="hunks listed")
        parent = next(
            code.hunks.topLevelItem(i)
            for i in range(3)
            if code.hunks.topLevelItem(i).text(0).startswith(f"#{numbers[tasks['readme'].id]}")  # type: ignore[union-attr]
        )
        assert parent is not None and parent.childCount() == 1
        hunk = parent.child(0)
        assert hunk.data(0, TAKE_ROLE) == (tasks["readme"].id, "README.md", 1)
        assert "+ more" in hunk.child(0).text(0)
        hunk.setCheckState(0, Qt.CheckState.Checked)
        assert code.combine.isEnabled() and code.combine.text() == "Combine 1 hunk…"
        assert code.ordered_takes() == [(tasks["readme"].id, "README.md", 1)]

        # and a hunk of another attempt's file: combined into a new task, its review asked
        code.select_path("b.txt")
        await until(lambda: code.hunks.topLevelItemCount() == 3, what="b.txt's hunks")
        await until(lambda: _ticks(code.hunks) == [(tasks["two"].id, "b.txt", 1)], what="b hunk")
        hunk_of_b = _items(code.hunks)[(tasks["two"].id, "b.txt", 1)]
        hunk_of_b.setCheckState(0, Qt.CheckState.Checked)
        asked: list[str] = []
        view.review_requested.connect(asked.append)
        code.combine.click()
        await until(lambda: bool(asked), what="the combined task's review asked")
        made = orchard.task(asked[0])
        assert made.group == tasks["two"].group and made.id not in {t.id for t in tasks.values()}
        wt = Path(made.worktree)
        assert (wt / "README.md").read_text() == "hello\nmore\n"
        assert (wt / "b.txt").read_text() == "b\nc\n" and not (wt / "a.txt").exists()
        assert not code.takes and "Its review is open" in code.message.text()
        controller.close()

    run_group(loop, tmp_path, body)


def _items(tree: Any) -> dict[Any, Any]:
    """Return a hunk tree's take items by their take."""
    from app.qt.land.attemptcode import TAKE_ROLE

    found = {}
    for i in range(tree.topLevelItemCount()):
        parent = tree.topLevelItem(i)
        for j in range(parent.childCount()):
            item = parent.child(j)
            found[item.data(0, TAKE_ROLE)] = item
    return found


def _ticks(tree: Any) -> list[Any]:
    """Return the takes a hunk tree lists."""
    return list(_items(tree))
