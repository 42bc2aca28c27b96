"""Comment threads under their lines: the comment, its state, and the agent's answer."""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from app.core.diff import Row, find_row
from app.core.task import Comment, CommentThread
from app.qt.review.richtext import markdown_html
from app.qt.review.rowgaps import RowGaps

ANSWER_LINES = 12  # an answer longer than this shows its start and "Show all"
PAD = 4  # pixels above and below a thread box
_EXPAND, _COLLAPSE = "orchard:expand", "orchard:collapse"


def comment_state(c: Comment) -> str:
    """Say where a comment stands: open (not sent yet), sent at a time, or dropped."""
    if c.dropped_at is not None:
        return f"dropped {_when(c.dropped_at)}"
    if c.sent_at is not None:
        return f"sent {_when(c.sent_at)}"
    return "open · not sent yet"


def _when(at: float) -> str:
    same_day = time.localtime(at)[:3] == time.localtime()[:3]
    return time.strftime("%H:%M" if same_day else "%d %b %H:%M", time.localtime(at))


class CommentThreadView(QFrame):
    """One comment under its line: where, its text, its state, and the agent's answer."""

    resized = Signal()  # the answer was expanded or collapsed: its height changed

    def __init__(self, thread: CommentThread, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thread")
        self.setStyleSheet(
            "#thread { background: palette(alternate-base); border: 1px solid palette(mid);"
            " border-left: 3px solid palette(highlight); border-radius: 4px; }"
        )
        self.thread, self.expanded = thread, False
        self.header = QLabel(self)
        self.text = QLabel(self)
        self.answer = QLabel(self)
        for label in (self.header, self.text, self.answer):
            label.setWordWrap(True)
        self.answer.setOpenExternalLinks(False)
        self.answer.linkActivated.connect(self._on_answer_link_activated)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 6, 8, 6)
        box.setSpacing(3)
        for label in (self.header, self.text, self.answer):
            box.addWidget(label)
        self.set_thread(thread)

    def set_thread(self, thread: CommentThread) -> None:
        """Show `thread` as it stands now."""
        self.thread = thread
        c = thread.comment
        side = " (old)" if c.side == "old" else ""
        dim = self.palette().color(self.palette().ColorRole.PlaceholderText).name()
        self.header.setText(
            f"<b><tt>{html.escape(c.where)}{side}</tt></b> "
            f'<span style="color:{dim};">· {html.escape(comment_state(c))}</span>'
        )
        self.text.setText(c.text)
        self.text.setTextFormat(self.text.textFormat().PlainText)
        self._show_answer()

    def _show_answer(self) -> None:
        t, dim = self.thread, self.palette().color(self.palette().ColorRole.PlaceholderText)
        note = f'<p style="color:{dim.name()}; margin:0;">{{}}</p>'
        if t.comment.sent_at is None:
            self.answer.setVisible(False)
            return
        self.answer.setVisible(True)
        if t.turn == 0:
            self.answer.setText(note.format("Waiting for the agent's turn…"))
            return
        if not t.answer:
            said = "The agent is answering…" if t.answering else "The agent's turn said nothing."
            self.answer.setText(note.format(said))
            return
        body, elided = markdown_html(t.answer, self.palette(), 0 if self.expanded else ANSWER_LINES)
        going = " (still answering)" if t.answering else ""
        title = note.format(f"Agent · turn {t.turn}{going}")
        more = ""
        if elided or self.expanded:
            link = (_COLLAPSE, "Show less") if self.expanded else (_EXPAND, "Show all")
            more = f'<p style="margin:0;"><a href="{link[0]}">{link[1]}</a></p>'
        self.answer.setText(title + body + more)

    def _on_answer_link_activated(self, link: str) -> None:
        if link in (_EXPAND, _COLLAPSE):
            self.expanded = link == _EXPAND
            self._show_answer()
            self.resized.emit()
        else:
            QDesktopServices.openUrl(QUrl(link))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.set_thread(self.thread)  # the answer's colours come from the palette


Column = Callable[[str], tuple[int, int]]  # a side's x and width in the viewport


class ThreadLayer:
    """The thread boxes of the file shown, placed under their rows; says how much room each
    row needs under it."""

    def __init__(self, parent: QWidget, on_resized: Callable[[], None]) -> None:
        self._parent, self._on_resized = parent, on_resized
        self.views: list[tuple[str, int, CommentThreadView]] = []  # side, line, box
        self.shown = True
        self.gaps = RowGaps()
        self._placed: list[tuple[int, int, int, int, CommentThreadView]] = []  # row, x, dy, w

    def set_threads(self, threads: list[tuple[str, int, CommentThread]]) -> None:
        """Hold boxes for these threads (side, line, thread); boxes are reused by comment."""
        old = {id_of(v.thread): v for _s, _l, v in self.views}
        self.views = []
        for side, line, thread in threads:
            view = old.pop(id_of(thread), None)
            if view is None:
                view = CommentThreadView(thread, self._parent)
                view.resized.connect(self._on_resized)
            elif view.thread != thread:
                view.set_thread(thread)
            self.views.append((side, line, view))
        for view in old.values():
            view.deleteLater()

    def lay_out(self, rows: tuple[Row, ...], column: Column, row_height: int) -> None:
        """Find each thread's row, stack the boxes of one row and side, and size the gaps."""
        stacks: dict[tuple[int, int], int] = {}  # (row, x): height so far
        self._placed = []
        for side, line, view in self.views:
            row = find_row(rows, side, line) if self.shown else None
            if row is None:
                view.hide()
                continue
            x, w = column(side)
            dy = stacks.get((row, x), PAD)
            height = (
                view.heightForWidth(w) if view.hasHeightForWidth() else view.sizeHint().height()
            )
            view.resize(w, height)
            self._placed.append((row, x, dy, w, view))
            stacks[(row, x)] = dy + height + PAD
        need: dict[int, int] = {}
        for (row, _x), bottom in stacks.items():
            need[row] = max(need.get(row, 0), math.ceil(bottom / row_height))
        self.gaps = RowGaps(need)

    def place(self, top_unit: int, row_height: int, view_height: int) -> None:
        """Move the boxes to their rows as scrolled to `top_unit`; hide those out of sight."""
        for row, x, dy, w, view in self._placed:
            y = (self.gaps.display(row) + 1 - top_unit) * row_height + dy
            seen = y < view_height and y + view.height() > 0
            if seen:
                view.setGeometry(x, y, w, view.height())
            view.setVisible(seen)

    def thread_views(self) -> list[CommentThreadView]:
        """Return the boxes, in the order of the threads given."""
        return [v for _s, _l, v in self.views]


def id_of(thread: CommentThread) -> int | None:
    """Return the id of the thread's comment."""
    return thread.comment.id
