"""F1 and the key table: every shortcut the windows answer is listed, by area, searchable."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from app.core.keys import AREAS, BINDINGS
from app.qt.board import BoardView, TaskHeaderView
from app.qt.log import LogView
from app.qt.review.window import ReviewWindow
from app.qt.shell.mainwindow import MainWindow
from app.qt.shell.shortcutsdialog import ShortcutsDialog


def _portable(key: QKeySequence | str) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText)


def _answered(widget: QWidget) -> set[str]:
    """Return every key a QAction or QShortcut of `widget` (or its children) answers."""
    keys = {_portable(k) for a in widget.findChildren(QAction) for k in a.shortcuts()}
    shortcuts = widget.findChildren(QShortcut)
    keys |= {_portable(k) for s in shortcuts for k in s.keys()}  # noqa: SIM118 (not a dict)
    return keys - {""}


def test_every_shortcut_of_the_main_and_review_windows_is_in_the_table(qtbot: Any) -> None:
    listed = {_portable(k) for b in BINDINGS for k in b.keys}
    main = MainWindow(BoardView(), TaskHeaderView(), LogView())
    review = ReviewWindow()
    qtbot.addWidget(main)
    qtbot.addWidget(review)
    assert _answered(main) - listed == set()
    assert _answered(review) - listed == set()
    assert {"Ctrl+Shift+F", "F1", "F3", "]"} <= _answered(main) | _answered(review)


def test_each_menu_action_shows_its_keys_in_its_tooltip(qtbot: Any) -> None:
    main = MainWindow(BoardView(), TaskHeaderView(), LogView())
    qtbot.addWidget(main)
    for name, action in main.actions.items():
        if not action.shortcut().isEmpty():
            assert f"({action.shortcut().toString()})" in action.toolTip(), name
    assert main.actions["review"].toolTip() == "Review (Ctrl+R)"


def test_f1_lists_every_area_and_narrows_to_what_is_typed(qtbot: Any) -> None:
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    shown = dialog.sections()
    assert list(shown) == list(AREAS)
    assert ("Next hunk", "J, .") in shown["Review"]
    assert ("Next / previous match", "F3, Shift+F3") in shown["Log"]
    assert ("Search all logs", "Ctrl+Shift+F") in shown["Search all logs"]
    dialog.query.setText("f3")
    assert dialog.sections() == {"Log": [("Next / previous match", "F3, Shift+F3")]}
    dialog.query.setText("review close")  # words of the area count too
    assert dialog.sections() == {"Review": [("Close the review", "Esc, Ctrl+W, Ctrl+F4")]}
    dialog.query.setText("nothing like this")
    assert dialog.sections() == {} and not dialog.empty.isHidden()
