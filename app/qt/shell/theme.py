"""Light and dark that always work: an explicit palette on Fusion, from resources/palette.json.

Fusion comes with a focus ring that shows on both (focusring.py).

Qt's Fusion style does not follow the colour scheme by itself where no platform theme does
(a bare X display, many desktops): without this, choosing Dark changed nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from app.qt.shell.focusring import FocusRingStyle
from app.qt.tokens import tokens

_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}
_chosen = ["system"]  # what Settings says now
_following: list[bool] = []  # the app listens to the system's scheme once
_style: list[FocusRingStyle] = []


def apply_theme(theme: str) -> str:
    """Apply System, Light or Dark to the whole app now; return the scheme applied.

    With System, a later change of the system's scheme is followed too.
    """
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    _chosen[0] = theme
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "setColorScheme"):  # Qt 6.8 and newer; the palette does the rest
        hints.setColorScheme(_SCHEMES.get(theme, Qt.ColorScheme.Unknown))
    if not _following:
        _following.append(True)
        hints.colorSchemeChanged.connect(_on_scheme_changed)
    scheme = theme if theme in _SCHEMES else _system_scheme()
    if not isinstance(app.style(), FocusRingStyle):
        _style[:] = [FocusRingStyle()]  # held here too: the app does not own a Python style
        app.setStyle(_style[0])
    app.setPalette(palette(scheme))
    for widget in app.allWidgets():  # those styled by a sheet keep their old colours otherwise
        if widget.styleSheet():
            widget.setStyleSheet(widget.styleSheet())
    return scheme


def _on_scheme_changed(_scheme: Qt.ColorScheme) -> None:
    if _chosen[0] not in _SCHEMES:  # System: the platform changed its mind
        apply_theme(_chosen[0])


def palette(scheme: str) -> QPalette:
    """Return the palette of `scheme` ("light" or "dark") as resources/palette.json has it."""
    colours = tokens()
    made = QPalette()
    for role, value in colours[scheme].items():
        made.setColor(QPalette.ColorRole[role], QColor(value))
    for role, value in colours["disabled"][scheme].items():
        made.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole[role], QColor(value))
    return made


def is_dark(widget_palette: QPalette | None = None) -> bool:
    """Say whether the app (or a widget's palette) is dark: text lighter than its base."""
    shown = widget_palette or QApplication.palette()
    return shown.color(QPalette.ColorRole.Base).lightness() < 128


def _system_scheme() -> str:
    reported = QGuiApplication.styleHints().colorScheme()
    return "dark" if reported == Qt.ColorScheme.Dark else "light"
