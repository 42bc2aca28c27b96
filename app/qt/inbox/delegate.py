"""Paints one waiting ask in three lines: who waits and how long, what it wants, where and why."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.core.inbox import Ask, wants
from app.qt.inbox.model import ASK_ROLE, TITLE_ROLE, WAITED_ROLE
from app.qt.tokens import state_colour

AnyIndex = QModelIndex | QPersistentModelIndex
PAD = 8  # inside a row, each side
STRIPE = 3  # the coloured bar at a row's left: amber waits, red is dangerous
DANGER = "DANGEROUS"


def stripe_colour(ask: Ask) -> QColor:
    """Return the colour of an ask's left bar: the failed state's red when it is dangerous."""
    return QColor(state_colour("failed" if ask.dangerous else "needs-input"))


class AskDelegate(QStyledItemDelegate):
    """Line 1: [DANGEROUS] title · agent wants to …, time waited on the right.
    Line 2: the command, path or question, monospaced. Line 3: working folder · reason."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        """Three lines of text and the padding."""
        line = QFontMetrics(option.font).lineSpacing()
        mono = QFontMetrics(self.mono).lineSpacing()
        return QSize(200, 2 * line + mono + 2 * PAD + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Paint the row's background and selection the style's way, then its three lines."""
        ask: Ask | None = index.data(ASK_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if ask is None:
            return
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Normal
        text = opt.palette.color(
            group,
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text,
        )
        dim = text if selected else opt.palette.color(group, QPalette.ColorRole.PlaceholderText)
        painter.save()
        bar = QRect(opt.rect.left(), opt.rect.top() + 2, STRIPE, opt.rect.height() - 4)
        painter.fillRect(bar, stripe_colour(ask))
        rect = opt.rect.adjusted(PAD + STRIPE, PAD // 2 + 2, -PAD, -PAD // 2)
        line = QFontMetrics(opt.font).lineSpacing()
        top = QRect(rect.left(), rect.top(), rect.width(), line)
        self._first_line(painter, opt, top, ask, index, text, dim, selected)
        mono_line = QFontMetrics(self.mono).lineSpacing()
        middle = QRect(rect.left(), top.bottom() + 2, rect.width(), mono_line)
        painter.setFont(self.mono)
        painter.setPen(text)
        subject = QFontMetrics(self.mono).elidedText(
            ask.subject, Qt.TextElideMode.ElideRight, middle.width()
        )
        painter.drawText(middle, Qt.AlignmentFlag.AlignVCenter, subject)
        bottom = QRect(rect.left(), middle.bottom() + 2, rect.width(), line)
        painter.setFont(opt.font)
        painter.setPen(dim)
        painter.drawText(
            bottom, Qt.AlignmentFlag.AlignVCenter, where_text(ask, opt, bottom.width())
        )
        painter.restore()

    def _first_line(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        rect: QRect,
        ask: Ask,
        index: AnyIndex,
        text: QColor,
        dim: QColor,
        selected: bool,
    ) -> None:
        waited = str(index.data(WAITED_ROLE) or "")
        metrics = opt.fontMetrics
        painter.setPen(text if selected else QColor(state_colour("needs-input")))
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, waited)
        room = rect.adjusted(0, 0, -(metrics.horizontalAdvance(waited) + 2 * PAD), 0)
        if ask.dangerous:
            room.setLeft(room.left() + self._badge(painter, opt, room) + PAD // 2)
        bold = QFont(opt.font)
        bold.setBold(True)
        title = str(index.data(TITLE_ROLE) or "")
        rest = f"  {ask.agent} {wants(ask)}"
        bold_metrics = QFontMetrics(bold)
        title_room = max(40, room.width() - metrics.horizontalAdvance(rest))
        shown = bold_metrics.elidedText(title, Qt.TextElideMode.ElideRight, title_room)
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(room, Qt.AlignmentFlag.AlignVCenter, shown)
        room.setLeft(room.left() + bold_metrics.horizontalAdvance(shown))
        painter.setFont(opt.font)
        painter.setPen(dim)
        rest = metrics.elidedText(rest, Qt.TextElideMode.ElideRight, room.width())
        painter.drawText(room, Qt.AlignmentFlag.AlignVCenter, rest)

    def _badge(self, painter: QPainter, opt: QStyleOptionViewItem, room: QRect) -> int:
        """Draw the red DANGEROUS chip at the start of `room`; return its width."""
        small = QFont(opt.font)
        small.setBold(True)
        small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.8))
        width = QFontMetrics(small).horizontalAdvance(DANGER) + 10
        chip = QRect(room.left(), room.top() + 1, width, room.height() - 2)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(state_colour("failed")))
        painter.drawRoundedRect(chip, 3, 3)
        painter.setFont(small)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, DANGER)
        painter.restore()
        return width


def where_text(ask: Ask, opt: QStyleOptionViewItem, width: int) -> str:
    """Return "why · where" in `width`: the reason whole if it fits, the folder cut at its start."""
    metrics = opt.fontMetrics
    reason = metrics.elidedText(ask.reason, Qt.TextElideMode.ElideRight, width * 2 // 3)
    if not ask.cwd:
        return reason
    lead = f"{reason} · " if reason else ""
    room = width - metrics.horizontalAdvance(lead)
    return lead + metrics.elidedText(ask.cwd, Qt.TextElideMode.ElideLeft, max(0, room))
