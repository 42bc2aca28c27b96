"""Dialogs and secondary windows open centred on their parent and wholly on its screen."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from app.qt.placement import place, placed


def _parent(qtbot: QtBot, geometry: QRect) -> QWidget:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.setGeometry(geometry)
    parent.show()
    return parent


def test_a_dialog_opens_centred_on_its_parent(qtbot: QtBot) -> None:
    area = QGuiApplication.primaryScreen().availableGeometry()
    parent = _parent(qtbot, QRect(area.left() + 40, area.top() + 30, 500, 400))
    dialog = QDialog(parent)
    dialog.resize(300, 200)
    place(dialog)
    centre = QRect(dialog.pos(), dialog.size() + QSize(16, 48)).center()
    assert (centre - parent.frameGeometry().center()).manhattanLength() <= 2


def test_a_dialog_larger_than_the_screen_is_clamped_inside_it(qtbot: QtBot) -> None:
    parent = _parent(qtbot, QRect(0, 0, 400, 300))
    area = parent.screen().availableGeometry()
    dialog = QDialog(parent)
    place(dialog, QSize(area.width() * 2, area.height() * 3))
    assert area.contains(QRect(dialog.pos(), dialog.size()))


def test_a_secondary_window_near_the_screens_edge_is_moved_onto_it(qtbot: QtBot) -> None:
    area = QGuiApplication.primaryScreen().availableGeometry()
    parent = _parent(qtbot, QRect(area.right() - 150, area.bottom() - 100, 140, 90))
    window = QWidget(parent, Qt.WindowType.Window)
    qtbot.addWidget(window)
    place(window, QSize(600, 400))
    assert area.contains(QRect(window.pos(), window.size()))


def test_placed_keeps_the_frame_inside_the_area() -> None:
    area = QRect(0, 0, 1000, 800)
    assert placed(QSize(200, 100), area, QPoint(500, 400)) == QPoint(393, 327)
    assert placed(QSize(200, 100), area, QPoint(990, 790)) == QPoint(784, 652)
    assert placed(QSize(200, 100), area, QPoint(-50, -50)) == QPoint(0, 0)
