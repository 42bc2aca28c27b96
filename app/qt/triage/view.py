"""The Triage tab: project picker and filters over the report table, detail and dashboard."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.triage import OPEN_STATUSES, PRIORITIES, Report, ReportStatus
from app.qt.emptyhint import EmptyHintView
from app.qt.triage.clusters import TriageClustersView
from app.qt.triage.dashboard import TriageDashboardView
from app.qt.triage.detail import TriageDetailView
from app.qt.triage.model import (
    COLUMN_WIDTHS,
    OPTIONAL_COLUMNS,
    TriageColumn,
    TriageFilterModel,
    TriageModel,
)

ROW_HEIGHT = 22
NO_PROJECT_HINT = "No project yet: add a repository (File menu), then its reports show here."
NO_REPORTS_HINT = (
    "No reports yet. Ctrl+Shift+N captures one; the Triage menu pastes a list or imports "
    "a CSV, JSON file or GitHub issues."
)
NO_MATCH_HINT = "No report matches these filters: change or clear them above."
_VIM_KEYS = {Qt.Key.Key_J: Qt.Key.Key_Down, Qt.Key.Key_K: Qt.Key.Key_Up}
_PRIORITY_KEYS = {Qt.Key.Key_0: "P0", Qt.Key.Key_1: "P1", Qt.Key.Key_2: "P2", Qt.Key.Key_3: "P3"}
_PICKER_KEYS = {Qt.Key.Key_C: "category", Qt.Key.Key_O: "owner", Qt.Key.Key_D: "duplicate"}
_CLUSTER_KEYS = {Qt.Key.Key_M: "merge", Qt.Key.Key_S: "split"}
# The status quick filter: its label and the statuses it shows (None: every status).
STATUS_FILTERS: tuple[tuple[str, frozenset[ReportStatus] | None], ...] = (
    ("Open", OPEN_STATUSES),
    ("New", frozenset({ReportStatus.NEW})),
    ("All statuses", None),
    *((s.label.capitalize(), frozenset({s})) for s in ReportStatus if s is not ReportStatus.NEW),
)


class TriageTableView(QTableView):
    """The report table; single keys triage the current report (see TriageView).

    Field keys (0-3, c, o) stay on the report so that several fields can be set; Space
    accepts it and moves on. Keys that close it (x, d, m) move on at once.
    """

    priority_pressed = Signal(str)
    picker_pressed = Signal(str)
    wontfix_pressed = Signal()
    open_pressed = Signal()
    accept_pressed = Signal()
    next_pressed = Signal()
    cluster_pressed = Signal(str)  # "merge" or "split"

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """j/k move; 0-3 priority; c, o, d pickers; x won't fix; Space next; m/s clusters."""
        key = Qt.Key(event.key())
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        shift = mods & Qt.KeyboardModifier.ShiftModifier
        if mods & ~Qt.KeyboardModifier.ShiftModifier:
            super().keyPressEvent(event)
        elif key in _VIM_KEYS:
            super().keyPressEvent(QKeyEvent(QEvent.Type.KeyPress, _VIM_KEYS[key], shift))
        elif key in _PRIORITY_KEYS and not shift:
            self.priority_pressed.emit(_PRIORITY_KEYS[key])
        elif key in _PICKER_KEYS and not shift:
            self.picker_pressed.emit(_PICKER_KEYS[key])
        elif key == Qt.Key.Key_X and not shift:
            self.wontfix_pressed.emit()
        elif key == Qt.Key.Key_A and not shift:
            self.accept_pressed.emit()
        elif key == Qt.Key.Key_Space and not shift:
            self.next_pressed.emit()
        elif key in _CLUSTER_KEYS and not shift:
            self.cluster_pressed.emit(_CLUSTER_KEYS[key])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_pressed.emit()
        else:
            super().keyPressEvent(event)


class TriageView(QWidget):
    """Reports of one project; the controller does the work behind every signal."""

    project_changed = Signal(str)
    selection_changed = Signal(list)
    refresh_toggled = Signal(bool)

    def __init__(self, model: TriageModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model or TriageModel(self)
        self.proxy = TriageFilterModel(self.model, self)
        self.table = TriageTableView()
        self.detail = TriageDetailView()
        self.dashboard = TriageDashboardView()
        self.clusters = TriageClustersView()
        self.side = QTabWidget()
        self.projects = QComboBox()
        self.filter = QLineEdit()
        self.status_filter = QComboBox()
        self.priority_filter = QComboBox()
        self.refresh = QCheckBox("Refresh every 60 s")
        self.status_line = QLabel()
        self._build_table()
        self._build_bar()
        self._build_layout()
        self.empty_hint = EmptyHintView(self.table)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved):
            signal.connect(self._show_hint)
        self.proxy.modelReset.connect(self._show_hint)
        self.proxy.layoutChanged.connect(self._show_hint)
        self._show_hint()

    def _build_table(self) -> None:
        t = self.table
        t.setModel(self.proxy)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSortingEnabled(True)
        t.sortByColumn(TriageColumn.ID, Qt.SortOrder.AscendingOrder)
        t.setWordWrap(False)
        t.setAlternatingRowColors(True)
        t.verticalHeader().setVisible(False)
        t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        t.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(COLUMN_WIDTHS):
            t.setColumnWidth(column, width)
        header.setSectionResizeMode(TriageColumn.TITLE, QHeaderView.ResizeMode.Stretch)
        t.selectionModel().selectionChanged.connect(self._on_selection_changed)
        t.selectionModel().currentRowChanged.connect(self._on_current_row_changed)

    def _build_bar(self) -> None:
        self.projects.currentTextChanged.connect(self._on_projects_text_changed)
        self.filter.setPlaceholderText("Filter title, body, reporter, owner   (/)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.set_text)
        for label, _ in STATUS_FILTERS:
            self.status_filter.addItem(label)
        self.status_filter.currentIndexChanged.connect(
            lambda n: self.proxy.set_statuses(STATUS_FILTERS[n][1])
        )
        self.proxy.set_statuses(STATUS_FILTERS[0][1])
        self.priority_filter.addItems(["Any priority", *PRIORITIES, "No priority"])
        self.priority_filter.currentIndexChanged.connect(self._on_priority_filter_changed)
        self.refresh.toggled.connect(self.refresh_toggled)

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        self.project_label = QLabel("Project")
        for widget in (self.project_label, self.projects):
            bar.addWidget(widget)
        bar.addWidget(self.filter, 1)
        for widget in (self.status_filter, self.priority_filter, self.refresh):
            bar.addWidget(widget)
        self.side.setDocumentMode(True)
        self.side.addTab(self.detail, "Report")
        self.side.addTab(self.clusters, "Clusters")
        self.side.addTab(self.dashboard, "Dashboard")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([980, 400])
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 2)
        box.addLayout(bar)
        box.addWidget(self.splitter, 1)
        box.addWidget(self.status_line)

    def _show_hint(self) -> None:
        if self.proxy.rowCount():
            self.empty_hint.show_hint(None)
        elif not self.model.rowCount():
            self.empty_hint.show_hint(NO_REPORTS_HINT if self.projects.count() else NO_PROJECT_HINT)
        else:
            self.empty_hint.show_hint(NO_MATCH_HINT)

    # what the controller calls

    def set_projects(self, names: list[str], current: str | None) -> None:
        """Offer the projects; the picker shows only when there are several."""
        self.projects.blockSignals(True)
        self.projects.clear()
        self.projects.addItems(names)
        if current in names:
            self.projects.setCurrentText(current)
        self.projects.blockSignals(False)
        for widget in (self.project_label, self.projects):
            widget.setVisible(len(names) > 1)
        self._show_hint()

    def fit_columns(self) -> None:
        """Hide the optional columns no report fills, so that the title takes their width."""
        empty = self.model.empty_columns()
        for column in OPTIONAL_COLUMNS:
            self.table.setColumnHidden(column, column in empty)

    def project(self) -> str | None:
        """Return the project shown."""
        return self.projects.currentText() or None

    def set_refresh_seconds(self, seconds: int) -> None:
        """Say how often the live refresh runs."""
        self.refresh.setText(f"Refresh every {seconds} s")

    def selected_ids(self) -> list[int]:
        """Return the selected reports' ids, in view order."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [r.id for r in (self.proxy.report(row) for row in rows) if r is not None]

    def current_report(self) -> Report | None:
        """Return the report under the table's cursor."""
        index = self.table.currentIndex()
        return self.proxy.report(index.row()) if index.isValid() else None

    def select_report(self, report_id: int) -> bool:
        """Select one report and scroll to it; clear the filters if it is hidden."""
        row = self.model.row_of(report_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.clear_filters()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self._select_index(index)
        return True

    def clear_filters(self) -> None:
        """Show every report."""
        self.filter.clear()
        self.status_filter.setCurrentIndex(2)
        self.priority_filter.setCurrentIndex(0)

    def advance(self, skip: Iterable[int] = ()) -> None:
        """Move the cursor to the next new (untriaged) report below, else the next row."""
        skip = set(skip)
        start = self.table.currentIndex().row()
        count = self.proxy.rowCount()
        for step in range(1, count + 1):
            report = self.proxy.report((start + step) % count)
            if report is not None and report.status is ReportStatus.NEW and report.id not in skip:
                self._select_index(self.proxy.index((start + step) % count, 0))
                return
        if start + 1 < count:
            self._select_index(self.proxy.index(start + 1, 0))

    def _select_index(self, index: QModelIndex) -> None:
        flags = QItemSelectionModel.SelectionFlag
        self.table.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
        self.table.scrollTo(index)

    def focus_filter(self) -> None:
        """Put the cursor in the filter line."""
        self.filter.setFocus()
        self.filter.selectAll()

    # slots

    def _on_projects_text_changed(self, name: str) -> None:
        if name:
            self.project_changed.emit(name)

    def _on_priority_filter_changed(self, n: int) -> None:
        values = [None, *PRIORITIES, "none"]
        self.proxy.set_priority(values[n])

    def _on_selection_changed(self, *_: object) -> None:
        self.selection_changed.emit(self.selected_ids())

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        report = self.proxy.report(current.row()) if current.isValid() else None
        if report is not None:
            self.model.unmark(report.id)
