"""Paints diff rows: geometry of the columns, colours by theme, text clipped to what shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QPainter,
    QPen,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)

from app.core.diff import Hunk, Row, RowFlag, RowKind
from app.qt.review.syntax import SyntaxColours

PAD = 6  # pixels between a column's edge and its text
LAYOUT_CACHE = 4000  # laid-out line parts kept for repaints: a few screens' worth
TAB = 4
_LIGHT = {
    "base": "#ffffff", "text": "#1f2328", "dim": "#6e7781", "gutter": "#f6f8fa",
    "add": "#e6ffec", "add_gutter": "#ccffd8", "add_word": "#abf2bc",
    "del": "#ffebe9", "del_gutter": "#ffd7d5", "del_word": "#ffb3b0",
    "filler": "#f3f4f6", "hatch": "#d0d7de", "hunk": "#ddf4ff", "hunk_text": "#57606a",
    "mark": "#0969da", "current": "#0969da", "divider": "#d0d7de",
}  # fmt: skip
_DARK = {
    "base": "#0d1117", "text": "#e6edf3", "dim": "#7d8590", "gutter": "#161b22",
    "add": "#12261e", "add_gutter": "#1b3a28", "add_word": "#2a5a39",
    "del": "#2a1619", "del_gutter": "#4a1f24", "del_word": "#7a2a30",
    "filler": "#161b22", "hatch": "#30363d", "hunk": "#121d2f", "hunk_text": "#8b949e",
    "mark": "#2f81f7", "current": "#2f81f7", "divider": "#30363d",
}  # fmt: skip


class Palette:
    """The diff's colours for a light or a dark theme."""

    def __init__(self, dark: bool) -> None:
        self.c = {name: QColor(value) for name, value in (_DARK if dark else _LIGHT).items()}
        self.hatch_brush = QBrush(self.c["hatch"], Qt.BrushStyle.BDiagPattern)
        current = QColor(self.c["current"])
        current.setAlpha(110)
        self.current_pen = QPen(current, 1)


def _tab_columns(text: str) -> list[int]:
    """Return the painted column of each character of `text` (and of its end)."""
    cols, c = [], 0
    for ch in text:
        cols.append(c)
        c = (c // TAB + 1) * TAB if ch == "\t" else c + 1
    cols.append(c)
    return cols


class RowPainter:
    """Lays out and paints rows side by side (old | new) or unified (two gutters, one text)."""

    def __init__(self, metrics: QFontMetrics, palette: Palette, syntax: SyntaxColours) -> None:
        self.char_width = max(1, metrics.horizontalAdvance("0"))
        # The real, fractional advance: where a scrolled-to column starts (char_width rounds).
        self.advance = metrics.horizontalAdvance("0" * 1000) / 1000
        self.row_height = metrics.height() + 4
        self._ascent = metrics.ascent() + 2
        self.pal, self.syntax = palette, syntax
        self._rows: tuple[Row, ...] = ()
        self._hunks: tuple[Hunk, ...] = ()
        self._unified = False
        self._single = False  # one gutter: a file that exists on one side only
        self._gutter = self.char_width * 6
        self._max_chars = 0
        self._layouts: dict[tuple[Any, ...], QTextLayout] = {}  # laid-out visible text, reused

    def set_rows(
        self,
        rows: tuple[Row, ...],
        unified: bool,
        hunks: tuple[Hunk, ...] = (),
        single: bool = False,
    ) -> None:
        """Take the rows to paint and size the gutters and the scrollable width for them.

        `single` (with `unified`): the file has one side only, so one gutter, then its text.
        """
        self._rows, self._unified, self._hunks = rows, unified, hunks
        self._single = unified and single
        biggest = max((max(r.old_no or 0, r.new_no or 0) for r in rows[-200:]), default=0)
        self._gutter = self.char_width * (max(3, len(str(biggest))) + 3)
        self._max_chars = max(
            (max(len(r.old_text or ""), len(r.new_text or "")) for r in rows), default=0
        )

    # geometry

    def content_width(self) -> int:
        """Return the width the longest line needs."""
        return self._max_chars * self.char_width + 2 * PAD + self.char_width * 2

    def text_width(self, width: int) -> int:
        """Return the width of one text column in a viewport `width` wide."""
        return self.text_column("new", width)[1]

    def text_column(self, side: str, width: int) -> tuple[int, int]:
        """Return the x and width of `side`'s text column."""
        g = self._gutter * (1 if self._single else 2)
        if self._unified:
            return g, max(0, width - g)
        half = width // 2
        return (g, max(0, half - g)) if side == "old" else (half + g, max(0, width - half - g))

    def hit(self, x: int, width: int, row: Row) -> tuple[str, bool]:
        """Return which side `x` falls on and whether it is on a line-number gutter."""
        g = self._gutter
        if self._single:
            return ("new" if row.new_no is not None else "old"), x < g
        if self._unified:
            side = "new" if row.new_no is not None else "old"
            if x < g and row.old_no is not None:
                side = "old"
            elif g <= x < 2 * g and row.new_no is not None:
                side = "new"
            return side, x < 2 * g
        half = width // 2
        return ("old", x < g) if x < half else ("new", x < half + g)

    # painting

    def paint(self, p: QPainter, s: dict[str, Any], rect: QRect) -> None:
        """Paint the rows that intersect `rect`; `s` holds the view's scroll and marks."""
        p.fillRect(rect, self.pal.c["base"])
        rh, first, gaps = self.row_height, s["first"], s.get("gaps")
        if gaps:
            rows: Any = self._rows_with_gaps(first, rect, gaps)
        else:  # no threads: row i is unit i
            top, end = first + rect.top() // rh, first + rect.bottom() // rh + 1
            rows = ((i, (i - first) * rh) for i in range(top, min(len(self._rows), end)))
        for i, y in rows:
            row = self._rows[i]
            if row.kind is RowKind.HUNK:
                self._paint_hunk(p, row, y, s["width"])
            elif self._unified:
                self._paint_unified(p, row, y, s)
            else:
                self._paint_sides(p, row, y, s)
            if i == s["current"]:
                self._paint_current(p, row, y, s)
        if not self._unified and self._rows:
            p.setPen(self.pal.c["divider"])
            half = s["width"] // 2
            p.drawLine(half - 1, rect.top(), half - 1, rect.bottom())

    def _rows_with_gaps(self, first: int, rect: QRect, gaps: Any) -> Iterator[tuple[int, int]]:
        """Yield the rows in `rect` and their y, each past the room of the threads above it."""
        rh, units = self.row_height, gaps.units
        i = gaps.locate(first + rect.top() // rh)[0]
        y = (gaps.display(i) - first) * rh
        while i < len(self._rows) and y <= rect.bottom():
            yield i, y
            y += rh * (1 + units.get(i, 0))
            i += 1

    def _paint_hunk(self, p: QPainter, row: Row, y: int, width: int) -> None:
        p.fillRect(0, y, width, self.row_height, self.pal.c["hunk"])
        text = row.old_text or row.new_text or ""
        if not text and 0 <= row.hunk < len(self._hunks):
            h = self._hunks[row.hunk]
            text = f"@@ -{h.old_start},{h.old_count} +{h.new_start},{h.new_count} @@ {h.header}"
        p.setPen(self.pal.c["hunk_text"])
        base = y + self._ascent
        p.drawText(QPointF(PAD, base), text[:400])
        hint = "⋯ click for more context"
        x = width - PAD - len(hint) * self.char_width
        if x > PAD + (len(text) + 4) * self.char_width:
            p.drawText(QPointF(x, base), hint)

    def _paint_sides(self, p: QPainter, row: Row, y: int, s: dict[str, Any]) -> None:
        kind = row.kind
        words: tuple[Any, Any] = ((), ())
        if (
            kind is RowKind.CHANGE
            and not row.flags & RowFlag.UNPAIRED  # two unlike lines: every word would light
            and row.old_text is not None
            and row.new_text is not None
        ):
            words = s["words"](row.old_text, row.new_text)
        changed_old = kind in (RowKind.CHANGE, RowKind.DELETE)
        changed_new = kind in (RowKind.CHANGE, RowKind.ADD)
        half = s["width"] // 2
        for side, x0, no, text, changed, spans in (
            ("old", 0, row.old_no, row.old_text, changed_old, words[0]),
            ("new", half, row.new_no, row.new_text, changed_new, words[1]),
        ):
            x, w = self.text_column(side, s["width"])
            if no is None or text is None:
                self._paint_filler(p, QRect(x0, y, x + w - x0, self.row_height))
                continue
            prefix = ("del" if side == "old" else "add") if changed else ""
            self._paint_gutter(p, x0, y, no, side, prefix, s["marks"])
            self._paint_text(p, QRect(x, y, w - 1, self.row_height), text, prefix, spans, s)

    def _paint_unified(self, p: QPainter, row: Row, y: int, s: dict[str, Any]) -> None:
        prefix = {RowKind.ADD: "add", RowKind.DELETE: "del"}.get(row.kind, "")
        g = self._gutter
        if self._single:
            side, no = ("new", row.new_no) if row.new_no is not None else ("old", row.old_no)
            self._paint_gutter(p, 0, y, no, side, prefix, s["marks"])
        else:
            self._paint_gutter(p, 0, y, row.old_no, "old", prefix, s["marks"])
            self._paint_gutter(p, g, y, row.new_no, "new", prefix, s["marks"])
        text = row.new_text if row.new_text is not None else row.old_text or ""
        x, w = self.text_column("new", s["width"])
        self._paint_text(p, QRect(x, y, w, self.row_height), text, prefix, (), s)

    def _paint_filler(self, p: QPainter, r: QRect) -> None:
        p.fillRect(r, self.pal.c["filler"])
        p.fillRect(r, self.pal.hatch_brush)

    def _paint_gutter(
        self, p: QPainter, x: int, y: int, no: int | None, side: str, prefix: str, marks: Any
    ) -> None:
        g, rh, cw = self._gutter, self.row_height, self.char_width
        p.fillRect(x, y, g, rh, self.pal.c[f"{prefix}_gutter"] if prefix else self.pal.c["gutter"])
        if no is None:
            return
        number = str(no)
        p.setPen(self.pal.c["dim"])
        p.drawText(QPointF(x + g - cw - len(number) * cw, y + self._ascent), number)
        if no in marks[side]:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.pal.c["mark"])
            d = max(6, rh // 2)
            p.drawEllipse(QRectF(x + 3, y + (rh - d) / 2, d, d))
            p.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_text(
        self, p: QPainter, r: QRect, text: str, prefix: str, words: Any, s: dict[str, Any]
    ) -> None:
        cw = self.char_width
        if prefix:
            p.fillRect(r, self.pal.c[prefix])
        if "\t" in text:
            cols = _tab_columns(text)
            words = tuple((cols[a], cols[b]) for a, b in words if b < len(cols))
            text = text.expandtabs(TAB)
        p.save()
        p.setClipRect(r)
        lo = max(0, s["hoff"] // cw - 1)
        hi = min(len(text), lo + r.width() // cw + 3)
        # The visible part is laid out once, its runs coloured by format: glyphs are placed
        # by the same shaping that measures them, so runs can neither overlap nor part.
        layout = self._layout(p, text[lo:hi], lo, s["lexer"], text)
        line = layout.lineAt(0)
        origin = QPointF(r.x() + PAD - s["hoff"] + lo * self.advance, r.y() + 2)
        for a, b in words:
            if b > lo and a < hi:
                colour = self.pal.c[f"{prefix}_word" if prefix else "hatch"]
                xa = origin.x() + line.cursorToX(max(a, lo) - lo)[0]
                xb = origin.x() + line.cursorToX(min(b, hi) - lo)[0]
                p.fillRect(QRectF(xa, r.y() + 1, xb - xa, r.height() - 2), colour)
        p.setPen(self.pal.c["text"])
        layout.draw(p, origin)
        p.restore()

    def _layout(self, p: QPainter, part: str, lo: int, lexer: Any, text: str) -> QTextLayout:
        """Return `part` (text[lo:]) laid out on one line, each syntax run in its colour."""
        key = (text, lo, len(part), lexer, p.font().key())  # the lexer itself: ids are reused
        cached = self._layouts.get(key)
        if cached is not None:
            return cached
        if len(self._layouts) >= LAYOUT_CACHE:
            self._layouts.clear()  # scrolling far away: start afresh rather than track use
        layout = self._layouts[key] = self._new_layout(p, part, lo, lexer, text)
        return layout

    def _new_layout(self, p: QPainter, part: str, lo: int, lexer: Any, text: str) -> QTextLayout:
        layout = QTextLayout(part, p.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.NoWrap)
        layout.setTextOption(option)
        formats = []
        hi = lo + len(part)
        for a, b, family in self.syntax.spans(lexer, text):
            if b <= lo or a >= hi:
                continue
            run = QTextLayout.FormatRange()
            run.start, run.length = max(a, lo) - lo, min(b, hi) - max(a, lo)
            run.format = QTextCharFormat()
            run.format.setForeground(self.syntax.colours[family])
            formats.append(run)
        layout.setFormats(formats)
        layout.beginLayout()
        line = layout.createLine()
        line.setLineWidth(float(1 << 24))  # lays the line out; its ascent is known after
        line.setPosition(QPointF(0, self._ascent - 2 - line.ascent()))
        layout.endLayout()
        return layout

    def _paint_current(self, p: QPainter, row: Row, y: int, s: dict[str, Any]) -> None:
        p.setPen(self.pal.current_pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self._unified or row.kind is RowKind.HUNK:
            p.drawRect(0, y, s["width"] - 1, self.row_height - 1)
            return
        half = s["width"] // 2
        x0, w = (0, half - 1) if s["side"] == "old" else (half, s["width"] - half - 1)
        p.drawRect(x0, y, w, self.row_height - 1)
