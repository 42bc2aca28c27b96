"""Paints the log's rows: colour by kind, fold arrows, exit badges, ages, wrapped long lines."""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from app.core.eventtext import age_label
from app.qt.log.model import Fold, LogModel, RowKind, Tone

MAX_PAINTED_CHARS = 2000  # longer lines are cut when painted; row_text keeps them whole
_AnyIndex = QModelIndex | QPersistentModelIndex
_INDENT = {RowKind.OUTPUT: 4, RowKind.MORE: 4, RowKind.THINK_BODY: 4, RowKind.CODE: 2}
_DIM = (RowKind.THINK, RowKind.THINK_BODY, RowKind.OUTPUT, RowKind.DIM, RowKind.QUOTE)
_HEADERS = (RowKind.COMMAND, RowKind.THINK, RowKind.PLUMB)
_COLOURS = {
    RowKind.MORE: "#3182ce",
    RowKind.FILE: "#2b6cb0",
    RowKind.TOOL: "#6b46c1",
    RowKind.ERROR: "#c53030",
    RowKind.NEEDS_INPUT: "#b7791f",
}
_TONES = {Tone.RUNNING: "#b7791f", Tone.OK: "#2f855a", Tone.FAILED: "#c53030"}
_ALIGN = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextSingleLine
_AGE_COLUMNS = 5  # "59m" and a gap


class LogRowDelegate(QStyledItemDelegate):
    """Paints a log row from the model's kind codes: colour, indent, fold arrow, exit badge.

    A narrow muted gutter says how long ago a row was written (structured view only), and a
    row taller than one line (see line_count) shows its text cut at the column width.
    """

    def __init__(self, model: LogModel, view: QTableView) -> None:
        super().__init__(view)
        self._model = model
        self.restyle(view)

    def restyle(self, view: QTableView) -> None:
        """Take the colours and font of `view` again (the theme changed)."""
        text = view.palette().text().color()
        dim, dimmer = QColor(text), QColor(text)
        dim.setAlpha(150)
        dimmer.setAlpha(110)
        by_kind = {k: QColor(name) for k, name in _COLOURS.items()}
        by_kind |= {k: dim for k in _DIM} | {RowKind.RAW_DIM: dimmer, RowKind.PLUMB: dimmer}
        self._pens = [by_kind.get(k, text) for k in RowKind]
        self._dimmer = dimmer
        self._char = max(view.fontMetrics().horizontalAdvance("0"), 1)
        self.line_height = view.fontMetrics().height() + 2
        self._indents = [_INDENT.get(k, 0) * self._char for k in RowKind]
        self._error_fill = QColor(_COLOURS[RowKind.ERROR])
        self._error_fill.setAlpha(28)
        self._tones = [QColor(_TONES.get(t, "#718096")) for t in Tone]
        self._badge_width = self._char * 9
        self._bold = QFont(view.font())
        self._bold.setBold(True)
        self._code_fill = QColor(text)
        self._code_fill.setAlpha(18)  # a faint box behind a message's code block

    def _gutter(self) -> int:
        return self._char * _AGE_COLUMNS if self._model.mode() == "structured" else 0

    def _text_left(self, kind: int) -> int:
        extra = self._char * 2 if kind in _HEADERS else 0
        if kind == RowKind.COMMAND:
            extra += self._badge_width + self._char
        return 4 + self._gutter() + self._indents[kind] + extra

    def line_count(self, row: int, width: int) -> int:
        """Return how many lines row `row` takes wrapped in a viewport `width` pixels wide."""
        rows = self._model.rows
        # The scroll bar may come and go: a column to spare keeps the last letter in sight.
        columns = max((width - self._text_left(rows.kinds[row]) - 4) // self._char - 1, 10)
        length = min(len(rows.texts[row]), MAX_PAINTED_CHARS)
        return max(1, -(-length // columns))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _AnyIndex) -> None:
        rows, row, rect = self._model.rows, index.row(), option.rect
        kind, selected = rows.kinds[row], option.state & QStyle.StateFlag.State_Selected
        if selected:
            painter.fillRect(rect, option.palette.highlight())
        elif kind == RowKind.ERROR:
            painter.fillRect(rect, self._error_fill)
        elif kind == RowKind.CODE:
            painter.fillRect(rect.adjusted(2, 0, -2, 0), self._code_fill)
        gutter = self._gutter()
        if gutter:
            self._paint_age(painter, rect, row)
        x = rect.x() + 4 + gutter + self._indents[kind]
        if kind in _HEADERS:
            x = self._paint_header(painter, rect, x, rows.group_at(row), kind)
        painter.setPen(option.palette.highlightedText().color() if selected else self._pens[kind])
        text = rows.texts[row][:MAX_PAINTED_CHARS]
        if kind == RowKind.HEADING:
            painter.save()
            painter.setFont(self._bold)
        height = self.line_height
        lines = rect.height() // height
        if lines > 1:  # a wrapped row: cut at the column width (the font is fixed-pitch)
            columns = max((rect.right() - x - 4) // self._char - 1, 10)
            for i in range(lines):
                box = QRect(x, rect.y() + i * height, rect.right() - x, height)
                painter.drawText(box, _ALIGN, text[i * columns : (i + 1) * columns])
        else:
            painter.drawText(QRect(x, rect.y(), rect.right() - x, rect.height()), _ALIGN, text)
        if kind == RowKind.HEADING:
            painter.restore()

    def _paint_age(self, painter: QPainter, rect: QRect, row: int) -> None:
        """Say how long ago, where a row starts a moment whose age reads differently."""
        rows = self._model.rows
        i = self._model.stamp_label_at(row)
        if i < 0:
            return
        now, stamps = time.time(), rows.stamp_ts
        label = age_label(now - stamps[i])
        if i > 0 and age_label(now - stamps[i - 1]) == label:
            return
        painter.setPen(self._dimmer)
        box = QRect(rect.x() + 4, rect.y(), self._char * (_AGE_COLUMNS - 1), self.line_height)
        painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, label)

    def _paint_header(self, painter: QPainter, rect: QRect, x: int, g: int, kind: int) -> int:
        rows = self._model.rows
        if rows.g_lines[g]:
            arrow = "▸" if rows.g_fold[g] == Fold.COLLAPSED else "▾"
            painter.setPen(self._pens[RowKind.DIM])
            painter.drawText(QRect(x, rect.y(), self._char * 2, self.line_height), _ALIGN, arrow)
        x += self._char * 2
        if kind != RowKind.COMMAND:
            return x
        colour = self._tones[rows.g_tone[g]]
        pill = QRect(x, rect.y() + 1, self._badge_width, self.line_height - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(pill, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, rows.badge(g))
        return x + self._badge_width + self._char
