"""The leak check itself: it sees running timers owned by the app or any top-level widget."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from tests.qt.conftest import _active_timers


def test_running_timers_are_seen_and_stopped_ones_are_not(qapp: Any) -> None:
    hidden = QWidget()  # a closed window that was never deleted still owns its timers
    on_widget = QTimer(hidden)
    on_app = QTimer(QApplication.instance())
    before = set(_active_timers())
    on_widget.start(1000)
    on_app.start(1000)
    leaked = set(_active_timers()) - before
    assert leaked == {id(on_widget), id(on_app)}
    on_widget.stop()
    on_app.stop()
    assert set(_active_timers()) - before == set()
    hidden.deleteLater()
    on_app.deleteLater()
