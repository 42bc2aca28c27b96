"""Confirmations name what they do, and Enter keeps things as they are."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.qt.confirm import ask


def _answer(press: str, seen: list[Any]) -> None:
    def answer() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox))
        seen.append(([b.text() for b in box.buttons()], box.defaultButton().text(), box.text()))
        next(b for b in box.buttons() if b.text() == press).click()

    QTimer.singleShot(0, answer)


def test_the_buttons_are_a_verb_and_a_keep_and_keep_is_the_default(qtbot: Any) -> None:
    seen: list[Any] = []
    _answer("Keep them", seen)
    assert not ask(
        None, "Discard", "Discard 2 tasks?", "Archived first.", "Discard 2 tasks", "Keep them"
    )
    [(buttons, default, text)] = seen
    assert sorted(buttons) == ["Discard 2 tasks", "Keep them"] and default == "Keep them"
    assert text == "Discard 2 tasks?"
    _answer("Discard 2 tasks", seen)
    assert ask(None, "Discard", "Discard 2 tasks?", "", "Discard 2 tasks", "Keep them")
