"""Light and dark that always work: Orchard's palette on Fusion, with no platform theme at all
(the offscreen platform has none, as a bare X display has none)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QListWidget, QPushButton, QWidget

from app.qt.shell.focusring import FocusRingStyle
from app.qt.shell.theme import apply_theme, is_dark, palette


def _middle(widget: Any) -> QColor:
    QApplication.processEvents()  # the palette reaches widgets as an event, as in the app
    image = widget.grab().toImage()
    return QColor(image.pixel(image.width() // 2, image.height() // 2))


def test_dark_and_light_paint_what_they_say(app_look: QApplication, qtbot: Any) -> None:
    view = QListWidget()
    qtbot.addWidget(view)
    view.resize(200, 120)
    assert apply_theme("dark") == "dark"
    style = app_look.style()
    assert isinstance(style, FocusRingStyle) and style.baseStyle().name().lower() == "fusion"
    assert is_dark()
    assert _middle(view).lightness() < 40  # painted dark, not only asked for
    assert apply_theme("light") == "light"
    assert not is_dark() and _middle(view).lightness() > 240


def test_system_follows_what_the_platform_reports(app_look: QApplication) -> None:
    assert apply_theme("system") == "light"  # offscreen reports no scheme: light
    assert palette("dark").color(QPalette.ColorRole.Base) != palette("light").color(
        QPalette.ColorRole.Base
    )


def test_every_palette_names_real_roles_in_both_schemes() -> None:
    for scheme in ("light", "dark"):
        made = palette(scheme)
        text = made.color(QPalette.ColorRole.Text).lightness()
        base = made.color(QPalette.ColorRole.Base).lightness()
        assert abs(text - base) > 150  # text reads on its background


def test_the_theme_in_config_toml_is_applied_before_the_window_shows(
    app_look: QApplication, loop: Any, tmp_path: Path
) -> None:
    from tests.qt.conftest import run
    from tests.qt.test_window import Session

    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[settings]\ntheme = "dark"\n')

    async def scenario() -> None:
        s = Session(home)
        await asyncio.sleep(0.2)  # the window shows
        image = s.window.log.table.grab().toImage()
        middle = QColor(image.pixel(image.width() // 2, image.height() // 2))
        assert is_dark() and middle.lightness() < 40
        await s.close()

    run(loop, scenario)


def test_a_theme_that_is_none_of_the_three_is_refused_in_one_line(tmp_path: Path) -> None:
    from app.services.config import ConfigError, Home, load_settings

    home = Home(tmp_path / "home").ensure()
    home.config.write_text('[settings]\ntheme = "blue"\n')
    with pytest.raises(ConfigError, match=r"settings\.theme must be one of system, light, dark"):
        load_settings(home)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_focused_button_shows_a_ring_in_the_highlight_colour(
    app_look: QApplication, qtbot: Any, theme: str
) -> None:
    apply_theme(theme)
    window = QWidget()
    qtbot.addWidget(window)
    buttons = [QPushButton("Merge…", window), QPushButton("Discard…", window)]
    for n, button in enumerate(buttons):
        button.setGeometry(10 + 120 * n, 10, 100, 30)
    window.show()
    buttons[0].setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    ring = palette(theme).color(QPalette.ColorRole.Highlight)
    assert buttons[0].hasFocus()
    assert _near(ring, _edge_colours(buttons[0]))
    assert not _near(ring, _edge_colours(buttons[1]))  # only the focused one


def _edge_colours(widget: QWidget) -> set[tuple[int, int, int]]:
    image = widget.grab().toImage()
    y = image.height() // 2
    return {QColor(image.pixel(x, y)).getRgb()[:3] for x in range(4)}


def _near(colour: QColor, seen: set[tuple[int, int, int]]) -> bool:
    want = colour.getRgb()[:3]
    return any(sum(abs(a - b) for a, b in zip(rgb, want, strict=True)) < 40 for rgb in seen)
