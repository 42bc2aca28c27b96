"""Bug-bash reports as a flat table model, updated by row, and its filter."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from app.core.states import TaskState
from app.core.triage import OPEN_STATUSES, Report, ReportStatus

AnyIndex = QModelIndex | QPersistentModelIndex
REPORT_ROLE = Qt.ItemDataRole.UserRole + 1
REPORT_ID_ROLE = Qt.ItemDataRole.UserRole + 2
FRESH_SECONDS = 60.0  # how long a report that arrived on refresh stays highlighted
_DISPLAY = Qt.ItemDataRole.DisplayRole


class TriageColumn(IntEnum):
    ID, TITLE, REPORTER, CREATED, SOURCE, CATEGORY, PRIORITY, OWNER, STATUS, TASKS, DUPLICATE = (
        range(11)
    )


COLUMN_TITLES = (
    "#",
    "Title",
    "Reporter",
    "Created",
    "Source",
    "Category",
    "Priority",
    "Owner",
    "Status",
    "Tasks",
    "Dup of",
)
# Columns hidden while no report fills them: an empty column would take the title's width.
OPTIONAL_COLUMNS = (TriageColumn.REPORTER, TriageColumn.TASKS, TriageColumn.DUPLICATE)
COLUMN_WIDTHS = (40, 320, 70, 92, 60, 84, 52, 64, 72, 110, 52)
PRIORITY_COLORS = {
    "P0": ("#cf222e", "#ffffff"),
    "P1": ("#fb8500", "#ffffff"),
    "P2": ("#f2cc60", "#1f2328"),
    "P3": ("#d0d7de", "#1f2328"),
}
# Brushes made once: data() is asked for every visible cell on every repaint.
_PRIORITY_BRUSHES = {
    p: (QBrush(QColor(bg)), QBrush(QColor(fg))) for p, (bg, fg) in PRIORITY_COLORS.items()
}
_FRESH_TINT = QBrush(QColor("#ddf4ff"))
_CLOSED_TEXT = QBrush(QColor("#8c959f"))
_TASK_MARK = {
    TaskState.QUEUED: "queued",
    TaskState.PREPARING: "starting",
    TaskState.RUNNING: "running",
    TaskState.NEEDS_INPUT: "needs you",
    TaskState.PAUSED: "paused",
    TaskState.SUCCEEDED: "ready",
    TaskState.FAILED: "failed",
    TaskState.STOPPED: "stopped",
    TaskState.INTERRUPTED: "interrupted",
    TaskState.MERGED: "merged",
    TaskState.DISCARDED: "discarded",
}


def created_text(when: float, now: float) -> str:
    """Return '12:04' for today, else 'Mar 3 12:04'."""
    local, today = time.localtime(when), time.localtime(now)
    if local[:3] == today[:3]:
        return time.strftime("%H:%M", local)
    return time.strftime("%b %d %H:%M", local)


def tasks_text(report: Report, states: Mapping[str, TaskState]) -> str:
    """Return the linked tasks with their states: 'a1b2c3 running, d4e5 ready'."""
    parts = []
    for task_id in report.tasks:
        state = states.get(task_id)
        parts.append(f"{task_id[:6]} {_TASK_MARK.get(state, '?') if state else ''}".strip())
    return ", ".join(parts)


def _sort_key(column: TriageColumn) -> Callable[[Report], Any]:
    text = {
        TriageColumn.TITLE: lambda r: r.title.casefold(),
        TriageColumn.REPORTER: lambda r: r.reporter.casefold(),
        TriageColumn.SOURCE: lambda r: r.source,
        TriageColumn.CATEGORY: lambda r: (r.category is None, r.category or ""),
        TriageColumn.PRIORITY: lambda r: (r.priority is None, r.priority or ""),
        TriageColumn.OWNER: lambda r: (r.owner is None, r.owner or ""),
        TriageColumn.STATUS: lambda r: list(ReportStatus).index(r.status),
        TriageColumn.TASKS: lambda r: len(r.tasks),
        TriageColumn.DUPLICATE: lambda r: r.duplicate_of or 0,
        TriageColumn.CREATED: lambda r: r.created_at,
    }
    return text.get(column, lambda r: r.id)


class TriageModel(QAbstractTableModel):
    """One row per report; changes replace rows in place, new reports are appended."""

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.time):
        super().__init__(parent)
        self._clock = clock
        self._reports: list[Report] = []
        self._rows: dict[int, int] = {}
        self._states: dict[str, TaskState] = {}
        self._fresh: dict[int, float] = {}  # report id -> when its highlight ends
        self._bold = QFont()
        self._bold.setBold(True)

    # reading

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Return the number of reports (none under a row)."""
        return 0 if parent.isValid() else len(self._reports)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Return the number of columns."""
        return 0 if parent.isValid() else len(TriageColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        """Return the column titles."""
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return COLUMN_TITLES[section]
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        """Return what a cell shows, its colours, or the row's report."""
        if not index.isValid() or index.row() >= len(self._reports):
            return None
        report = self._reports[index.row()]
        if role == _DISPLAY:
            return self._text(report, TriageColumn(index.column()))
        if role == REPORT_ROLE:
            return report
        if role == REPORT_ID_ROLE:
            return report.id
        return self._style(report, index.column(), role)

    def _text(self, r: Report, column: TriageColumn) -> str:
        if column is TriageColumn.ID:
            return str(r.id)
        if column is TriageColumn.TITLE:
            return r.title
        if column is TriageColumn.REPORTER:
            return r.reporter
        if column is TriageColumn.CREATED:
            return created_text(r.created_at, self._clock())
        if column is TriageColumn.SOURCE:
            return r.source
        if column is TriageColumn.STATUS:
            return r.status.label
        if column is TriageColumn.TASKS:
            return tasks_text(r, self._states)
        if column is TriageColumn.DUPLICATE:
            return f"#{r.duplicate_of}" if r.duplicate_of else ""
        return getattr(r, column.name.lower()) or ""  # category, priority, owner

    def _style(self, r: Report, column: int, role: int) -> Any:
        R = Qt.ItemDataRole
        brushes = _PRIORITY_BRUSHES.get(r.priority or "")
        if (
            column == TriageColumn.PRIORITY
            and brushes
            and role in (R.BackgroundRole, R.ForegroundRole)
        ):
            return brushes[0 if role == R.BackgroundRole else 1]
        if role == R.TextAlignmentRole and column == TriageColumn.PRIORITY:
            return Qt.AlignmentFlag.AlignCenter
        if role == R.TextAlignmentRole and column == TriageColumn.ID:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        fresh = r.id in self._fresh
        if role == R.FontRole and fresh:
            return self._bold
        if role == R.BackgroundRole and fresh:
            return _FRESH_TINT
        if role == R.ForegroundRole and r.status not in OPEN_STATUSES:
            return _CLOSED_TEXT
        if role == R.ToolTipRole and column == TriageColumn.TITLE:
            return r.title
        return None

    def report_at(self, row: int) -> Report | None:
        """Return the report in `row` of this model."""
        return self._reports[row] if 0 <= row < len(self._reports) else None

    def report(self, report_id: int) -> Report | None:
        """Return the report with this id, if shown."""
        row = self._rows.get(report_id)
        return None if row is None else self._reports[row]

    def reports(self) -> list[Report]:
        """Return every report, in model order."""
        return list(self._reports)

    def row_of(self, report_id: int) -> int:
        """Return the row of a report, -1 when it is not here."""
        return self._rows.get(report_id, -1)

    def empty_columns(self) -> set[TriageColumn]:
        """Return the optional columns no report fills (they give their width to the title)."""
        empty = set(OPTIONAL_COLUMNS)
        for r in self._reports:
            if r.reporter:
                empty.discard(TriageColumn.REPORTER)
            if r.tasks:
                empty.discard(TriageColumn.TASKS)
            if r.duplicate_of:
                empty.discard(TriageColumn.DUPLICATE)
            if not empty:
                break
        return empty

    def is_fresh(self, report_id: int) -> bool:
        """Return whether a report is highlighted as new."""
        return report_id in self._fresh

    # changing

    def set_reports(self, reports: Iterable[Report]) -> None:
        """Replace every report (one reset; for loading a project)."""
        self.beginResetModel()
        self._reports = list(reports)
        self._rows = {r.id: n for n, r in enumerate(self._reports)}
        self._fresh.clear()
        self.endResetModel()

    def upsert(self, reports: Iterable[Report], fresh: bool = False) -> list[Report]:
        """Refresh known reports row by row and append new ones; return the new ones."""
        new: list[Report] = []
        for report in reports:
            row = self._rows.get(report.id)
            if row is None:
                new.append(report)
            elif self._reports[row] != report:
                self._reports[row] = report
                self._row_changed(row)
        if new:
            first = len(self._reports)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, report in enumerate(new):
                self._reports.append(report)
                self._rows[report.id] = first + offset
            self.endInsertRows()
        if fresh and new:
            self.mark_fresh([r.id for r in new])
        return new

    def update_task_states(self, states: Mapping[str, TaskState]) -> None:
        """Show these linked tasks' states; refresh only rows whose tasks changed."""
        changed = {k for k, v in states.items() if self._states.get(k) != v}
        if not changed:
            return
        self._states.update(states)
        for row, report in enumerate(self._reports):
            if changed.intersection(report.tasks):
                index = self.index(row, TriageColumn.TASKS)
                self.dataChanged.emit(index, index, [_DISPLAY])

    def task_states(self) -> Mapping[str, TaskState]:
        """Return the last known state of every task, by id."""
        return self._states

    def mark_fresh(self, ids: Iterable[int]) -> None:
        """Highlight reports (that just arrived) for FRESH_SECONDS or until seen."""
        until = self._clock() + FRESH_SECONDS
        for report_id in ids:
            if report_id in self._rows:
                self._fresh[report_id] = until
                self._row_changed(self._rows[report_id])

    def unmark(self, report_id: int) -> None:
        """Stop highlighting a report (it was selected)."""
        if self._fresh.pop(report_id, None) is not None and report_id in self._rows:
            self._row_changed(self._rows[report_id])

    def renew_fresh(self) -> None:
        """Give the reports still marked their whole time again (the person looks now)."""
        until = self._clock() + FRESH_SECONDS
        self._fresh = dict.fromkeys(self._fresh, until)

    def expire_fresh(self) -> None:
        """Stop highlighting reports whose minute is up."""
        now = self._clock()
        for report_id in [k for k, v in self._fresh.items() if v <= now]:
            self.unmark(report_id)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the reports themselves (one Python sort, not a comparison per pair)."""
        self.layoutAboutToBeChanged.emit()
        before = [r.id for r in self._reports]
        descending = order == Qt.SortOrder.DescendingOrder
        self._reports.sort(key=_sort_key(TriageColumn(column)), reverse=descending)
        self._rows = {r.id: n for n, r in enumerate(self._reports)}
        moved_from, moved_to = [], []
        for index in self.persistentIndexList():
            if 0 <= index.row() < len(before):
                moved_from.append(index)
                moved_to.append(self.index(self._rows[before[index.row()]], index.column()))
        self.changePersistentIndexList(moved_from, moved_to)
        self.layoutChanged.emit()

    def _row_changed(self, row: int) -> None:
        last = len(TriageColumn) - 1
        self.dataChanged.emit(self.index(row, 0), self.index(row, last))


class TriageFilterModel(QSortFilterProxyModel):
    """Filters by text (title, body, reporter, owner), status and priority; sorts in the source."""

    def __init__(self, source: TriageModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.source = source
        self._words: list[str] = []
        self._statuses: frozenset[ReportStatus] | None = None
        self._priority: str | None = None  # "P0".."P3", "none" for unset, None for any

    def set_text(self, text: str) -> None:
        """Show only reports whose text contains every word of `text`."""
        self._refilter("_words", text.casefold().split())

    def set_statuses(self, statuses: Iterable[ReportStatus] | None) -> None:
        """Show only reports in these statuses (None: all)."""
        self._refilter("_statuses", None if statuses is None else frozenset(statuses))

    def set_priority(self, priority: str | None) -> None:
        """Show only reports of one priority ("none": unset; None: any)."""
        self._refilter("_priority", priority)

    def _refilter(self, name: str, value: Any) -> None:
        self.beginFilterChange()
        setattr(self, name, value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        """Return whether a report passes every filter."""
        report = self.source.report_at(source_row)
        if report is None:
            return False
        if self._statuses is not None and report.status not in self._statuses:
            return False
        if self._priority is not None and (report.priority or "none") != self._priority:
            return False
        if not self._words:
            return True
        hay = f"{report.title}\n{report.reporter}\n{report.owner or ''}\n{report.body}".casefold()
        return all(word in hay for word in self._words)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in the source model; this proxy keeps the source's order."""
        self.source.sort(column, order)

    def report(self, row: int) -> Report | None:
        """Return the report in a row of this proxy."""
        index = self.mapToSource(self.index(row, 0))
        return self.source.report_at(index.row()) if index.isValid() else None
