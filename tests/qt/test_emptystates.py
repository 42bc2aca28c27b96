"""Empty views say what to do next: the board, its filter, the log and the triage tab."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.core.states import TaskState
from app.qt.board import BoardView, EmptyStateView
from app.qt.log import LogView
from app.qt.triage.view import NO_MATCH_HINT, NO_PROJECT_HINT, NO_REPORTS_HINT, TriageView
from tests.qt.test_board import make_task
from tests.qt.test_triage_model import report


def test_the_empty_board_says_add_a_repository_then_start_a_task(qtbot: QtBot) -> None:
    empty = EmptyStateView()
    qtbot.addWidget(empty)
    assert "No project" in empty.title.text() and "Add a git repository" in empty.text.text()
    assert empty.add.isVisibleTo(empty) and empty.demo.isVisibleTo(empty)
    assert not empty.new_task.isVisibleTo(empty)
    empty.show_projects(1)
    assert "No tasks" in empty.title.text() and "Ctrl+N" in empty.text.text()
    assert empty.new_task.isVisibleTo(empty) and not empty.demo.isVisibleTo(empty)
    with qtbot.waitSignal(empty.new_task_clicked):
        empty.new_task.click()


def test_a_filter_that_matches_nothing_says_how_to_clear_it(qtbot: QtBot) -> None:
    view = BoardView()
    qtbot.addWidget(view)
    view.tick_timer.stop()
    view.set_filter_text("zebra")
    assert not view.empty_hint.isVisibleTo(view)  # no task at all: the placeholder speaks
    view.set_tasks([make_task(1, TaskState.RUNNING, title="fix login")])
    assert view.empty_hint.isVisibleTo(view)
    assert "zebra" in view.empty_hint.text() and "Esc" in view.empty_hint.text()
    view.filter_edit.setText("login")
    assert not view.empty_hint.isVisibleTo(view)
    view.board_model.update_task(make_task(1, TaskState.RUNNING, title="fix logout"))
    view.filter_edit.setText("logout please")
    assert view.empty_hint.isVisibleTo(view)


def test_the_log_without_a_task_says_to_select_one(qtbot: QtBot) -> None:
    log = LogView()
    qtbot.addWidget(log)
    assert log.empty_hint.isVisibleTo(log) and "Select a task" in log.empty_hint.text()
    log.show_task("task00001", [])
    assert not log.empty_hint.isVisibleTo(log)
    log.clear()
    assert log.empty_hint.isVisibleTo(log)


def test_the_triage_tab_says_how_to_get_reports(qtbot: QtBot) -> None:
    view = TriageView()
    qtbot.addWidget(view)
    assert view.empty_hint.isVisibleTo(view) and view.empty_hint.text() == NO_PROJECT_HINT
    view.set_projects(["demo"], "demo")
    assert view.empty_hint.text() == NO_REPORTS_HINT
    view.model.set_reports([report(1, title="Crash on save")])
    assert not view.empty_hint.isVisibleTo(view)
    view.filter.setText("nothing like it")
    assert view.empty_hint.isVisibleTo(view) and view.empty_hint.text() == NO_MATCH_HINT
