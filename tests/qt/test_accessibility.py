"""Reachable by everyone: every control has a name a screen reader can say, no font size is
fixed in pixels, and keyboard focus shows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from app.core.profiles import BUILTIN_PROFILES
from app.qt.shell.settingsdialog import SettingsDialog

INTERACTIVE = (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QTabWidget,
)
APP = Path(__file__).resolve().parents[2] / "app"


def unnamed(root: QWidget) -> list[str]:
    """Return the interactive widgets under `root` that a screen reader could not name."""
    buddies = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy()}
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if type(widget).__name__.startswith("Q") and widget.parent().inherits("QAbstractSpinBox"):
            continue  # a spin box's own line edit: the spin box carries the name
        if widget.window() is not root.window():
            continue  # a combo box's popup list: the combo box carries the name
        if widget.inherits("QScrollBar") or widget.objectName().startswith("qt_"):
            continue
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        if widget.accessibleName() or text.replace("&", "").strip() or id(widget) in buddies:
            continue
        missing.append(f"{type(widget).__name__} {widget.objectName()!r} in {widget.parent()}")
    return missing


def test_every_control_of_the_settings_dialog_has_a_name(qtbot: Any) -> None:
    dialog = SettingsDialog(4, dict(BUILTIN_PROFILES), "/tmp/home")
    qtbot.addWidget(dialog)
    assert unnamed(dialog) == []


def test_every_control_of_the_main_window_has_a_name(loop: Any, qtbot: Any, tmp_path: Path) -> None:
    from app.client import Operations
    from app.qt.window import build_window
    from app.server.operations import local_call
    from app.services.config.settings import Home
    from app.services.orchard import Orchard

    orchard = Orchard(Home(tmp_path / "home"))
    window, controller = build_window(orchard, Operations(local_call(orchard)))
    try:
        assert unnamed(window) == []
    finally:
        controller.close()
        orchard.close()
        window.deleteLater()


def test_no_font_size_is_fixed_in_pixels() -> None:
    fixed = re.compile(r"setPixelSize|font-size:\s*\d+px")
    offenders = [
        f"{path.relative_to(APP)}:{n}"
        for path in APP.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if fixed.search(line)
    ]
    assert offenders == []
