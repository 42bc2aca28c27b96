"""Every icon of the window, from the SVG files in resources/icons, coloured for the theme.

The action and state icons draw with `currentColor`: each is rendered with the theme's text
colour (an action) or its state's colour (a state), at 1x and 2x of each size so that it is
crisp on a HiDPI screen, and cached per scheme. A theme switch asks for the icons again
(`icon()` then answers from the other scheme's cache).
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.installation import app_file
from app.qt.tokens import colour, disabled_colour, scheme_of, state_colour

SIZES = (16, 18, 20, 24, 32)  # logical sizes; each is rendered at 1x and 2x


def action_file(name: str) -> Path:
    """Return the SVG of the action `name` (a key of app/core/keys.py's menu bindings)."""
    return app_file(f"resources/icons/actions/{name}.svg")


def state_file(state: str) -> Path:
    """Return the SVG of the task state `state` (its id, such as "needs-input")."""
    return app_file(f"resources/icons/states/{state}.svg")


def icon(name: str) -> QIcon:
    """Return the action `name`'s icon in the theme's text colour (greyed when disabled)."""
    return _action_icon(name, scheme_of())


def accent_icon(name: str) -> QIcon:
    """Return the action `name`'s icon in the colour of text on the accent (a primary button)."""
    return _accent_icon(name, scheme_of())


def state_icon(state: str) -> QIcon:
    """Return the task state `state`'s icon in its colour, for the app's scheme."""
    return _state_icon(str(state), scheme_of())


@functools.cache
def _action_icon(name: str, scheme: str) -> QIcon:
    svg = action_file(name).read_text()
    made = _rendered(svg, colour("ButtonText", scheme))
    _add(made, svg, disabled_colour("ButtonText", scheme), QIcon.Mode.Disabled)
    return made


@functools.cache
def _accent_icon(name: str, scheme: str) -> QIcon:
    return _rendered(action_file(name).read_text(), colour("HighlightedText", scheme))


@functools.cache
def _state_icon(state: str, scheme: str) -> QIcon:
    return _rendered(state_file(state).read_text(), state_colour(state, scheme))


def _rendered(svg: str, tint: str) -> QIcon:
    made = QIcon()
    _add(made, svg, tint, QIcon.Mode.Normal)
    return made


def _add(made: QIcon, svg: str, tint: str, mode: QIcon.Mode) -> None:
    renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", tint).encode()))
    for size in SIZES:
        for ratio in (1, 2):
            made.addPixmap(render(renderer, size, ratio), mode)


def render(renderer: QSvgRenderer, size: int, ratio: int) -> QPixmap:
    """Return `renderer`'s picture as a `size`-pixel square pixmap for a `ratio`x screen."""
    pixmap = QPixmap(size * ratio, size * ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    pixmap.setDevicePixelRatio(ratio)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap
