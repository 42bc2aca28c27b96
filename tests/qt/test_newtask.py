"""The new-task dialog: recent prompts a keystroke away, an empty prompt refused."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.qt.board.newtask import NewTaskDialog


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
    QTest.keyClick(dialog.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and dialog.result() == 0
    dialog.prompt.setPlainText("do it")
    dialog.attempts.setValue(3)
    QTest.keyClick(dialog.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == NewTaskDialog.DialogCode.Accepted
    request = dialog.request()
    assert (request.agent, request.prompt, request.attempts) == ("shell", "do it", 3)
