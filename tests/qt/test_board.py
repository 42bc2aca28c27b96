"""The task board: groups, live updates, filtering, sorting, keys, selection and bulk actions."""

from __future__ import annotations

import dataclasses
import gc
import time
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.core.states import TaskState
from app.core.task import Task
from app.qt.board.model import (
    ATTEMPTS_ROLE,
    CELL_ROLES,
    TASK_ID_ROLE,
    BoardColumn,
    BoardFilterModel,
    BoardGroup,
    BoardModel,
    changes_text,
    usage_text,
)
from app.qt.board.view import BoardView

S = TaskState
NOW = 10_000.0


def make_task(n: int, state: TaskState = S.RUNNING, **fields: Any) -> Task:
    """Return a task numbered `n`, created at second n."""
    base: dict[str, Any] = {
        "id": f"task{n:05d}",
        "project": "demo",
        "title": f"Task {n}",
        "prompt": f"prompt {n}",
        "agent": "claude",
        "state": state,
        "branch": f"orchard/task{n:05d}",
        "worktree": "",
        "base_ref": "main",
        "base_commit": "abc",
        "created_at": float(n),
        "started_at": NOW - 60 if state in (S.RUNNING, S.NEEDS_INPUT) else None,
    }
    base.update(fields)
    return Task(**base)


def shown(proxy: BoardFilterModel) -> dict[str, list[str]]:
    """Return the visible board as {group header: [task titles]} in view order."""
    board: dict[str, list[str]] = {}
    for row in range(proxy.rowCount()):
        group = proxy.index(row, 0)
        board[group.data()] = [
            proxy.index(child, 0, group).data() for child in range(proxy.rowCount(group))
        ]
    return board


@pytest.fixture
def view(qtbot: QtBot) -> BoardView:
    board = BoardView(BoardModel(clock=lambda: NOW))
    qtbot.addWidget(board)
    board.tick_timer.stop()
    return board


def test_tasks_land_in_their_groups_newest_first(view: BoardView) -> None:
    view.board_model.set_tasks(
        [
            make_task(1, S.QUEUED),
            make_task(2, S.RUNNING),
            make_task(3, S.NEEDS_INPUT),
            make_task(4, S.SUCCEEDED),
            make_task(5, S.FAILED),
            make_task(6, S.PREPARING),
            make_task(7, S.STOPPED),
            make_task(8, S.INTERRUPTED),
        ]
    )
    assert shown(view.filter_model) == {
        "Needs you (1)": ["Task 3"],
        "Running (2)": ["Task 6", "Task 2"],
        "Queued (1)": ["Task 1"],
        "Ready for review (1)": ["Task 4"],
        "Failed / Stopped / Interrupted (3)": ["Task 8", "Task 7", "Task 5"],
    }
    model = view.board_model
    assert model.index(BoardGroup.DONE, 0).data() == "Done (0)"
    assert model.task(model.index_of("task00002")) == make_task(2, S.RUNNING)
    assert model.task(QModelIndex()) is None
    assert not model.index_of("nope").isValid()


def test_groups_expand_except_done_and_placeholder_shows_when_empty(view: BoardView) -> None:
    assert view.is_empty()
    view.board_model.update_task(make_task(1, S.QUEUED))
    assert not view.is_empty()
    group = view.filter_model.index(0, 0)
    assert view.tree.isExpanded(group)
    assert view.tree.isFirstColumnSpanned(0, QModelIndex())
    view.board_model.remove_task("task00001")
    assert view.is_empty()
    custom = QLabel("Add a repository")
    view.set_placeholder(custom)
    assert view.placeholder() is custom
    assert view.is_empty()


def test_view_passes_tasks_to_its_model_and_can_force_the_placeholder(view: BoardView) -> None:
    view.set_tasks([make_task(1, S.QUEUED)])
    view.update_tasks([make_task(1, S.RUNNING), make_task(2, S.QUEUED)])
    assert shown(view.filter_model) == {"Running (1)": ["Task 1"], "Queued (1)": ["Task 2"]}
    view.show_placeholder(True)
    assert view.is_empty()
    view.show_placeholder(False)
    assert not view.is_empty()


def test_state_change_moves_task_without_reset(view: BoardView, qtbot: QtBot) -> None:
    model = view.board_model
    model.set_tasks([make_task(1, S.RUNNING), make_task(2, S.RUNNING)])
    resets: list[object] = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignals([model.rowsRemoved, model.rowsInserted], timeout=100):
        model.update_task(make_task(1, S.SUCCEEDED))
    assert shown(view.filter_model) == {
        "Running (1)": ["Task 2"],
        "Ready for review (1)": ["Task 1"],
    }
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), b.column())))
    model.update_task(make_task(2, S.RUNNING, last_event="Editing app.py"))
    assert changed == [(0, BoardColumn.EVENT)]
    assert model.index_of("task00002").siblingAtColumn(BoardColumn.EVENT).data() == "Editing app.py"
    assert not resets


def test_moved_task_stays_selected(view: BoardView, qtbot: QtBot) -> None:
    view.board_model.set_tasks([make_task(1), make_task(2)])
    assert view.select_task("task00001")
    with qtbot.assertNotEmitted(view.selection_changed):
        view.board_model.update_task(make_task(1, S.SUCCEEDED))
    assert view.selected_ids() == ["task00001"]
    assert view.tree.currentIndex().data(TASK_ID_ROLE) == "task00001"


def test_removing_a_selected_task_reports_the_new_selection(view: BoardView) -> None:
    view.board_model.set_tasks([make_task(1), make_task(2)])
    view.select_task("task00001")
    emitted: list[list[str]] = []
    view.selection_changed.connect(emitted.append)
    view.board_model.remove_task("task00001")
    assert emitted[-1] == []
    assert view.selected_ids() == []


def test_filter_narrows_by_title_branch_agent_prompt_and_all_words(view: BoardView) -> None:
    view.board_model.set_tasks(
        [
            make_task(1, S.RUNNING, title="Fix login bug", agent="claude"),
            make_task(2, S.QUEUED, title="Add dark mode", agent="codex", prompt="use the palette"),
            make_task(3, S.FAILED, title="Refactor", branch="orchard/speedy-parser"),
        ]
    )
    view.set_filter_text("LOGIN")
    assert shown(view.filter_model) == {"Running (1)": ["Fix login bug"]}
    view.set_filter_text("codex")
    assert shown(view.filter_model) == {"Queued (1)": ["Add dark mode"]}
    view.set_filter_text("speedy")
    assert shown(view.filter_model) == {"Failed / Stopped / Interrupted (1)": ["Refactor"]}
    view.set_filter_text("palette")
    assert shown(view.filter_model) == {"Queued (1)": ["Add dark mode"]}
    view.set_filter_text("dark codex")
    assert shown(view.filter_model) == {"Queued (1)": ["Add dark mode"]}
    view.set_filter_text("dark claude")
    assert shown(view.filter_model) == {}
    assert view.filter_text() == "dark claude"
    assert view.filter_edit.text() == "dark claude"
    view.set_filter_text("")
    assert len(shown(view.filter_model)) == 3


def test_filtering_out_a_selected_task_reports_the_new_selection(view: BoardView) -> None:
    view.board_model.set_tasks([make_task(1, title="alpha"), make_task(2, title="beta")])
    view.select_task("task00001")
    emitted: list[list[str]] = []
    view.selection_changed.connect(emitted.append)
    view.set_filter_text("beta")
    assert emitted == [[]]


def test_filter_follows_live_updates(view: BoardView) -> None:
    view.board_model.set_tasks([make_task(1, S.RUNNING, title="alpha")])
    view.set_filter_text("beta")
    assert shown(view.filter_model) == {}
    view.board_model.update_task(make_task(2, S.QUEUED, title="beta"))
    assert shown(view.filter_model) == {"Queued (1)": ["beta"]}
    view.board_model.update_task(make_task(2, S.RUNNING, title="beta"))
    assert shown(view.filter_model) == {"Running (1 of 2)": ["beta"]}


@pytest.mark.parametrize(
    ("key", "titles"),
    [
        ("newest", ["b", "c", "a"]),
        ("oldest", ["a", "c", "b"]),
        ("title", ["a", "b", "c"]),
        ("agent", ["b", "a", "c"]),
        ("elapsed", ["c", "a", "b"]),
    ],
)
def test_sort_orders(view: BoardView, key: str, titles: list[str]) -> None:
    view.board_model.set_tasks(
        [
            make_task(1, S.RUNNING, title="a", agent="codex", started_at=NOW - 50),
            make_task(3, S.RUNNING, title="b", agent="aider", started_at=NOW - 10),
            make_task(2, S.RUNNING, title="c", agent="gemini", started_at=NOW - 90),
            make_task(4, S.QUEUED, title="q"),
        ]
    )
    view.set_sort_key(key)
    assert view.sort_key() == key
    assert shown(view.filter_model) == {"Running (3)": titles, "Queued (1)": ["q"]}


def test_j_k_and_arrows_skip_group_headers(view: BoardView, qtbot: QtBot) -> None:
    view.board_model.set_tasks([make_task(1, S.RUNNING), make_task(2, S.QUEUED)])
    view.tree.setFocus()
    ids: list[str] = []
    for key in (Qt.Key.Key_J, Qt.Key.Key_J, Qt.Key.Key_J, Qt.Key.Key_K, Qt.Key.Key_Up):
        qtbot.keyClick(view.tree, key)
        ids.append(view.tree.currentIndex().data(TASK_ID_ROLE))
    assert ids == ["task00001", "task00002", "task00002", "task00001", "task00001"]
    qtbot.keyClick(view.tree, Qt.Key.Key_Down)
    assert view.selected_ids() == ["task00002"]


def test_enter_activates_the_current_task(view: BoardView, qtbot: QtBot) -> None:
    view.board_model.set_tasks([make_task(1)])
    view.select_task("task00001")
    with qtbot.waitSignal(view.task_activated, timeout=100) as blocker:
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert blocker.args == ["task00001"]


def test_slash_focuses_filter_and_escape_clears_it(view: BoardView, qtbot: QtBot) -> None:
    view.board_model.set_tasks([make_task(1)])
    view.set_filter_text("zzz")
    view.show()
    qtbot.waitExposed(view)
    view.tree.setFocus()
    qtbot.keyClick(view.tree, "/")
    assert view.filter_edit.text() == "zzz"
    qtbot.waitUntil(view.filter_edit.hasFocus, timeout=1000)
    qtbot.keyClick(view.filter_edit, Qt.Key.Key_Escape)
    assert view.filter_text() == ""
    assert shown(view.filter_model) == {"Running (1)": ["Task 1"]}


def test_selection_changed_carries_ids(view: BoardView, qtbot: QtBot) -> None:
    view.board_model.set_tasks([make_task(1), make_task(2), make_task(3, S.QUEUED)])
    with qtbot.waitSignal(view.selection_changed, timeout=100) as blocker:
        view.select_task("task00002")
    assert blocker.args == [["task00002"]]
    with qtbot.waitSignal(view.selection_changed, timeout=100) as blocker:
        view.tree.selectAll()
    assert blocker.args == [["task00002", "task00001", "task00003"]]


def test_bulk_actions_emit_the_selected_ids_they_apply_to(view: BoardView, qtbot: QtBot) -> None:
    view.board_model.set_tasks([make_task(1), make_task(2), make_task(3, S.FAILED)])
    view.select_task("task00001")
    assert not view.retry_action.isEnabled()
    view.tree.selectAll()
    with qtbot.waitSignal(view.stop_requested, timeout=100) as blocker:
        qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [["task00002", "task00001"]]
    with qtbot.waitSignal(view.retry_requested, timeout=100) as blocker:
        view.retry_action.trigger()
    assert blocker.args == [["task00003"]]
    with qtbot.waitSignal(view.discard_requested, timeout=100) as blocker:
        view.discard_action.trigger()
    assert blocker.args == [["task00003"]]
    assert [a.text() for a in view.context_menu.actions()] == ["Stop", "Retry", "Discard"]


def test_elapsed_ticks_for_running_rows_only(qtbot: QtBot) -> None:
    clock = [NOW]
    view = BoardView(BoardModel(clock=lambda: clock[0]))
    qtbot.addWidget(view)
    model = view.board_model
    model.set_tasks([make_task(1, S.RUNNING), make_task(2, S.SUCCEEDED, started_at=NOW - 5)])
    cell = model.index_of("task00001", BoardColumn.ELAPSED)
    assert cell.data() == "1:00"
    clock[0] += 65
    ranges: list[tuple[int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: ranges.append((a.parent().row(), a.column(), b.column()))
    )
    with qtbot.waitSignal(model.dataChanged, timeout=3000):
        pass
    assert ranges == [(BoardGroup.RUNNING, BoardColumn.ELAPSED, BoardColumn.ELAPSED)]
    assert cell.data() == "2:05"


def test_progress_repaints_its_cells_only_and_keeps_the_order(
    view: BoardView, qtbot: QtBot
) -> None:
    view.resize(500, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_sort_key("title")
    tasks = [make_task(n, S.RUNNING, title=f"t{n:03d}") for n in range(1, 101)]  # past the fold
    view.board_model.set_tasks(tasks + [make_task(n, S.SUCCEEDED) for n in range(200, 1200)])
    model, proxy, tree = view.board_model, view.filter_model, view.tree
    signals: list[tuple[int, int, int, int, list[int]]] = []
    model.dataChanged.connect(
        lambda a, b, roles: signals.append((a.row(), b.row(), a.column(), b.column(), roles))
    )
    areas: list[tuple[int, int]] = []
    tree.viewport().installEventFilter(watcher := PaintWatcher(areas))
    qtbot.wait(50)
    areas.clear()

    ticks = [dataclasses.replace(t, last_event=f"line {t.title}", tokens_in=5) for t in tasks]
    view.update_tasks(ticks)
    assert signals == [(0, 99, BoardColumn.CHANGES, BoardColumn.EVENT, CELL_ROLES)]
    group = proxy.index(0, 0)
    rows = [proxy.index(r, BoardColumn.EVENT, group).data() for r in range(2)]
    assert rows == ["line t001", "line t002"]
    qtbot.waitUntil(lambda: bool(areas))
    left = tree.header().sectionViewportPosition(BoardColumn.CHANGES)
    assert all(x >= left for x, _ in areas)  # title, agent and elapsed are not repainted

    areas.clear()
    view.update_tasks([dataclasses.replace(ticks[1], title="t002 renamed")])  # same place
    assert shown(proxy)["Running (100)"][:3] == ["t001", "t002 renamed", "t003"]
    qtbot.waitUntil(lambda: bool(areas))
    assert any(x < left for x, _ in areas)  # its new title is painted
    areas.clear()
    view.update_tasks([dataclasses.replace(ticks[5], title="t000 moved")])  # the sort key
    assert shown(proxy)["Running (100)"][:2] == ["t000 moved", "t001"]
    tree.viewport().removeEventFilter(watcher)


class PaintWatcher(QObject):
    """Records the left edge and width of each area a widget paints."""

    def __init__(self, areas: list[tuple[int, int]]) -> None:
        super().__init__()
        self.areas = areas

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(event, QPaintEvent):
            self.areas.append((event.rect().x(), event.rect().width()))
        return False


def test_task_cells_paint_their_text_and_changes_in_colour(view: BoardView, qtbot: QtBot) -> None:
    view.resize(700, 300)
    view.show()
    qtbot.waitExposed(view)
    view.board_model.set_tasks(
        [make_task(1, S.RUNNING, title="WWWWWWWW", insertions=12, deletions=3, files_changed=1)]
    )
    qtbot.wait(50)
    tree = view.tree
    image = tree.viewport().grab().toImage()
    row = tree.visualRect(view.filter_model.index(0, 0, view.filter_model.index(0, 0)))

    def colours(column: int) -> set[tuple[int, int, int]]:
        left = tree.header().sectionViewportPosition(column)
        width = tree.header().sectionSize(column)
        return {
            image.pixelColor(x, y).getRgb()[:3]
            for x in range(left, left + width)
            for y in range(row.top(), row.bottom())
        }

    def dark(c: tuple[int, int, int]) -> bool:
        return sum(c) < 200

    assert any(dark(c) for c in colours(BoardColumn.TITLE))
    changes = colours(BoardColumn.CHANGES)
    assert any(g > r + 60 and g > b + 30 for r, g, b in changes)  # +12 in green
    assert any(r > g + 60 and r > b + 60 for r, g, b in changes)  # -3 in red


def test_cell_texts() -> None:
    task = make_task(
        1, insertions=12, deletions=3, files_changed=2, tokens_in=12_000, tokens_out=300
    )
    assert changes_text(task) == "+12 −3"
    assert usage_text(task) == "12.3k tok"
    assert usage_text(dataclasses.replace(task, cost_usd=0.0421)) == "$0.042"
    assert usage_text(make_task(2)) == ""
    model = BoardModel(clock=lambda: NOW)
    model.set_tasks([make_task(3, S.FAILED, error="boom", last_event="x", started_at=None)])
    row = model.index_of("task00003")
    assert row.siblingAtColumn(BoardColumn.EVENT).data() == "boom"
    assert row.siblingAtColumn(BoardColumn.ELAPSED).data() == "-"


def test_thousands_of_tasks_stay_quick(view: BoardView) -> None:
    states = [S.RUNNING, S.QUEUED, S.SUCCEEDED, S.NEEDS_INPUT]
    tasks = [make_task(n, states[n % 4]) for n in range(2000)]
    start = time.perf_counter()
    view.board_model.set_tasks(tasks)
    view.select_task("task00010")
    for n, task in enumerate(tasks):
        state = S.FAILED if n % 2 else task.state
        view.board_model.update_task(dataclasses.replace(task, state=state, last_event="tick"))
    view.set_filter_text("task 1")
    view.set_sort_key("title")
    # A guard against an accidental quadratic (that takes minutes), not a figure: 1.3-2.4 s
    # here on a quiet machine, more on a busy one; tests/bench/bench_window.py measures it.
    assert time.perf_counter() - start < 15
    assert view.board_model.task_count() == 2000
    assert view.selected_ids() == ["task00010"]


def test_progress_updates_keep_no_old_snapshots_alive(view: BoardView) -> None:
    tasks = [make_task(n) for n in range(20)]
    view.update_tasks(tasks)
    view.set_filter_text("task")  # the filter reads every updated task
    gc.collect()
    alive = sum(type(o) is Task for o in gc.get_objects())
    for tick in range(1, 200):
        view.update_tasks([dataclasses.replace(t, tokens_out=tick) for t in tasks])
    gc.collect()
    assert sum(type(o) is Task for o in gc.get_objects()) <= alive + len(tasks)
    assert len(shown(view.filter_model)["Running (20)"]) == 20


# best-of-N: a prompt's attempts are one row


def attempt(n: int, state: TaskState = S.RUNNING, **fields: Any) -> Task:
    """Return attempt `n` of the three-attempt prompt "Coupons" (group g1), launched at n."""
    return make_task(n, state, title="Coupons", prompt="add coupons", group="g1", **fields)


def tree(proxy: BoardFilterModel) -> dict[str, list[Any]]:
    """Return the visible board as {section: [title, or (group title, [attempt titles])]}."""
    board: dict[str, list[Any]] = {}
    for row in range(proxy.rowCount()):
        section = proxy.index(row, 0)
        rows: list[Any] = []
        for child in range(proxy.rowCount(section)):
            index = proxy.index(child, 0, section)
            attempts = [proxy.index(r, 0, index).data() for r in range(proxy.rowCount(index))]
            rows.append((index.data(), attempts) if attempts else index.data())
        board[section.data()] = rows
    return board


def test_attempts_of_one_prompt_are_one_row_with_each_attempt_under_it(view: BoardView) -> None:
    model = view.board_model
    model.set_tasks(
        [attempt(3, S.QUEUED), attempt(1, S.SUCCEEDED, cost_usd=0.1, finished_at=NOW - 30),
         attempt(2, cost_usd=0.2), make_task(4)]
    )  # fmt: skip
    assert tree(view.filter_model) == {
        "Running (2)": [
            "Task 4",
            (
                "Coupons · 3 attempts · 1 queued · 1 running · 1 ready for review · $0.300",
                ["#1 · Ready for review", "#2 · Running", "#3 · Queued"],
            ),
        ]
    }
    row = model.group_index("g1")
    assert row.siblingAtColumn(BoardColumn.EVENT).data() == ""
    assert model.task(row) is None and row.data(ATTEMPTS_ROLE) == "g1"
    second = model.index_of("task00002")
    assert model.task(second) == attempt(2, cost_usd=0.2) and second.parent() == row
    assert "attempt #2" in second.data(Qt.ItemDataRole.ToolTipRole)
    index = view.filter_model.mapFromSource(row)
    assert view.tree.isExpanded(index)
    assert view.tree.isFirstColumnSpanned(index.row(), index.parent())
    assert view.select_task("task00003")
    assert view.selected_ids() == ["task00003"]


def test_an_attempts_change_shows_live_and_moves_its_group_when_its_section_changes(
    view: BoardView, qtbot: QtBot
) -> None:
    model = view.board_model
    model.set_tasks([attempt(1), attempt(2), attempt(3, S.QUEUED)])
    assert view.select_task("task00002")
    changed: list[tuple[int, int, int]] = []
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), b.row(), a.column())))
    model.update_task(attempt(2, last_event="Editing cart.py"))
    assert model.index_of("task00002", BoardColumn.EVENT).data() == "Editing cart.py"
    group_row = model.group_index("g1").row()
    assert changed == [(1, 1, BoardColumn.CHANGES), (group_row, group_row, 0)]
    with qtbot.assertNotEmitted(view.selection_changed):
        model.update_tasks([attempt(1, S.SUCCEEDED), attempt(2, S.SUCCEEDED)])
    assert tree(view.filter_model) == {
        "Queued (1)": [
            (
                "Coupons · 3 attempts · 1 queued · 2 ready for review",
                ["#1 · Ready for review", "#2 · Ready for review", "#3 · Queued"],
            )
        ]
    }
    assert view.selected_ids() == ["task00002"]
    assert view.tree.currentIndex().data(TASK_ID_ROLE) == "task00002"
    model.update_task(attempt(3, S.FAILED))
    assert list(tree(view.filter_model)) == ["Ready for review (1)"]
    assert view.tree.isExpanded(view.filter_model.mapFromSource(model.group_index("g1")))


def test_a_lone_attempt_is_a_plain_row_and_the_group_forms_and_parts_live(
    view: BoardView,
) -> None:
    model = view.board_model
    model.update_task(attempt(1))
    assert tree(view.filter_model) == {"Running (1)": ["Coupons"]}
    assert not model.group_index("g1").isValid()
    view.select_task("task00001")
    model.update_tasks([attempt(3, S.QUEUED), attempt(2, S.QUEUED)])
    assert tree(view.filter_model) == {
        "Running (1)": [
            (
                "Coupons · 3 attempts · 2 queued · 1 running",
                ["#1 · Running", "#2 · Queued", "#3 · Queued"],
            )
        ]
    }
    assert view.selected_ids() == ["task00001"]
    model.remove_task("task00002")
    assert tree(view.filter_model)["Running (1)"][0][1] == ["#1 · Running", "#2 · Queued"]
    model.remove_task("task00001")
    assert tree(view.filter_model) == {"Queued (1)": ["Coupons"]}
    assert model.task_count() == 1 and model.attempt_groups() == []


def test_activating_a_group_row_asks_for_compare_and_arrows_fold_it(
    view: BoardView, qtbot: QtBot
) -> None:
    view.board_model.set_tasks([attempt(1), attempt(2)])
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_Down)
    current = view.tree.currentIndex()
    assert current.data(ATTEMPTS_ROLE) == "g1" and view.selected_ids() == []
    with qtbot.waitSignal(view.compare_requested, timeout=100) as blocker:
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert blocker.args == ["g1"]
    qtbot.keyClick(view.tree, Qt.Key.Key_Left)
    assert not view.tree.isExpanded(current)
    qtbot.keyClick(view.tree, Qt.Key.Key_Right)
    assert view.tree.isExpanded(current)
    qtbot.keyClick(view.tree, Qt.Key.Key_Down)
    assert view.selected_ids() == ["task00001"]
    with qtbot.waitSignal(view.compare_requested, timeout=100) as blocker:
        view.compare_action.setData("g1")
        view.compare_action.trigger()
    assert blocker.args == ["g1"]
    assert [a.text() for a in view.group_menu.actions()] == ["Compare attempts…"]


def test_the_filter_shows_a_matching_attempt_under_its_group_row(view: BoardView) -> None:
    view.board_model.set_tasks(
        [attempt(1), attempt(2, agent="codex"), make_task(3, title="codex elsewhere")]
    )
    view.set_filter_text("codex coupons")
    assert tree(view.filter_model) == {
        "Running (1 of 2)": [("Coupons · 2 attempts · 2 running", ["#2 · Running"])]
    }
    view.set_filter_text("codex")
    assert len(tree(view.filter_model)["Running (2)"]) == 2
    assert tree(view.filter_model)["Running (2)"][0] == "codex elsewhere"  # newest first
    view.set_sort_key("oldest")  # a group sorts by its first attempt
    assert tree(view.filter_model)["Running (2)"][1] == "codex elsewhere"
    view.set_filter_text("nothing")
    assert tree(view.filter_model) == {}
    view.set_filter_text("")
    group = view.filter_model.mapFromSource(view.board_model.group_index("g1"))
    assert view.tree.isExpanded(group) and view.filter_model.rowCount(group) == 2


def test_thousands_of_tasks_in_groups_stay_quick(view: BoardView) -> None:
    tasks = [make_task(n, S.RUNNING, group=f"g{n // 3}") for n in range(2000)]
    start = time.perf_counter()
    view.board_model.set_tasks(tasks)
    view.select_task("task00010")
    for n, task in enumerate(tasks):
        state = S.SUCCEEDED if n % 2 else task.state
        view.board_model.update_task(dataclasses.replace(task, state=state, last_event="tick"))
    view.set_filter_text("task 1")
    view.set_sort_key("title")
    assert time.perf_counter() - start < 15  # a guard against a quadratic, as above
    assert len(view.board_model.attempt_groups()) == 667
    assert view.selected_ids() == ["task00010"]


def test_the_counts_read_on_a_selected_row_and_on_dark(qtbot: Any) -> None:
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    from app.qt.board.view import _count_colors

    opt = QStyleOptionViewItem()
    opt.palette.setColor(QPalette.ColorRole.Base, QColor("white"))
    plus, minus = _count_colors(opt)
    assert plus.green() > plus.red() and minus.red() > minus.green()
    opt.state |= QStyle.StateFlag.State_Selected  # green on the selection's blue did not read
    opt.palette.setColor(QPalette.ColorRole.HighlightedText, QColor("white"))
    assert _count_colors(opt) == (QColor("white"), QColor("white"))
    opt.state &= ~QStyle.StateFlag.State_Selected
    opt.palette.setColor(QPalette.ColorRole.Base, QColor("#0d1117"))
    dark_plus, _ = _count_colors(opt)
    assert dark_plus.lightness() > plus.lightness()


def test_section_counts_follow_the_filter_live(view: BoardView) -> None:
    view.board_model.set_tasks(
        [
            make_task(1, S.RUNNING, title="fix login"),
            make_task(2, S.RUNNING, title="fix logout"),
            make_task(3, S.RUNNING, title="dark mode"),
            make_task(4, S.QUEUED, title="fix docs"),
        ]
        + [make_task(n, S.RUNNING, title=f"attempt {n}", group="g") for n in (5, 6, 7)]
    )
    assert list(shown(view.filter_model)) == ["Running (4)", "Queued (1)"]
    changed: list[int] = []
    view.filter_model.dataChanged.connect(lambda top, bottom, roles: changed.append(top.row()))
    view.filter_edit.setText("fix")  # as if typed: the headers are told, not only asked
    assert list(shown(view.filter_model)) == ["Running (2 of 4)", "Queued (1)"]
    assert changed
    view.filter_edit.setText("attempt 6")
    board = shown(view.filter_model)
    assert list(board) == ["Running (1 of 4)"]
    # an attempt group's row still speaks of all its attempts
    assert "3 attempts" in board["Running (1 of 4)"][0]
    view.filter_edit.setText("fix")
    view.board_model.update_task(make_task(3, S.RUNNING, title="fix dark mode"))
    assert list(shown(view.filter_model)) == ["Running (3 of 4)", "Queued (1)"]
    view.filter_edit.setText("")
    assert list(shown(view.filter_model)) == ["Running (4)", "Queued (1)"]


def test_a_task_near_its_budget_is_marked_on_its_row(qtbot: Any) -> None:
    import dataclasses

    from app.core.budget import BudgetSettings, Caps, ProjectBudget
    from app.core.states import TaskState
    from app.core.task import Task
    from app.qt.board.model import BoardColumn, BoardModel

    task = Task(
        "a" * 32, "shop", "Add coupons", "add", "codex", TaskState.RUNNING, "orchard/add", "/w",
        "main", "b" * 40, 1.0, started_at=1.0, tokens_in=850, tokens_out=0, budget_tokens=1000,
    )  # fmt: skip
    model = BoardModel(clock=lambda: 2.0)
    model.set_tasks([task])
    cell = model.index_of(task.id, BoardColumn.USAGE)
    assert model.data(cell) == "⚠ 850 tok"
    tip = model.data(cell, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Budget: used 85% of its cap of 1,000 tokens")
    model.set_tasks([dataclasses.replace(task, tokens_in=500)])
    assert model.data(model.index_of(task.id, BoardColumn.USAGE)) == "500 tok"
    model.set_budget(BudgetSettings(ProjectBudget(task=Caps(tokens=600))))
    model.set_tasks([dataclasses.replace(task, tokens_in=500, budget_tokens=None)])
    assert model.data(model.index_of(task.id, BoardColumn.USAGE)) == "⚠ 500 tok"
