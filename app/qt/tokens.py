"""The design tokens every widget takes its looks from: resources/palette.json, read once.

Colours per scheme (the Qt palette's roles), each task state's colour, and the spacing.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.installation import app_file


@functools.cache
def tokens() -> dict[str, Any]:
    """Return the whole of resources/palette.json."""
    data: dict[str, Any] = json.loads(app_file("resources/palette.json").read_text())
    return data


def scheme_of(palette: QPalette | None = None) -> str:
    """Return "dark" or "light": the app's (or `palette`'s) base is darker than mid-grey or not."""
    shown = palette or QApplication.palette()
    return "dark" if shown.color(QPalette.ColorRole.Base).lightness() < 128 else "light"


def colour(role: str, scheme: str | None = None) -> str:
    """Return a palette role's colour ("Text", "Highlight") in `scheme`, the app's by default."""
    return str(tokens()[scheme or scheme_of()][role])


def disabled_colour(role: str, scheme: str | None = None) -> str:
    """Return a palette role's colour when disabled, in `scheme` (the app's by default)."""
    return str(tokens()["disabled"][scheme or scheme_of()][role])


def state_colour(state: str, scheme: str | None = None) -> str:
    """Return the colour of the task state `state` (its id, "needs-input") in `scheme`."""
    return str(tokens()["states"][scheme or scheme_of()][state])


def spacing(name: str) -> int:
    """Return a spacing token in device-independent pixels ("gap", "toolbar_icon")."""
    return int(tokens()["spacing"][name])


def margins(name: str) -> tuple[int, int, int, int]:
    """Return a margins token ("header_margins") as left, top, right, bottom."""
    left, top, right, bottom = tokens()["spacing"][name]
    return int(left), int(top), int(right), int(bottom)
