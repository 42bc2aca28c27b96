"""The new-task dialog: recent prompts a keystroke away, an empty prompt refused in sight,
the parallel limit kept by default, refusals shown inside it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.qt.board.newtask import NewTaskDialog, NewTaskRequest


def test_recent_prompts_cycle_with_ctrl_up_down(qtbot: Any) -> None:
    dialog = NewTaskDialog(["repo"], ["codex", "shell"], ["newest prompt", "older prompt"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    QTest.keyClick(dialog.prompt, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert dialog.prompt.toPlainText() == "newest prompt"
    QTest.keyClick(dialog.prompt, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert dialog.prompt.toPlainText() == "older prompt"
    QTest.keyClick(dialog.prompt, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert dialog.prompt.toPlainText() == "newest prompt"
    dialog.close()


def test_empty_prompt_is_refused_and_ctrl_enter_launches(qtbot: Any) -> None:
    dialog = NewTaskDialog(["repo"], ["codex", "shell"], [], agent="shell")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    asked: list[NewTaskRequest] = []
    dialog.launch_requested.connect(asked.append)
    QTest.keyClick(dialog.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and dialog.result() == 0 and asked == []
    dialog.prompt.setPlainText("do it")
    dialog.attempts.setValue(3)
    QTest.keyClick(dialog.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    [request] = asked
    assert (request.agent, request.prompt, request.attempts) == ("shell", "do it", 3)
    assert not request.anyway
    assert dialog.isVisible()  # until whoever queues the tasks accepts it


def test_an_empty_prompt_and_launch_says_why_inside_the_dialog(qtbot: Any) -> None:
    dialog = NewTaskDialog(["repo"], ["codex", "shell"], [])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    QTest.keyClick(dialog.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.error.isVisible() and "prompt is empty" in dialog.error.text()


def test_launch_is_disabled_while_the_prompt_is_empty(qtbot: Any) -> None:
    dialog = NewTaskDialog(["repo"], ["codex", "shell"], [])
    qtbot.addWidget(dialog)
    assert not dialog.launch.isEnabled()
    dialog.prompt.setPlainText("   \n ")
    assert not dialog.launch.isEnabled()
    dialog.prompt.setPlainText("do it")
    assert dialog.launch.isEnabled()


def test_start_now_past_the_parallel_limit_is_off_by_default(qtbot: Any) -> None:
    dialog = NewTaskDialog(["repo"], ["codex", "shell"], [])
    qtbot.addWidget(dialog)
    assert not dialog.start_now.isChecked()
    assert not dialog.request().start_now


def test_a_refusal_shows_inline_and_queue_anyway_asks_again(qtbot: Any) -> None:
    dialog = NewTaskDialog(["repo"], ["codex", "shell"], [], agent="codex")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    asked: list[NewTaskRequest] = []
    dialog.launch_requested.connect(asked.append)
    dialog.prompt.setPlainText("do it")
    dialog.launch.click()
    assert not dialog.launch.isEnabled()  # one launch at a time
    dialog.show_refusal("`codex` is not installed; npm install -g @openai/codex", can_force=True)
    assert dialog.error.isVisible() and "npm install" in dialog.error.text()
    assert dialog.queue_anyway.isVisible() and dialog.launch.isEnabled()
    dialog.queue_anyway.click()
    assert [r.anyway for r in asked] == [False, True]
    assert not dialog.error.isVisible()
    dialog.show_refusal("the prompt (393 KB) is too long", can_force=False)
    assert not dialog.queue_anyway.isVisible()


def test_the_budget_boxes_give_the_tasks_own_caps(qtbot: Any) -> None:
    from app.core.budget import Caps
    from app.qt.board.newtask import NewTaskDialog

    dialog = NewTaskDialog(["shop"], ["codex"], [])
    qtbot.addWidget(dialog)
    dialog.prompt.setPlainText("add coupons")
    assert dialog.request().caps == Caps()  # unset: the project's defaults
    assert dialog.budget_usd.text() == "cost: default"
    dialog.budget_usd.setValue(2.5)
    dialog.budget_minutes.setValue(30)
    dialog.budget_tokens.setValue(200)
    assert dialog.request().caps == Caps(tokens=200_000, usd=2.5, minutes=30)
