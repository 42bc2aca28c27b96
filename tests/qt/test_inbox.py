"""The Needs-you panel, the board's group and the header's line, on plain lists of asks."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.core.inbox import Answer, Ask, AskKind, Verdict
from app.core.states import TaskState
from app.qt.board import BoardView, TaskHeaderView
from app.qt.board.model import GROUPS, BoardGroup
from app.qt.inbox import InboxView
from app.qt.inbox.controller import describe_burst
from tests.qt.inboxsamples import TITLES, sample_asks
from tests.taskkit import make_task


def _view(qtbot: QtBot, asks: list[Ask]) -> tuple[InboxView, list[tuple[list[str], Answer]]]:
    view = InboxView()
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)  # the keys go where the focus is, as in the window
    view.set_asks(asks, TITLES)
    answers: list[tuple[list[str], Answer]] = []
    view.answer_requested.connect(lambda ids, answer: answers.append((ids, answer)))
    return view, answers


def _shown_ids(view: InboxView) -> list[str]:
    return [a.id for a in view.model.asks()]


def test_the_panel_lists_asks_oldest_first_and_keeps_the_selection(qtbot: QtBot) -> None:
    now = time.time()
    asks = sample_asks(now)
    view, _ = _view(qtbot, list(reversed(asks)))
    assert _shown_ids(view) == ["t1-1", "t2-1", "t3-1", "t4-1", "t1-2"]
    first = view.model.index(0)
    assert first.data() == "Fix the flaky login test: claude wants to run " + asks[0].subject
    assert view.model.index(3).data().startswith("Dangerous: Clean up the experiment branch")
    assert view.model.index(0).data(Qt.ItemDataRole.UserRole + 3) == "5m 12s"
    assert view.select_ask("t3-1")
    later = Ask("t5-1", "t5", "codex", asks[0].kind, command="make lint", asked_at=now - 1)
    view.set_asks([*asks[1:], later], TITLES)  # the oldest was answered elsewhere; one more came
    assert _shown_ids(view) == ["t2-1", "t3-1", "t4-1", "t1-2", "t5-1"]
    assert [a.id for a in view.selected()] == ["t3-1"]
    assert view.stack.currentIndex() == 1
    view.set_asks([], TITLES)
    assert view.stack.currentIndex() == 0  # nothing waits: the empty hint
    view.grab()


def test_one_key_answers_the_selected_ask(qtbot: QtBot) -> None:
    view, answers = _view(qtbot, sample_asks(time.time()))
    view.list.setFocus()
    view.select_ask("t2-1")
    QTest.keyClick(view.list, Qt.Key.Key_A)
    QTest.keyClick(view.list, Qt.Key.Key_T)
    QTest.keyClick(view.list, Qt.Key.Key_P)
    assert answers == [
        (["t2-1"], Answer(Verdict.ALLOW)),
        (["t2-1"], Answer(Verdict.ALLOW_TASK)),
        (["t2-1"], Answer(Verdict.ALLOW_PROJECT)),
    ]
    answers.clear()
    QTest.keyClick(view.list, Qt.Key.Key_D)  # deny asks for the message first
    assert answers == [] and view.field.isVisible() and view.field.hasFocus()
    QTest.keyClicks(view.field, "use the test script instead")
    QTest.keyClick(view.field, Qt.Key.Key_Return)
    assert answers == [(["t2-1"], Answer(Verdict.DENY, "use the test script instead"))]
    assert not view.field.isVisible() and view.list.hasFocus()


def test_dangerous_asks_are_never_always_allowed(qtbot: QtBot) -> None:
    view, answers = _view(qtbot, sample_asks(time.time()))
    view.list.setFocus()
    view.select_ask("t4-1")
    assert not view.buttons[Verdict.ALLOW_PROJECT].isEnabled()
    assert "Dangerous" in view.heading.text()
    QTest.keyClick(view.list, Qt.Key.Key_P)
    assert answers == []
    QTest.keyClick(view.list, Qt.Key.Key_A)
    assert answers == [(["t4-1"], Answer(Verdict.ALLOW))]


def test_a_question_is_answered_by_its_option_or_a_typed_reply(qtbot: QtBot) -> None:
    view, answers = _view(qtbot, sample_asks(time.time()))
    view.list.setFocus()
    view.select_ask("t1-2")
    assert view.options.isVisible()
    assert not view.buttons[Verdict.ALLOW].isVisible()
    QTest.keyClick(view.list, Qt.Key.Key_A)  # allowing fits no question
    QTest.keyClick(view.list, Qt.Key.Key_2)
    QTest.keyClick(view.list, Qt.Key.Key_R)
    QTest.keyClicks(view.field, "PostgreSQL, and keep SQLite for the tests")
    QTest.keyClick(view.field, Qt.Key.Key_Return)
    assert answers == [
        (["t1-2"], Answer(Verdict.REPLY, "SQLite")),
        (["t1-2"], Answer(Verdict.REPLY, "PostgreSQL, and keep SQLite for the tests")),
    ]


def test_a_glob_selects_the_matching_commands_and_one_key_answers_them_all(qtbot: QtBot) -> None:
    now = time.time()
    asks = sample_asks(now)
    view, answers = _view(qtbot, asks)
    view.list.setFocus()
    QTest.keyClick(view.list, Qt.Key.Key_M)
    assert view.match_edit.hasFocus()
    QTest.keyClicks(view.match_edit, "npm test*")
    # `bash -lc 'npm test …'` matches too: the glob sees the command as typed
    assert [a.id for a in view.selected()] == ["t1-1", "t2-1"]
    assert view.count_label.text() == "2 matches"
    QTest.keyClick(view.match_edit, Qt.Key.Key_Return)
    assert view.list.hasFocus()
    QTest.keyClick(view.list, Qt.Key.Key_A)
    assert answers == [(["t1-1", "t2-1"], Answer(Verdict.ALLOW))]
    view.set_asks([*asks, replace(asks[1], id="t6-1", task_id="t6", asked_at=now)], TITLES)
    assert [a.id for a in view.selected()] == ["t1-1", "t2-1", "t6-1"]  # the match holds


def test_shift_selects_several_and_one_answer_goes_to_those_it_fits(qtbot: QtBot) -> None:
    view, answers = _view(qtbot, sample_asks(time.time()))
    view.list.setFocus()
    view.select_ask("t2-1")
    QTest.keyClick(view.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(view.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(view.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert [a.id for a in view.selected()] == ["t2-1", "t3-1", "t4-1", "t1-2"]
    assert view.heading.text().startswith("<b>4 requests selected</b>")
    QTest.keyClick(view.list, Qt.Key.Key_T)
    assert answers == [(["t2-1", "t3-1", "t4-1"], Answer(Verdict.ALLOW_TASK))]


def test_the_board_puts_tasks_that_wait_on_you_in_needs_you_with_a_count(qtbot: QtBot) -> None:
    board = BoardView()
    qtbot.addWidget(board)
    board.set_tasks(
        [make_task(state=TaskState.RUNNING, id=f"t{n}", title=f"T{n}") for n in range(4)]
    )
    model = board.board_model
    needs = model.index(BoardGroup.NEEDS_YOU, 0)
    assert model.rowCount(needs) == 0
    board.set_asking({"t1", "t3", "gone"})
    assert model.rowCount(needs) == 2
    assert needs.data() == f"{GROUPS[BoardGroup.NEEDS_YOU][0]} (2)"
    assert needs.data(Qt.ItemDataRole.ForegroundRole) is not None  # the badge stands out
    assert model.rowCount(model.index(BoardGroup.RUNNING, 0)) == 2
    board.set_asking({"t3"})
    assert model.rowCount(needs) == 1
    assert needs.data(Qt.ItemDataRole.DisplayRole).endswith("(1)")
    board.update_tasks([make_task(state=TaskState.SUCCEEDED, id="t3", title="T3")])
    assert model.rowCount(needs) == 0  # a task that ended waits on nobody
    board.set_asking(set())
    assert needs.data(Qt.ItemDataRole.ForegroundRole) is None


def test_the_header_shows_the_pending_request_and_keeps_its_height(qtbot: QtBot) -> None:
    header = TaskHeaderView()
    qtbot.addWidget(header)
    header.resize(700, header.sizeHint().height())
    header.show()
    header.show_task(make_task(state=TaskState.RUNNING, id="t1"))
    height = header.sizeHint().height()
    ask = sample_asks(time.time())[0]
    header.show_pending(ask, 1, "5m 12s")
    assert header.pending_button.isVisible()
    assert header.pending_text() == (
        f"Waits on you: wants to run {ask.subject} (and 1 more) · waiting 5m 12s"
    )
    assert header.sizeHint().height() == height
    clicked: list[Any] = []
    header.pending_clicked.connect(clicked.append)
    header.pending_button.click()
    assert clicked == ["t1-1"]
    header.show_pending(None)
    assert not header.pending_button.isVisible() and header.pending_text() == ""


def test_a_burst_is_told_in_one_notification() -> None:
    asks = sample_asks(time.time())
    assert describe_burst(asks[:1], TITLES) == (
        "An agent needs you",
        f"Fix the flaky login test: {asks[0].subject}",
    )
    summary, body = describe_burst(asks, TITLES)
    assert summary == "4 agents need you"
    assert body.splitlines()[3] == "Clean up the experiment branch: git reset --hard HEAD~3"


def test_a_budget_ask_is_raised_or_stopped_and_nothing_else(qtbot: QtBot) -> None:
    now = time.time()
    budget = Ask(
        "t7-1", "t7", "claude", AskKind.BUDGET, "/w/t7", question="$2.00 of $2.00 spent",
        asked_at=now - 30,
    )  # fmt: skip
    view, answers = _view(qtbot, [budget])
    view.list.setFocus()
    view.select_ask("t7-1")
    shown = {v for v, b in view.buttons.items() if b.isVisibleTo(view)}
    assert shown == {Verdict.RAISE, Verdict.STOP}
    assert view.model.index(0).data() == (
        "t7: claude reached its budget: $2.00 of $2.00 spent"
    )  # a task the board does not know is named by its id
    QTest.keyClick(view.list, Qt.Key.Key_A)  # allowing fits no budget
    QTest.keyClick(view.list, Qt.Key.Key_Plus)
    QTest.keyClick(view.list, Qt.Key.Key_S)
    assert answers == [(["t7-1"], Answer(Verdict.RAISE)), (["t7-1"], Answer(Verdict.STOP))]
