"""Every action and every state has an icon of its own, from a file, crisp at 2x, in the theme."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QSize
from PySide6.QtGui import QColor
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QToolButton

from app.core.keys import menu_bindings
from app.core.states import TaskState
from app.qt.board import BoardView, TaskHeaderView
from app.qt.icons import action_file, icon, state_file, state_icon
from app.qt.log import LogView
from app.qt.shell.mainwindow import MainWindow
from app.qt.shell.theme import apply_theme
from app.qt.shell.toolbar import FAR_RIGHT, TASK_ACTIONS
from app.qt.tokens import state_colour


def _darkest(image: Any) -> QColor:
    """Return the most opaque pixel's colour: the stroke's."""
    pixels = (image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height()))
    return max(pixels, key=lambda c: c.alpha())


@pytest.mark.parametrize("name", [b.name for b in menu_bindings()])
def test_every_action_has_an_svg_that_parses(name: str) -> None:
    svg = action_file(name).read_text()
    assert "currentColor" in svg  # the loader colours it for the theme
    assert QSvgRenderer(QByteArray(svg.encode())).isValid()


@pytest.mark.parametrize("state", list(TaskState))
def test_every_state_has_an_svg_that_parses(state: TaskState) -> None:
    assert QSvgRenderer(QByteArray(state_file(state).read_bytes())).isValid()


def test_a_2x_pixmap_is_really_2x(qapp: QApplication) -> None:
    pixmap = icon("new_task").pixmap(QSize(16, 16), 2.0)
    assert pixmap.size() == QSize(32, 32) and pixmap.devicePixelRatio() == 2.0
    single = icon("new_task").pixmap(QSize(16, 16), 1.0)
    assert single.size() == QSize(16, 16)


def test_icons_take_the_theme_and_the_state_colours(app_look: QApplication) -> None:
    apply_theme("light")
    light = _darkest(icon("review").pixmap(QSize(24, 24), 1.0).toImage())
    failed = _darkest(state_icon(TaskState.FAILED).pixmap(QSize(24, 24), 1.0).toImage())
    assert failed.rgb() == QColor(state_colour("failed", "light")).rgb()
    apply_theme("dark")
    dark = _darkest(icon("review").pixmap(QSize(24, 24), 1.0).toImage())
    assert light.lightness() < 100 < dark.lightness()  # dark strokes on light, light on dark
    assert icon("review") is icon("review")  # cached


def test_the_toolbar_has_new_task_first_and_the_menus_actions(qtbot: Any) -> None:
    window = MainWindow(BoardView(), TaskHeaderView(), LogView())
    qtbot.addWidget(window)
    bar = window.toolbar
    assert bar.new_task.text() == "New task" and "Ctrl+N" in bar.new_task.toolTip()
    shown = set(bar.actions())
    for name in (*[n for group in TASK_ACTIONS for n in group], FAR_RIGHT):
        action = window.actions[name]
        assert action in shown and not action.icon().isNull()
    assert "Ctrl+R" in window.actions["review"].toolTip()
    with qtbot.waitSignal(window.actions["new_task"].triggered):
        bar.new_task.click()
    window.tabs.setCurrentIndex(1)  # the Task menu's actions are off on the Triage tab
    assert not window.actions["stop"].isEnabled()
    stop = bar.widgetForAction(window.actions["stop"])
    assert isinstance(stop, QToolButton) and not stop.isEnabled()
