"""Search across every task's log (Ctrl+Shift+F): each hit listed with its task; click to jump."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.events import SearchHit
from app.core.naming import short_id

DEBOUNCE_MS = 250
_Index = QModelIndex | QPersistentModelIndex


class SearchHitModel(QAbstractTableModel):
    """The hits of one search as rows: task title, event kind, the matching line."""

    HEADERS = ("Task", "Kind", "Match")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []
        self._titles: list[str] = []

    def set_hits(self, hits: Sequence[SearchHit], titles: dict[str, str]) -> None:
        """Replace the rows; a task missing from `titles` shows its short id."""
        self.beginResetModel()
        self._hits = list(hits)
        self._titles = [titles.get(h.task_id) or short_id(h.task_id) for h in self._hits]
        self.endResetModel()

    def hit(self, row: int) -> SearchHit:
        """Return the hit shown in `row`."""
        return self._hits[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in _TEXT_ROLES:
            return None
        row, column = index.row(), index.column()
        if column == 0:
            return self._titles[row]
        hit = self._hits[row]
        return hit.kind if column == 1 else hit.snippet

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


_TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)


class LogSearchDialog(QDialog):
    """Asks for a search as the user types; shows the latest results; a row jumps to its event.

    The dialog does no I/O: the owner runs the search on `search_requested` and hands the
    hits back to `show_results`, which drops any that answer an older query.
    """

    search_requested = Signal(str)  # the query
    hit_activated = Signal(str, int)  # task id, event seq

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search all logs")
        self.setModal(False)
        self.resize(800, 480)
        self._requested: str | None = None
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Search every task's log")
        self.query.setClearButtonEnabled(True)
        self.query.textChanged.connect(self._on_query_text_changed)
        self.query.returnPressed.connect(self._on_query_return_pressed)
        self.model = SearchHitModel(self)
        self.table = self._build_table()
        self.status_label = QLabel(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.table)
        layout.addWidget(self.status_label)
        self._add_shortcuts()

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        rows = table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
        rows.hide()
        columns = table.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.resizeSection(0, 200)
        columns.resizeSection(1, 90)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.clicked.connect(self._on_table_clicked)
        return table

    def _add_shortcuts(self) -> None:
        keys = (
            (QKeySequence("Return"), self.table, self._on_activate_shortcut_activated),
            (QKeySequence("Enter"), self.table, self._on_activate_shortcut_activated),
            (QKeySequence("Down"), self.query, self._on_results_shortcut_activated),
        )
        for key, parent, slot in keys:
            shortcut = QShortcut(key, parent)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

    def show_results(
        self, query: str, hits: list[SearchHit], titles: dict[str, str], more: bool = False
    ) -> None:
        """Show the hits for `query` unless the user has typed since; `more`: hits were cut."""
        if query != self.query.text() or not query:
            return  # an answer to an older question
        self.model.set_hits(hits, titles)
        tasks = len({h.task_id for h in hits})
        count = f"{len(hits)}+" if more else str(len(hits))
        self.status_label.setText(
            f"{count} hit{'' if len(hits) == 1 else 's'} in {tasks} task{'' if tasks == 1 else 's'}"
        )
        if hits:
            self.table.selectRow(0)  # Enter in the table jumps to the first hit

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.query.setFocus()
        self.query.selectAll()

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
        self.model.set_hits([], {})
        self.status_label.clear()

    def _on_query_return_pressed(self) -> None:
        if self.query.text():
            self._request(self.query.text())  # Enter searches again: logs keep growing

    def _on_timer_timeout(self) -> None:
        text = self.query.text()
        if text and text != self._requested:
            self._request(text)

    def _on_table_clicked(self, index: QModelIndex) -> None:
        self._activate(index)

    def _on_activate_shortcut_activated(self) -> None:
        self._activate(self.table.currentIndex())

    def _on_results_shortcut_activated(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)

    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            hit = self.model.hit(index.row())
            self.hit_activated.emit(hit.task_id, hit.seq)
