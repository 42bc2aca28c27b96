"""The search-all-logs dialog: debounced requests, latest results win, a row jumps to its event."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.qt.log.searchdialog import DEBOUNCE_MS, LogSearchDialog
from app.services.store.search import SearchHit

HITS = [
    SearchHit("task-aaaa-1111", 7, "message", "the needle is here", 7),
    SearchHit("task-aaaa-1111", 9, "command", "grep needle", 9),
    SearchHit("task-bbbb-2222", 3, "error", "needle broke", 3),
]
TITLES = {"task-aaaa-1111": "Fix the parser"}


@pytest.fixture
def dialog(qtbot: Any) -> LogSearchDialog:
    widget = LogSearchDialog()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def table(dialog: LogSearchDialog) -> list[tuple[str, ...]]:
    model = dialog.model
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def test_typing_requests_one_search_after_the_pause(qtbot: Any, dialog: LogSearchDialog) -> None:
    requests: list[str] = []
    dialog.search_requested.connect(requests.append)
    qtbot.keyClicks(dialog.query, "nee")
    assert requests == []
    qtbot.keyClicks(dialog.query, "dle")
    qtbot.waitUntil(lambda: requests == ["needle"], timeout=DEBOUNCE_MS * 8)
    assert dialog.status_label.text() == "searching…"
    qtbot.wait(DEBOUNCE_MS * 2)
    assert requests == ["needle"]


def test_enter_searches_at_once(qtbot: Any, dialog: LogSearchDialog) -> None:
    dialog.query.setText("needle")
    with qtbot.waitSignal(dialog.search_requested, timeout=DEBOUNCE_MS // 2) as blocker:
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert blocker.args == ["needle"]


def test_show_results_fills_the_table_and_status(dialog: LogSearchDialog) -> None:
    dialog.query.setText("needle")
    dialog.show_results("needle", HITS, TITLES)
    assert table(dialog) == [
        ("Fix the parser", "message", "the needle is here"),
        ("Fix the parser", "command", "grep needle"),
        ("task-bbb", "error", "needle broke"),  # no title: the short id
    ]
    assert dialog.status_label.text() == "3 hits in 2 tasks"
    dialog.show_results("needle", HITS[:1], TITLES, more=True)
    assert dialog.status_label.text() == "1+ hit in 1 task"


def test_stale_results_are_dropped(qtbot: Any, dialog: LogSearchDialog) -> None:
    qtbot.keyClicks(dialog.query, "needle")
    dialog.show_results("need", HITS, TITLES)  # the answer to a query typed earlier
    assert table(dialog) == []
    dialog.show_results("needle", HITS[2:], TITLES)
    assert len(table(dialog)) == 1


def test_clearing_the_query_clears_the_results(dialog: LogSearchDialog) -> None:
    dialog.query.setText("needle")
    dialog.show_results("needle", HITS, TITLES)
    dialog.query.clear()
    assert table(dialog) == []
    assert dialog.status_label.text() == ""


def test_clicking_a_row_emits_its_task_and_seq(qtbot: Any, dialog: LogSearchDialog) -> None:
    dialog.query.setText("needle")
    dialog.show_results("needle", HITS, TITLES)
    rect = dialog.table.visualRect(dialog.model.index(2, 2))
    with qtbot.waitSignal(dialog.hit_activated, timeout=1000) as blocker:
        qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["task-bbbb-2222", 3]


def test_enter_on_a_row_emits_its_task_and_seq(qtbot: Any, dialog: LogSearchDialog) -> None:
    dialog.query.setText("needle")
    dialog.show_results("needle", HITS, TITLES)
    qtbot.keyClick(dialog.query, Qt.Key.Key_Down)  # from the query into the results
    assert dialog.table.hasFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    with qtbot.waitSignal(dialog.hit_activated, timeout=1000) as blocker:
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert blocker.args == ["task-aaaa-1111", 9]


def test_escape_closes_the_dialog(qtbot: Any, dialog: LogSearchDialog) -> None:
    assert not dialog.isModal()
    qtbot.keyClick(dialog.query, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
