"""Search across every task's log (Ctrl+Shift+F), as a panel docked under the log.

Hits are grouped by task (its title and state), each snippet with the match highlighted;
Enter or a double-click jumps to the event in its task's log, and the panel stays where it
is, beside the log rather than over it. The panel does no I/O: its owner runs the search on
`search_requested` and hands the hits back to `show_results`, which drops stale answers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFont,
    QKeySequence,
    QPainter,
    QPalette,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.core.events import SearchHit
from app.core.naming import short_id

DEBOUNCE_MS = 250
TASK_ROLE = Qt.ItemDataRole.UserRole + 1
SEQ_ROLE = Qt.ItemDataRole.UserRole + 2
HTML_ROLE = Qt.ItemDataRole.UserRole + 3
_Index = QModelIndex | QPersistentModelIndex


def highlighted(snippet: str, query: str, mark: str) -> str:
    """Return `snippet` as HTML with each match of `query` (any case) bold, styled `mark` (CSS)."""
    if not query:
        return html.escape(snippet)
    parts = re.split(f"({re.escape(query)})", snippet, flags=re.IGNORECASE)
    return "".join(
        f'<b style="{mark}">{html.escape(p)}</b>' if i % 2 else html.escape(p)
        for i, p in enumerate(parts)
    )


class SnippetDelegate(QStyledItemDelegate):
    """Paints a hit's snippet from its HTML (the match marked); task rows as usual."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        text = index.data(HTML_ROLE)
        if not text:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        doc = QTextDocument()
        doc.setDefaultFont(opt.font)
        doc.setDocumentMargin(0)
        doc.setHtml(f'<span style="color:{opt.palette.color(role).name()}">{text}</span>')
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        painter.save()
        painter.translate(rect.left(), rect.top() + (rect.height() - doc.size().height()) / 2)
        painter.setClipRect(0, 0, rect.width(), rect.height())
        doc.drawContents(painter)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 6))


class LogSearchPanel(QDockWidget):
    """Asks for a search as the user types; shows the latest results by task; jumps to a hit."""

    search_requested = Signal(str)  # the query
    hit_activated = Signal(str, int)  # task id, event seq

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Search all logs", parent)
        self.setObjectName("search_panel")  # saveState() needs a name
        self._requested: str | None = None
        body = QWidget(self)
        self.query = QLineEdit(body)
        self.query.setPlaceholderText("Search every task's log (Enter searches again)")
        self.query.setClearButtonEnabled(True)
        self.query.textChanged.connect(self._on_query_text_changed)
        self.query.returnPressed.connect(self._on_query_return_pressed)
        self.model = QStandardItemModel(self)
        self.tree = self._build_tree(body)
        self.status_label = QLabel(body)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        box = QVBoxLayout(body)
        box.setContentsMargins(6, 4, 6, 4)
        box.addWidget(self.query)
        box.addWidget(self.tree, 1)
        box.addWidget(self.status_label)
        self.setWidget(body)
        self._add_shortcuts()

    def _build_tree(self, parent: QWidget) -> QTreeView:
        tree = QTreeView(parent)
        tree.setModel(self.model)
        tree.setHeaderHidden(True)
        tree.setUniformRowHeights(True)
        tree.setItemDelegate(SnippetDelegate(tree))
        tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.doubleClicked.connect(self._on_tree_double_clicked)
        return tree

    def _add_shortcuts(self) -> None:
        keys = (
            ("Return", self.tree, self._on_activate_shortcut_activated),
            ("Enter", self.tree, self._on_activate_shortcut_activated),
            ("Down", self.query, self._on_results_shortcut_activated),
        )
        for key, parent, slot in keys:
            shortcut = QShortcut(QKeySequence(key), parent)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

    def open(self) -> None:
        """Show the panel and put the cursor in its query."""
        self.show()
        self.raise_()
        self.query.setFocus()
        self.query.selectAll()

    def show_results(
        self,
        query: str,
        hits: Sequence[SearchHit],
        tasks: dict[str, tuple[str, str]],
        more: bool = False,
    ) -> None:
        """Show the hits for `query` by task unless the user has typed since.

        `tasks` maps a task id to its title and state label; `more`: the hits were cut.
        """
        if query != self.query.text() or not query:
            return  # an answer to an older question
        self.model.clear()
        mark = self._mark_colour()
        groups: dict[str, QStandardItem] = {}
        for hit in hits:
            group = groups.get(hit.task_id)
            if group is None:
                group = groups[hit.task_id] = self._group(hit.task_id, tasks)
            row = QStandardItem(hit.snippet)
            row.setData(highlighted(hit.snippet, query, mark), HTML_ROLE)
            row.setData(hit.task_id, TASK_ROLE)
            row.setData(hit.seq, SEQ_ROLE)
            row.setToolTip(f"{hit.kind}: {hit.snippet}")
            group.appendRow(row)
        for group in groups.values():
            group.setText(f"{group.text()}  ({group.rowCount()})")
        self.tree.expandAll()
        self._say_count(len(hits), len(groups), more)
        if hits:
            self.tree.setCurrentIndex(self.model.index(0, 0, self.model.index(0, 0)))

    def _group(self, task_id: str, tasks: dict[str, tuple[str, str]]) -> QStandardItem:
        title, state = tasks.get(task_id, (short_id(task_id), ""))
        item = QStandardItem(f"{title} — {state}" if state else title)
        font = QFont(self.font())
        font.setBold(True)
        item.setFont(font)
        item.setData(task_id, TASK_ROLE)
        self.model.appendRow(item)
        return item

    def _mark_colour(self) -> str:
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        # Its own ink, so a match stays readable on a selected row's highlight too.
        return (
            "background-color:#7a6400;color:#ffffff"
            if dark
            else "background-color:#ffe58a;color:#1f2328"
        )

    def _say_count(self, hits: int, tasks: int, more: bool) -> None:
        count = f"{hits}+" if more else str(hits)
        self.status_label.setText(
            f"{count} hit{'' if hits == 1 else 's'} in {tasks} task{'' if tasks == 1 else 's'}"
        )

    def results(self) -> list[tuple[str, list[str]]]:
        """Return what is shown: each task's heading and its snippets, top to bottom."""
        out = []
        for g in range(self.model.rowCount()):
            group = self.model.item(g)
            out.append((group.text(), [group.child(r).text() for r in range(group.rowCount())]))
        return out

    def hits(self) -> list[tuple[str, int, str]]:
        """Return every hit shown as (task id, seq, snippet), top to bottom."""
        return [
            (
                self.model.item(g).child(r).data(TASK_ROLE),
                self.model.item(g).child(r).data(SEQ_ROLE),
                s,
            )
            for g, (_, snippets) in enumerate(self.results())
            for r, s in enumerate(snippets)
        ]

    def _request(self, query: str) -> None:
        self._timer.stop()
        self._requested = query
        self.status_label.setText("searching…")
        self.search_requested.emit(query)

    def _on_query_text_changed(self, text: str) -> None:
        if text:
            self._timer.start()
            return
        self._timer.stop()
        self._requested = None
        self.model.clear()
        self.status_label.clear()

    def _on_query_return_pressed(self) -> None:
        if self.query.text():
            self._request(self.query.text())  # Enter searches again: logs keep growing

    def _on_timer_timeout(self) -> None:
        text = self.query.text()
        if text and text != self._requested:
            self._request(text)

    def _on_tree_double_clicked(self, index: QModelIndex) -> None:
        self._activate(index)

    def _on_activate_shortcut_activated(self) -> None:
        self._activate(self.tree.currentIndex())

    def _on_results_shortcut_activated(self) -> None:
        if self.model.rowCount():
            self.tree.setFocus()

    def _activate(self, index: QModelIndex) -> None:
        seq = index.data(SEQ_ROLE)
        if index.isValid() and seq is not None:
            self.hit_activated.emit(index.data(TASK_ROLE), seq)
