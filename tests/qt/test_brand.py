"""The window carries the application's id and icon, so the desktop ties it to its entry."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app import __version__
from app.installation import APP_ID
from app.main import brand


def test_the_application_is_named_and_has_the_icon(qapp: QApplication) -> None:
    brand(qapp)
    assert qapp.desktopFileName() == APP_ID
    assert qapp.applicationName() == "Orchard"
    assert qapp.applicationVersion() == __version__
    icon = qapp.windowIcon()
    assert not icon.isNull()
    assert not icon.pixmap(64, 64).toImage().isNull()


def test_about_shows_the_version_the_command_line_prints(qapp: QApplication) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.qt.board import BoardView, TaskHeaderView
    from app.qt.log import LogView
    from app.qt.shell import MainWindow

    window = MainWindow(BoardView(), TaskHeaderView(), LogView())
    window.actions["about"].trigger()
    (box,) = window.findChildren(QMessageBox)
    assert f"Orchard {__version__}" in box.text()
    assert _version_text() == f"orchard {__version__}\n"
    box.close()
    window.deleteLater()


def _version_text() -> str:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, check=True
    ).stdout
