"""Confirmations that name what they do: a verb button and a keep button, never Yes and No."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.qt.placement import place


def confirm(
    parent: QWidget | None, title: str, question: str, detail: str, verb: str, keep: str = "Cancel"
) -> bool:
    """Ask `question` (with `detail` under it); True if the person chose `verb`.

    The keep button is the default, so Enter never discards or stops anything by accident.
    """
    return ask(parent, title, question, detail, verb, keep)


def ask(
    parent: QWidget | None, title: str, question: str, detail: str, verb: str, keep: str
) -> bool:
    """Show the question in a message box (the tests answer it in its place)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(question)
    box.setInformativeText(detail)
    go = box.addButton(verb, QMessageBox.ButtonRole.AcceptRole)
    stay = box.addButton(keep, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay)
    box.setEscapeButton(stay)
    place(box)
    box.exec()
    return box.clickedButton() is go
