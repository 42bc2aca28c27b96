"""The search-all-logs panel: grouped by task, matches marked, Enter jumps, stale ones dropped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QTextEdit

from app.core.events import SearchHit
from app.qt.log.searchpanel import DEBOUNCE_MS, HTML_ROLE, LogSearchPanel, highlighted

HITS = [
    SearchHit("task-aaaa-1111", 7, "message", "the needle is here", 7),
    SearchHit("task-aaaa-1111", 9, "command", "grep Needle <x>", 9),
    SearchHit("task-bbbb-2222", 3, "error", "needle broke", 3),
]
TASKS = {"task-aaaa-1111": ("Fix the parser", "Ready for review")}


@pytest.fixture
def panel(qtbot: Any) -> Iterator[LogSearchPanel]:
    window = QMainWindow()
    window.setCentralWidget(QTextEdit())  # stands for the log
    qtbot.addWidget(window)
    panel = LogSearchPanel(window)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, panel)
    window.show()
    qtbot.waitExposed(window)
    panel.open()
    yield panel  # the window lives as long as the test
    window.close()


def test_typing_requests_one_search_after_the_pause(qtbot: Any, panel: LogSearchPanel) -> None:
    requests: list[str] = []
    panel.search_requested.connect(requests.append)
    qtbot.keyClicks(panel.query, "nee")
    qtbot.keyClicks(panel.query, "dle")
    qtbot.waitUntil(lambda: requests == ["needle"], timeout=DEBOUNCE_MS * 8)
    assert panel.status_label.text() == "searching…"
    qtbot.wait(DEBOUNCE_MS * 2)
    assert requests == ["needle"]


def test_hits_are_grouped_by_task_with_its_state(panel: LogSearchPanel) -> None:
    panel.query.setText("needle")
    panel.show_results("needle", HITS, TASKS)
    assert panel.results() == [
        ("Fix the parser — Ready for review  (2)", ["the needle is here", "grep Needle <x>"]),
        ("task-bbb  (1)", ["needle broke"]),  # a task the window does not know: its short id
    ]
    assert panel.status_label.text() == "3 hits in 2 tasks"
    snippet = panel.model.item(0).child(1).data(HTML_ROLE)
    assert snippet == highlighted("grep Needle <x>", "needle", panel._mark_colour())
    assert '<b style="background-color:#' in snippet and ">Needle</b> &lt;x&gt;" in snippet


def test_stale_results_are_dropped_and_clearing_empties(qtbot: Any, panel: LogSearchPanel) -> None:
    qtbot.keyClicks(panel.query, "needle")
    panel.show_results("need", HITS, TASKS)  # the answer to a query typed earlier
    assert panel.results() == []
    panel.show_results("needle", HITS[2:], TASKS, more=True)
    assert panel.status_label.text() == "1+ hit in 1 task"
    panel.query.clear()
    assert panel.results() == [] and panel.status_label.text() == ""


def test_enter_jumps_to_the_hit_and_the_panel_stays(qtbot: Any, panel: LogSearchPanel) -> None:
    panel.query.setText("needle")
    panel.show_results("needle", HITS, TASKS)
    qtbot.keyClick(panel.query, Qt.Key.Key_Down)  # from the query into the results
    assert panel.tree.hasFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_Down)
    with qtbot.waitSignal(panel.hit_activated, timeout=1000) as blocker:
        qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert blocker.args == ["task-aaaa-1111", 9]
    assert panel.isVisible() and not panel.isFloating()


def test_double_click_on_a_hit_jumps(qtbot: Any, panel: LogSearchPanel) -> None:
    panel.query.setText("needle")
    panel.show_results("needle", HITS, TASKS)
    index = panel.model.index(0, 0, panel.model.index(0, 0))
    where = panel.tree.visualRect(index).center()
    viewport = panel.tree.viewport()
    qtbot.mouseClick(
        viewport, Qt.MouseButton.LeftButton, pos=where
    )  # the press a double-click follows
    with qtbot.waitSignal(panel.hit_activated, timeout=1000) as blocker:
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=where)
    assert blocker.args == ["task-aaaa-1111", 7]
