"""Where a dialog or secondary window opens: centred on its parent, wholly on its screen."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# What the window manager's frame takes around a window not yet shown (title bar, borders).
_FRAME = QSize(16, 48)


def place(window: QWidget, size: QSize | None = None) -> None:
    """Centre `window` on its parent's window (or its screen) and keep it inside that screen.

    Call it before the first show; `size`, when given, is the size wished for. A window
    larger than the screen's available area is made smaller to fit.
    """
    parent = window.parentWidget()
    anchor = parent.window() if parent is not None else None
    screen = (anchor or window).screen() or QGuiApplication.primaryScreen()
    area = screen.availableGeometry()
    if size is not None:
        window.resize(size)
    elif not window.testAttribute(Qt.WidgetAttribute.WA_Resized):
        window.adjustSize()
    room = area.size() - _FRAME
    window.resize(window.size().boundedTo(room).expandedTo(window.minimumSize().boundedTo(room)))
    window.move(placed(window.size(), area, _centre_of(anchor, area)))


def placed(size: QSize, area: QRect, centre: QPoint) -> QPoint:
    """Return the top left of a `size` window centred on `centre`, moved inside `area`."""
    outer = QRect(QPoint(0, 0), size + _FRAME)
    outer.moveCenter(centre)
    left = max(area.left(), min(outer.left(), area.right() + 1 - outer.width()))
    top = max(area.top(), min(outer.top(), area.bottom() + 1 - outer.height()))
    return QPoint(left, top)


def _centre_of(anchor: QWidget | None, area: QRect) -> QPoint:
    if anchor is None or not anchor.isVisible():
        return area.center()
    return anchor.frameGeometry().center()
