"""A focus ring that shows: Fusion's own focus marks are faint, on dark nearly invisible.

The focused control gets a two-pixel ring in the palette's Highlight colour, drawn over the
style's own look, so it follows the theme without a style sheet to re-apply.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QStyleOptionComplex, QWidget

_PE, _CE, _CC = QStyle.PrimitiveElement, QStyle.ControlElement, QStyle.ComplexControl
_RINGED_PRIMITIVES = frozenset((_PE.PE_FrameLineEdit, _PE.PE_FrameFocusRect))
_RINGED_CONTROLS = frozenset((_CE.CE_PushButtonBevel, _CE.CE_ShapedFrame))
_RINGED_COMPLEX = frozenset((_CC.CC_ToolButton, _CC.CC_ComboBox, _CC.CC_SpinBox))
RING_WIDTH = 2


class FocusRingStyle(QProxyStyle):
    """Fusion, with a ring in the Highlight colour round the control that has the focus."""

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        """Draw as Fusion does; a focus rect or a focused line edit's frame gets the ring."""
        if element == _PE.PE_FrameFocusRect:  # an item's or a check box's: ours instead
            _ring(painter, option, inset=0.5)
            return
        super().drawPrimitive(element, option, painter, widget)
        if element in _RINGED_PRIMITIVES and _focused(option):
            _ring(painter, option)

    def drawControl(
        self,
        element: QStyle.ControlElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        """Draw as Fusion does, then the ring round a focused button or view."""
        super().drawControl(element, option, painter, widget)
        if element in _RINGED_CONTROLS and _focused(option):
            _ring(painter, option)

    def drawComplexControl(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        """Draw as Fusion does, then the ring round a focused tool button, combo or spin box."""
        super().drawComplexControl(control, option, painter, widget)
        if control in _RINGED_COMPLEX and _focused(option):
            _ring(painter, option)


def _focused(option: QStyleOption) -> bool:
    return bool(option.state & QStyle.StateFlag.State_HasFocus)


def _ring(painter: QPainter, option: QStyleOption, inset: float = RING_WIDTH / 2) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(option.palette.color(QPalette.ColorRole.Highlight), RING_WIDTH))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    rect = QRectF(option.rect).adjusted(inset, inset, -inset, -inset)
    painter.drawRoundedRect(rect, 3, 3)
    painter.restore()
