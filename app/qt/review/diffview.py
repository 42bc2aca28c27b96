"""One file's diff, side by side or unified: only the visible rows are painted, one scroll."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import (
    QFontDatabase,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.diff import (
    FileDiff,
    FileStatus,
    Row,
    RowKind,
    find_row,
    unified_rows,
    word_spans,
)
from app.core.task import CommentThread
from app.qt.review.commentsview import CommentEditorView
from app.qt.review.diffpaint import Palette, RowPainter
from app.qt.review.syntax import SyntaxColours, lexer_for
from app.qt.review.threadview import CommentThreadView, ThreadLayer

Spans = tuple[tuple[int, int], ...]
WordSpans = Callable[[str, str], tuple[Spans, Spans]]
UnifiedRows = Callable[[FileDiff], tuple[Row, ...]]
THREAD_MIN_WIDTH = 280  # a side narrower than this gets its threads across the whole view
MAX_WORD_CHARS = 2000  # longer CHANGE lines get no word highlight
WORD_CACHE = 4096


ONE_SIDED = frozenset({FileStatus.ADDED, FileStatus.DELETED})


class _PlaceholderView(QFrame):
    """What the view shows instead of rows: a file too big or binary, loading, or an error."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = QPushButton("Load anyway", self)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.label)
        box.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(1)


class DiffView(QAbstractScrollArea):
    """Paints a FileDiff's rows; clicks on a line number or `c` start a comment there."""

    comment_saved = Signal(int, str, str)  # row, side ("old" or "new"), text
    more_context_requested = Signal()
    load_anyway_requested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        word_spans: WordSpans = word_spans,
        unified_rows: UnifiedRows = unified_rows,
    ) -> None:
        super().__init__(parent)
        self._word_spans_fn, self._unified_rows_fn = word_spans, unified_rows
        self._words: OrderedDict[tuple[str, str], tuple[Spans, Spans]] = OrderedDict()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.syntax = SyntaxColours(dark=self._dark())
        self._painter = RowPainter(self.fontMetrics(), Palette(self._dark()), self.syntax)
        self._diff: FileDiff | None = None
        self._rows: tuple[Row, ...] = ()
        self._hunk_rows: list[int] = []
        self._unified = False
        self._lexer: Any | None = None
        self._current, self._side = -1, "new"
        self._marks: dict[str, set[int]] = {"old": set(), "new": set()}
        self._editing: tuple[int, str] | None = None
        # The hunks are git's own (3 lines of context, whitespace counted): one can be dropped.
        self.usual_hunks = True
        self._threads = ThreadLayer(self.viewport(), self._lay_out_threads)
        self._laid_width = -1  # the width the threads were laid out for
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.placeholder = _PlaceholderView(self.viewport())
        self.placeholder.button.clicked.connect(self.load_anyway_requested)
        self.placeholder.hide()
        self.editor = CommentEditorView(self.viewport())
        self.editor.hide()
        self.editor.saved.connect(self._on_editor_saved)
        self.editor.cancelled.connect(self._on_editor_cancelled)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.horizontalScrollBar().valueChanged.connect(self._on_scrolled)

    # what is shown

    def set_diff(self, diff: FileDiff | None) -> None:
        """Show `diff` from its top; its placeholder instead of rows when it has one."""
        self._diff = diff
        self._lexer = lexer_for(diff.entry.path) if diff is not None else None
        self._current, self._editing = -1, None
        self.editor.hide()
        self._set_rows()
        self.verticalScrollBar().setValue(0)
        self.horizontalScrollBar().setValue(0)
        if diff is not None and diff.placeholder:
            self._show_placeholder(diff.placeholder, load_anyway=True)
        else:
            self.placeholder.hide()

    def show_message(self, text: str) -> None:
        """Show `text` (loading, an error) instead of any rows."""
        self._diff, self._rows, self._hunk_rows = None, (), []
        self.editor.hide()
        self._lay_out_threads()
        self._show_placeholder(text, load_anyway=False)

    def diff(self) -> FileDiff | None:
        """Return the diff shown, if any."""
        return self._diff

    def set_unified(self, unified: bool) -> None:
        """Show one text column (True) or old and new side by side (False)."""
        if unified != self._unified:
            self._unified = unified
            self._current, self._editing = -1, None
            self.editor.hide()
            self._set_rows()

    def is_unified(self) -> bool:
        """Say whether the view shows one text column."""
        return self._unified

    def set_comment_marks(self, old: set[int], new: set[int]) -> None:
        """Mark these old and new line numbers as commented."""
        self._marks = {"old": set(old), "new": set(new)}
        self.viewport().update()

    def set_threads(self, threads: list[tuple[str, int, CommentThread]]) -> None:
        """Show these comment threads (side, line, thread) of the file under their lines."""
        self._threads.set_threads(threads)
        self._lay_out_threads()

    def set_threads_shown(self, shown: bool) -> None:
        """Show the comment threads under their lines (True) or only their marks (False)."""
        self._threads.shown = shown
        self._lay_out_threads()

    def threads_shown(self) -> bool:
        """Say whether comment threads show under their lines."""
        return self._threads.shown

    def thread_views(self) -> list[CommentThreadView]:
        """Return the thread boxes of the file shown, shown or not."""
        return self._threads.thread_views()

    def _lay_out_threads(self, keep_top: bool = True) -> None:
        """Size the room under each commented row; keep the top row in place if asked."""
        top = self.first_visible_row()
        self._threads.lay_out(self._rows, self._thread_column, self.row_height())
        self._laid_width = self.viewport().width()
        self._update_scrollbars()
        if keep_top and self._rows:
            self.verticalScrollBar().setValue(self._threads.gaps.display(top))
        self._threads.place(self._top_unit(), self.row_height(), self.viewport().height())
        self.viewport().update()

    def _thread_column(self, side: str) -> tuple[int, int]:
        width = self.viewport().width()
        x, w = self._painter.text_column(side, width)
        if w < THREAD_MIN_WIDTH:
            x, w = self._painter.text_column("old", width)[0], width
            w -= x
        return x + 4, max(120, min(w - 12, 900))

    def _set_rows(self) -> None:
        diff = self._diff
        rows: tuple[Row, ...] = ()
        one_side = self._one_side()
        if diff is not None and not diff.placeholder:
            rows = self._unified_rows_fn(diff) if self._unified or one_side else diff.rows
        self._rows = rows
        self._hunk_rows = [i for i, r in enumerate(rows) if r.kind is RowKind.HUNK]
        self._set_painter_rows()
        self._lay_out_threads(keep_top=False)

    def _one_side(self) -> bool:
        """Say whether the file exists on one side only: added or deleted, shown at full width."""
        return self._diff is not None and self._diff.entry.status in ONE_SIDED

    def _set_painter_rows(self) -> None:
        one_side = self._one_side()
        hunks = self._diff.hunks if self._diff else ()
        self._painter.set_rows(self._rows, self._unified or one_side, hunks, single=one_side)

    def _show_placeholder(self, text: str, load_anyway: bool) -> None:
        self.placeholder.label.setText(text)
        self.placeholder.button.setVisible(load_anyway)
        self.placeholder.setGeometry(self.viewport().rect())
        self.placeholder.show()

    # rows, for the window and for tests

    def row_count(self) -> int:
        """Return how many rows the current mode shows."""
        return len(self._rows)

    def row(self, index: int) -> Row:
        """Return row `index` as shown."""
        return self._rows[index]

    def row_height(self) -> int:
        """Return the fixed height of one row in pixels."""
        return self._painter.row_height

    def first_visible_row(self) -> int:
        """Return the index of the top row in sight."""
        return self._threads.gaps.first_row(self._top_unit())

    def visible_rows(self) -> range:
        """Return the indexes of the rows in sight."""
        last = self._threads.gaps.locate(self._top_unit() + self._page())[0]
        return range(self.first_visible_row(), min(len(self._rows), last + 1))

    def _top_unit(self) -> int:
        """Return the display unit (a row or part of a thread's room) at the top."""
        return self.verticalScrollBar().value()

    def current_row(self) -> int:
        """Return the row the keyboard is on, or -1."""
        return self._current

    def current_hunk(self) -> int:
        """Return the index of the hunk the keyboard (or else the top of the view) is in."""
        at = self._current if self._current >= 0 else self.first_visible_row()
        if not 0 <= at < len(self._rows):
            return -1
        return self._rows[at].hunk

    def set_current_row(self, row: int, side: str | None = None) -> None:
        """Put the keyboard on `row` (and `side`) and bring it in sight."""
        if not self._rows:
            return
        self._current = max(0, min(row, len(self._rows) - 1))
        self._side = side or self._side
        self.ensure_visible(self._current)
        self.viewport().update()

    def ensure_visible(self, row: int, margin: int = 2) -> None:
        """Scroll so `row` is in sight, `margin` rows from the top when it was not."""
        bar, unit = self.verticalScrollBar(), self._threads.gaps.display(row)
        if unit < bar.value() or unit >= bar.value() + self._page():
            bar.setValue(unit - margin)

    def hunk_rows(self) -> list[int]:
        """Return the indexes of the hunk header rows as shown."""
        return list(self._hunk_rows)

    def next_hunk(self, backwards: bool = False) -> bool:
        """Move to the next (or previous) hunk; False when there is none that way."""
        at = self._current if self._current >= 0 else self.first_visible_row() - 1
        targets = [r for r in self._hunk_rows if (r < at if backwards else r > at)]
        if not targets:
            return False
        self.set_current_row(targets[-1] if backwards else targets[0])
        self.verticalScrollBar().setValue(self._threads.gaps.display(self._current) - 2)
        return True

    def line_at(self, row: int, side: str) -> tuple[int, str] | None:
        """Return the line number and text of `row` on `side`, or None for filler."""
        r = self._rows[row]
        if side == "old" and r.old_no is not None:
            return r.old_no, r.old_text or ""
        if side == "new" and r.new_no is not None:
            return r.new_no, r.new_text or ""
        return None

    def go_to_line(self, side: str, line: int, nearest: bool = False) -> bool:
        """Put the keyboard on `side`'s line `line` if it is shown (else, if `nearest`, on the
        shown line closest to it); False if there is none."""
        row = find_row(self._rows, "old" if side == "old" else "new", line)
        if row is None and nearest:
            row = self._nearest_row(side, line)
        if row is None:
            return False
        self.set_current_row(row, side)
        return True

    def _nearest_row(self, side: str, line: int) -> int | None:
        numbered = [
            (abs(no - line), i)
            for i, r in enumerate(self._rows)
            if (no := (r.old_no if side == "old" else r.new_no)) is not None
        ]
        return min(numbered)[1] if numbered else None

    def word_spans(self, old: str, new: str) -> tuple[Spans, Spans]:
        """Return the changed character ranges of a CHANGE row, cached."""
        key = (old, new)
        found = self._words.pop(key, None)
        if found is None:
            too_long = len(old) > MAX_WORD_CHARS or len(new) > MAX_WORD_CHARS
            found = ((), ()) if too_long else self._word_spans_fn(old, new)
            if len(self._words) >= WORD_CACHE:
                self._words.popitem(last=False)
        self._words[key] = found  # the most recently used last
        return found

    # comments

    def open_editor(self, row: int, side: str) -> bool:
        """Start a comment on `row`'s line on `side`; False if that side is filler."""
        line = self.line_at(row, side) if 0 <= row < len(self._rows) else None
        if line is None:
            return False
        self._editing = (row, side)
        self.set_current_row(row, side)
        self.editor.start(f"Comment on {side} line {line[0]}")
        self._place_editor()
        return True

    def _place_editor(self) -> None:
        if self._editing is None:
            return
        row, side = self._editing
        x, width = self._painter.text_column(side, self.viewport().width())
        y = (self._threads.gaps.display(row) - self._top_unit() + 1) * self.row_height()
        width = max(320, min(width, 640))
        self.editor.setGeometry(max(0, x), y, width, self.editor.height())

    def _on_editor_saved(self, text: str) -> None:
        if self._editing is not None:
            row, side = self._editing
            self._editing = None
            self.setFocus()
            self.comment_saved.emit(row, side, text)

    def _on_editor_cancelled(self) -> None:
        self._editing = None
        self.setFocus()

    # Qt

    def _dark(self) -> bool:
        return self.palette().base().color().lightness() < 128

    def _page(self) -> int:
        return max(1, self.viewport().height() // self._painter.row_height)

    def _update_scrollbars(self) -> None:
        v, h = self.verticalScrollBar(), self.horizontalScrollBar()
        page = self._page()
        v.setRange(0, max(0, self._threads.gaps.total(len(self._rows)) - page))
        v.setPageStep(page)
        v.setSingleStep(1)
        width = self.viewport().width()
        h.setRange(0, max(0, self._painter.content_width() - self._painter.text_width(width)))
        h.setPageStep(max(1, width // 2))
        h.setSingleStep(self._painter.char_width * 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self.viewport())
        try:
            self._painter.paint(p, self._paint_state(), event.rect())
        finally:
            p.end()

    def _paint_state(self) -> dict[str, Any]:
        return {
            "first": self._top_unit(),
            "gaps": self._threads.gaps,
            "width": self.viewport().width(),
            "hoff": self.horizontalScrollBar().value(),
            "current": self._current if self.hasFocus() or self._editing else -1,
            "side": self._side,
            "marks": self._marks,
            "lexer": self._lexer,
            "words": self.word_spans,
        }

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.viewport().width() != self._laid_width and self._threads.views:
            self._lay_out_threads()  # wrapped text: the threads' heights change
        else:
            self._update_scrollbars()
            self._place_threads()
        self.placeholder.setGeometry(self.viewport().rect())
        self._place_editor()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self.syntax = SyntaxColours(dark=self._dark())
            self._painter = RowPainter(self.fontMetrics(), Palette(self._dark()), self.syntax)
            self._set_painter_rows()
            self._lay_out_threads()  # the row height may have changed

    def _place_threads(self) -> None:
        self._threads.place(self._top_unit(), self.row_height(), self.viewport().height())

    def _on_scrolled(self, _value: int) -> None:
        self._place_editor()
        self._place_threads()
        self.viewport().update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        dx, dy = event.angleDelta().x(), event.angleDelta().y()
        if dx or event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - (dx or dy))
        else:
            self.verticalScrollBar().setValue(self._top_unit() - dy // 40)  # 3 rows a notch
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        hit = self._hit(event.position().toPoint())
        if hit is None:
            return
        row, side, in_gutter = hit
        if self._rows[row].kind is RowKind.HUNK:
            self.set_current_row(row)
            self.more_context_requested.emit()
        elif in_gutter:
            self.open_editor(row, side)
        else:
            self.set_current_row(row, side)

    def _hit(self, pos: QPoint) -> tuple[int, str, bool] | None:
        row, inside = self._threads.gaps.locate(self._top_unit() + pos.y() // self.row_height())
        if inside >= 0 or not 0 <= row < len(self._rows):  # the room of a thread
            return None
        side, in_gutter = self._painter.hit(pos.x(), self.viewport().width(), self._rows[row])
        return row, side, in_gutter

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, text = Qt.Key(event.key()), event.text()
        moves = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}
        pages = {Qt.Key.Key_PageDown: 1, Qt.Key.Key_PageUp: -1}
        if key in moves and not event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.set_current_row(max(0, self._current) + moves[key] if self._current >= 0 else 0)
        elif key in pages:
            self.set_current_row(max(0, self._current) + pages[key] * self._page())
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._on_side_key(key)
        elif text == "c" and self._current >= 0:
            self._comment_on_current()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._current >= 0:
            self._activate_current()
        else:
            super().keyPressEvent(event)

    def _on_side_key(self, key: int) -> None:
        if self._unified:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() + (-1 if key == Qt.Key.Key_Left else 1) * bar.singleStep())
        else:
            self._side = "old" if key == Qt.Key.Key_Left else "new"
            self.viewport().update()

    def _comment_on_current(self) -> None:
        first = self._side if not self._unified else "new"
        other = "old" if first == "new" else "new"
        if not self.open_editor(self._current, first):
            self.open_editor(self._current, other)

    def _activate_current(self) -> None:
        row = self._rows[self._current]
        if row.kind is RowKind.HUNK:
            self.more_context_requested.emit()
        else:
            self._comment_on_current()
