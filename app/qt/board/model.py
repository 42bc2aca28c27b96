"""The task board as an item model: section rows with task rows under them, and its filter.

A best-of-N prompt's attempts are one row of a section with the attempts under it.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from functools import lru_cache
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont

from app.core.budget import BudgetSettings, budget_warning
from app.core.events import one_line
from app.core.states import ACTIVE_STATES, STATE_LABELS, TaskState, state_label
from app.core.task import Task
from app.core.tasktext import elapsed
from app.qt.board.attempts import (
    GROUP_KEY,
    attempt_title,
    attempts_line,
    attempts_title,
    group_key,
    launch_key,
    state_counts,
    total_usage,
)
from app.qt.icons import state_icon
from app.qt.tokens import state_colour

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_S = TaskState


class BoardGroup(IntEnum):
    NEEDS_YOU, RUNNING, QUEUED, REVIEW, ENDED, DONE = range(6)


class BoardColumn(IntEnum):
    TITLE, AGENT, ELAPSED, CHANGES, USAGE, EVENT = range(6)


class SortKey(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    TITLE = "title"
    AGENT = "agent"
    ELAPSED = "elapsed"


# Each group's title and the states it shows.
GROUPS: dict[BoardGroup, tuple[str, tuple[TaskState, ...]]] = {
    BoardGroup.NEEDS_YOU: (STATE_LABELS[_S.NEEDS_INPUT], (_S.NEEDS_INPUT, _S.PAUSED)),
    BoardGroup.RUNNING: (STATE_LABELS[_S.RUNNING], (_S.PREPARING, _S.RUNNING)),
    BoardGroup.QUEUED: (STATE_LABELS[_S.QUEUED], (_S.QUEUED,)),
    BoardGroup.REVIEW: (STATE_LABELS[_S.SUCCEEDED], (_S.SUCCEEDED,)),
    BoardGroup.ENDED: ("Failed / Stopped / Interrupted", (_S.FAILED, _S.STOPPED, _S.INTERRUPTED)),
    BoardGroup.DONE: ("Done", (_S.MERGED, _S.DISCARDED)),
}
_GROUP_OF_STATE = {state: group for group, (_, states) in GROUPS.items() for state in states}
COLUMN_TITLES = ("Task", "Agent", "Elapsed", "Changes", "Usage", "Last event")
SORT_TITLES = dict(
    zip(SortKey, ("Newest first", "Oldest first", "Title", "Agent", "Elapsed"), strict=True)
)
TICKING_GROUPS = (BoardGroup.NEEDS_YOU, BoardGroup.RUNNING)

TASK_ROLE = Qt.ItemDataRole.UserRole + 1
TASK_ID_ROLE = Qt.ItemDataRole.UserRole + 2
GROUP_ROLE = Qt.ItemDataRole.UserRole + 3
# A task cell's text, None on a group row: all a task cell's painting asks of the model.
CELL_ROLE = Qt.ItemDataRole.UserRole + 4
# The group id on an attempt group's row, None on any other row.
ATTEMPTS_ROLE = Qt.ItemDataRole.UserRole + 5
SORT_ROLES = {key: Qt.ItemDataRole.UserRole + 10 + n for n, key in enumerate(SortKey)}
_SORT_KEY_OF_ROLE = {role: key for key, role in SORT_ROLES.items()}
_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
NUMERIC_COLUMNS = frozenset((BoardColumn.ELAPSED, BoardColumn.CHANGES, BoardColumn.USAGE))
_COLUMNS = len(BoardColumn)
_GROUPS = len(BoardGroup)
_LAST_COLUMN = _COLUMNS - 1
_GROUP_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_TASK_FLAGS = _GROUP_FLAGS | Qt.ItemFlag.ItemNeverHasChildren
# Internal ids: 0 a section row, 1 + section a row in a section, _CHILD + the group's number
# an attempt under its group's row.
_CHILD = 16


def group_of(task: Task) -> BoardGroup:
    """Return the board group a task belongs in."""
    return _GROUP_OF_STATE.get(task.state, BoardGroup.ENDED)


def elapsed_seconds(task: Task, now: float) -> float:
    """Return how many seconds a task has run, 0 if it has not started."""
    return 0.0 if task.started_at is None else (task.finished_at or now) - task.started_at


def changes_text(task: Task) -> str:
    """Return the '+12 −3' line count of a task, or '' when nothing changed."""
    changed = task.insertions or task.deletions or task.files_changed
    return f"+{task.insertions} −{task.deletions}" if changed else ""


def usage_text(task: Task) -> str:
    """Return the cost of a task when known, else its token count, else ''."""
    if task.cost_usd is not None:
        return f"${task.cost_usd:.2f}" if task.cost_usd >= 1 else f"${task.cost_usd:.3f}"
    if task.tokens_in is None and task.tokens_out is None:
        return ""
    tokens = (task.tokens_in or 0) + (task.tokens_out or 0)
    if tokens < 1000:
        return f"{tokens} tok"
    return f"{tokens / 1000:.1f}k tok" if tokens < 1e6 else f"{tokens / 1e6:.1f}M tok"


def memory_text(size: int) -> str:
    """Return a process tree's memory as the board shows it ("312 MB", "1.2 GB")."""
    mb = size / 2**20
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def _changed_keys(old: Mapping[str, object], new: Mapping[str, object]) -> set[str]:
    """Return the keys added, removed or given another value."""
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


def event_text(task: Task, width: int = 200) -> str:
    """Return the last event of a task (its error when it failed), cut to `width`."""
    detail = task.error if task.state is _S.FAILED and task.error else task.last_event
    return one_line(detail or "", width)


# What each column shows of a task at time `now`, and each sort key's ascending value.
_CELLS: tuple[Callable[[Task, float], str], ...] = (
    lambda task, now: task.title,
    lambda task, now: task.agent,
    elapsed,
    lambda task, now: changes_text(task),
    lambda task, now: usage_text(task),
    lambda task, now: event_text(task),
)
# What the filter (_haystack) and the sort keys (_SORT_VALUES) read of a task.
_ORDER_FIELDS = ("title", "prompt", "branch", "agent", "created_at", "started_at", "finished_at")
_PROGRESS_COLUMN = BoardColumn.CHANGES
CELL_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.TextAlignmentRole,
]


def _group_cell(tasks: Sequence[Task], column: int) -> str:
    """Return what a column shows of an attempt group's row: it is one line, in the first."""
    return attempts_line(tasks, usage_text(total_usage(tasks))) if column == 0 else ""


_SORT_VALUES: dict[SortKey, Callable[[Task, float], float | str]] = {
    SortKey.NEWEST: lambda task, now: -task.created_at,
    SortKey.OLDEST: lambda task, now: task.created_at,
    SortKey.TITLE: lambda task, now: task.title.casefold(),
    SortKey.AGENT: lambda task, now: task.agent.casefold(),
    SortKey.ELAPSED: lambda task, now: -elapsed_seconds(task, now),
}


@dataclass(slots=True)
class _Change:
    """What a batch of snapshots changed beyond the rows it inserted or removed."""

    touched: set[int] = field(default_factory=set)  # sections whose count may have changed
    shown: dict[int, list[str]] = field(default_factory=dict)  # per parent, progress alone
    regroup: set[str] = field(default_factory=set)  # groups whose row to refresh or move


class BoardModel(QAbstractItemModel):
    """Tasks under fixed section rows; rows in a section keep insertion order (the proxy sorts).

    The attempts of one best-of-N prompt (two or more tasks sharing `Task.group`) are one
    row with the attempts under it, numbered in launch order. That row sits in the section
    of its attempt least far along, in the board's order: one needs you, else one runs,
    else one is queued, else one is ready for review, then ended, then done. A group is
    not done with until all its attempts are, and the section says what it waits on.
    """

    task_moving = Signal(str)
    task_moved = Signal(str)

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.time):
        super().__init__(parent)
        self._clock = clock
        self._asking: frozenset[str] = frozenset()  # tasks with a request waiting on a person
        self._clear()
        self._marks: dict[str, tuple[str, str]] = {}
        self._memory: dict[str, int] = {}
        self._budget = BudgetSettings()
        self._bold = QFont()
        self._bold.setBold(True)

    def set_tasks(self, tasks: Iterable[Task]) -> None:
        """Replace every task (one model reset; for the initial load)."""
        self.beginResetModel()
        self._clear()
        tasks = list(tasks)
        for task in tasks:
            self._tasks[task.id] = task
            if task.group:
                self._members.setdefault(task.group, []).append(task.id)
        for members in self._members.values():
            members.sort(key=lambda task_id: launch_key(self._tasks[task_id]))
        for task in tasks:
            group = task.group or ""
            members = self._members.get(group, [])
            if len(members) < 2:
                self._place(task.id, self._group_of(task))
            elif members[0] == task.id:
                self._number(group)
                self._place(group_key(group), self._section_of(members))
        self.endResetModel()

    def update_task(self, task: Task) -> None:
        """Insert a task, move it to its new section, or refresh its row."""
        self.update_tasks([task])

    def update_tasks(self, tasks: Iterable[Task]) -> None:
        """Apply several task snapshots, refreshing each touched header and group row once."""
        change = _Change()
        for task in tasks:
            self._apply(task, change)
        self._finish(change)

    def set_asking(self, task_ids: Iterable[str]) -> None:
        """Put the tasks whose agents wait on a person in Needs you (and the rest back)."""
        asking = frozenset(task_ids)
        moved = (asking ^ self._asking) & self._tasks.keys()
        self._asking = asking
        if moved:
            self.update_tasks([self._tasks[task_id] for task_id in moved])

    def asking(self) -> frozenset[str]:
        """Return the tasks whose agents wait on a person."""
        return self._asking

    def _waits(self, task: Task) -> bool:
        """Say whether `task`'s running agent waits on a person's answer."""
        return task.id in self._asking and task.state in ACTIVE_STATES

    def _group_of(self, task: Task) -> BoardGroup:
        return BoardGroup.NEEDS_YOU if self._waits(task) else group_of(task)

    def remove_task(self, task_id: str) -> bool:
        """Remove a task; return False when it is not on the board."""
        if task_id not in self._tasks:
            return False
        change = _Change()
        self._remove(task_id, change)
        self._finish(change)
        return True

    def refresh_elapsed(self) -> None:
        """Tell views that the elapsed time of active rows has moved on."""
        for section in TICKING_GROUPS:
            self._elapsed_changed(len(self._ids[section]), section + 1)
        for group, number in self._numbers.items():
            if self._section[group_key(group)] in TICKING_GROUPS:
                self._elapsed_changed(len(self._members[group]), _CHILD + number)

    def task(self, index: AnyIndex) -> Task | None:
        """Return the task of a row of this model or of a proxy over it."""
        value = index.data(TASK_ROLE) if index.isValid() else None
        return value if isinstance(value, Task) else None

    def task_at(self, row: int, parent: AnyIndex) -> Task | None:
        """Return the task in `row` under `parent` (a section or a group row), if any."""
        if not parent.isValid() or parent.column() != 0:
            return None
        ids = self._children(parent.internalId(), parent.row())
        return self._tasks.get(ids[row]) if ids is not None and 0 <= row < len(ids) else None

    def task_by_id(self, task_id: str) -> Task | None:
        """Return the task with this id, if it is on the board."""
        return self._tasks.get(task_id)

    def index_of(self, task_id: str, column: int = 0) -> QModelIndex:
        """Return the index of a task's row, invalid when it is not on the board."""
        task = self._tasks.get(task_id)
        if task is None:
            return QModelIndex()
        number = self._numbers.get(task.group or "")
        if number is not None:
            row = self._members[task.group or ""].index(task_id)
            return self.createIndex(row, column, _CHILD + number)
        return self._entry_index(task_id, column)

    def group_index(self, group: str) -> QModelIndex:
        """Return the index of the row of attempt group `group`, invalid if it has none."""
        return self._entry_index(group_key(group)) if group in self._numbers else QModelIndex()

    def attempt_groups(self) -> list[str]:
        """Return the groups shown as one row with their attempts under it."""
        return list(self._numbers)

    def task_count(self) -> int:
        """Return how many tasks are on the board."""
        return len(self._tasks)

    def index(self, row: int, column: int, parent: AnyIndex = _ROOT) -> QModelIndex:
        """Return the index of a section (top level), a row in it, or an attempt in a group."""
        if not 0 <= column < _COLUMNS:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if 0 <= row < _GROUPS else QModelIndex()
        if parent.column() != 0:
            return QModelIndex()
        parent_id, parent_row = parent.internalId(), parent.row()
        if parent_id == 0:
            ids = self._ids[parent_row] if 0 <= parent_row < _GROUPS else ()
            return self.createIndex(row, column, parent_row + 1) if 0 <= row < len(ids) else _ROOT
        group = self._group_at(parent_id, parent_row)
        if group is None or not 0 <= row < len(self._members[group]):
            return QModelIndex()
        return self.createIndex(row, column, _CHILD + self._numbers[group])

    def parent(self, child: AnyIndex | None = None) -> Any:
        """Return a row's section or attempt group (or the QObject parent when called bare)."""
        if child is None:
            return super().parent()
        child_id = child.internalId() if child.isValid() else 0
        if child_id == 0:
            return QModelIndex()
        if child_id < _CHILD:
            return self.createIndex(child_id - 1, 0, 0)
        return self._entry_index(group_key(self._by_number[child_id - _CHILD]))

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        """Return the number of sections, of rows in a section, or of attempts in a group."""
        if not parent.isValid():
            return _GROUPS
        if parent.column() != 0:
            return 0
        ids = self._children(parent.internalId(), parent.row())
        return 0 if ids is None else len(ids)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        """Return the number of columns."""
        return _COLUMNS

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Make task and group rows selectable and section rows not."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        item_id = index.internalId()
        if item_id == 0:
            return Qt.ItemFlag.ItemIsEnabled
        if item_id < _CHILD and self._ids[item_id - 1][index.row()] not in self._tasks:
            return _GROUP_FLAGS
        return _TASK_FLAGS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        """Return the column titles."""
        horizontal = orientation == Qt.Orientation.Horizontal and role == _DISPLAY
        return COLUMN_TITLES[section] if horizontal and 0 <= section < len(COLUMN_TITLES) else None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        """Return what a cell shows, or the task, id, section, group or a sort value."""
        if not index.isValid():
            return None
        item_id, row = index.internalId(), index.row()
        if item_id == 0:
            return self._section_data(row, index.column(), role)
        if item_id < _CHILD:
            key = self._ids[item_id - 1][row]
            task = self._tasks.get(key)
            if task is None:
                return self._group_data(key[len(GROUP_KEY) :], index.column(), role)
            return self._task_data(task, item_id - 1, 0, index.column(), role)
        group = self._by_number[item_id - _CHILD]
        task = self._tasks[self._members[group][row]]
        return self._task_data(task, self._section[group_key(group)], row + 1, index.column(), role)

    def _clear(self) -> None:
        self._tasks: dict[str, Task] = {}
        # Per row key (a task id, or a group's key), its section and ever-growing sequence key.
        self._section: dict[str, int] = {}
        self._seq: dict[str, int] = {}
        # Per section, row keys and their sequence keys in row order: a row is a bisect.
        self._ids: list[list[str]] = [[] for _ in BoardGroup]
        self._keys: list[list[int]] = [[] for _ in BoardGroup]
        self._next_seq = 0
        # Per group, its tasks in launch order; a group of two or more is one row, numbered
        # for its attempts' internal ids.
        self._members: dict[str, list[str]] = {}
        self._numbers: dict[str, int] = {}
        self._by_number: dict[int, str] = {}
        self._next_number = 0

    def _apply(self, task: Task, change: _Change) -> None:
        old = self._tasks.get(task.id)
        if old is not None and (old.group or task.group) and _launch_of(old) != _launch_of(task):
            self._remove(task.id, change)
            old = None
        if old is None:
            self._add(task, change)
            return
        self._tasks[task.id] = task
        number = self._numbers.get(task.group or "")
        if number is not None:
            self._attempt_changed(old, task, _CHILD + number, change)
            return
        old_section, new_section = self._section[task.id], self._group_of(task)
        if old_section == new_section:
            if _ordered_alike(old, task):
                change.shown.setdefault(new_section + 1, []).append(task.id)
            else:
                first = self._entry_index(task.id)
                self.dataChanged.emit(first, first.siblingAtColumn(_LAST_COLUMN))
        else:
            # Remove and insert rather than beginMoveRows: a proxy answers a move by mapping
            # everything again, while it inserts a single row by bisection.
            self.task_moving.emit(task.id)
            self._take(task.id)
            self._place(task.id, new_section, notify=True)
            change.touched.update((old_section, new_section))
            self.task_moved.emit(task.id)

    def _attempt_changed(self, old: Task, task: Task, item_id: int, change: _Change) -> None:
        group = task.group or ""
        if old.state == task.state and _ordered_alike(old, task):
            change.shown.setdefault(item_id, []).append(task.id)
        else:  # its title says its state; the filter reads what _ordered_alike compares
            first = self.createIndex(self._members[group].index(task.id), 0, item_id)
            last = first.siblingAtColumn(_LAST_COLUMN)
            if _ordered_alike(old, task):
                self.dataChanged.emit(first, last, CELL_ROLES)
            else:
                self.dataChanged.emit(first, last)
        change.regroup.add(group)

    def _add(self, task: Task, change: _Change) -> None:
        self._tasks[task.id] = task
        group = task.group or ""
        members = self._members.setdefault(group, []) if group else []
        if not members:
            members.append(task.id)
            section = self._group_of(task)
            self._place(task.id, section, notify=True)
            change.touched.add(section)
            return
        row = bisect_left([launch_key(self._tasks[m]) for m in members], launch_key(task))
        if group in self._numbers:
            self.beginInsertRows(self.group_index(group), row, row)
            members.insert(row, task.id)
            self.endInsertRows()
            change.regroup.add(group)
            return
        lone = members[0]  # a lone attempt gets company: its row becomes the group's
        self.task_moving.emit(lone)
        change.touched.add(self._take(lone))
        members.insert(row, task.id)
        self._number(group)
        section = self._section_of(members)
        self._place(group_key(group), section, notify=True)
        change.touched.add(section)
        self.task_moved.emit(lone)

    def _remove(self, task_id: str, change: _Change) -> None:
        group = self._tasks[task_id].group or ""
        members = self._members.get(group, [])
        if group not in self._numbers:
            change.touched.add(self._take(task_id, forget=True))
            if group:
                del self._members[group]
            return
        if len(members) > 2:
            row = members.index(task_id)
            self.beginRemoveRows(self.group_index(group), row, row)
            del members[row]
            del self._tasks[task_id]
            self.endRemoveRows()
            change.regroup.add(group)
            return
        other = members[1] if members[0] == task_id else members[0]  # left alone: a plain row
        self.task_moving.emit(other)
        change.touched.add(self._take(group_key(group)))
        members.remove(task_id)
        del self._tasks[task_id]
        self._by_number.pop(self._numbers.pop(group))
        section = self._group_of(self._tasks[other])
        self._place(other, section, notify=True)
        change.touched.add(section)
        self.task_moved.emit(other)

    def _finish(self, change: _Change) -> None:
        for item_id, keys in change.shown.items():
            self._progress_changed(item_id, keys)
        for group in change.regroup:
            if group in self._numbers:
                self._settle(group, change)
        for section in change.touched:
            self._header_changed(section)

    def _progress_changed(self, item_id: int, keys: list[str]) -> None:
        # One signal per section or group, naming only the roles cells show: the proxy then
        # neither filters nor sorts again (a signal per row made 100 running tasks cost 40 ms).
        # Alike in order means alike in title, agent and elapsed: only the columns from
        # CHANGES on need painting again.
        if item_id < _CHILD:
            section = item_id - 1
            seqs = self._keys[section]
            rows = [
                bisect_left(seqs, self._seq[k]) for k in keys if self._section.get(k) == section
            ]
        else:
            members = self._members[self._by_number[item_id - _CHILD]]
            rows = [members.index(k) for k in keys if k in members]
        if rows:
            self.dataChanged.emit(
                self.createIndex(min(rows), _PROGRESS_COLUMN, item_id),
                self.createIndex(max(rows), _LAST_COLUMN, item_id),
                CELL_ROLES,
            )

    def _settle(self, group: str, change: _Change) -> None:
        """Move a group's row to the section its attempts now call for, and repaint it."""
        key, members = group_key(group), list(self._members[group])
        old, new = self._section[key], self._section_of(members)
        if old != new:
            for task_id in members:
                self.task_moving.emit(task_id)
            self._take(key)
            self._place(key, new, notify=True)
            change.touched.update((old, new))
            for task_id in members:
                self.task_moved.emit(task_id)
        index = self._entry_index(key)
        self.dataChanged.emit(index, index.siblingAtColumn(_LAST_COLUMN), CELL_ROLES)

    def _section_of(self, members: Iterable[str]) -> int:
        return min(self._group_of(self._tasks[task_id]) for task_id in members)

    def _number(self, group: str) -> None:
        self._numbers[group] = self._next_number
        self._by_number[self._next_number] = group
        self._next_number += 1

    def _group_at(self, item_id: int, row: int) -> str | None:
        """Return the group whose row is `row` under internal id `item_id`, if it is one."""
        if not 0 < item_id < _CHILD:
            return None
        ids = self._ids[item_id - 1]
        key = ids[row] if 0 <= row < len(ids) else None
        return None if key is None or key in self._tasks else key[len(GROUP_KEY) :]

    def _children(self, item_id: int, row: int) -> list[str] | None:
        if item_id == 0:
            return self._ids[row] if 0 <= row < _GROUPS else None
        group = self._group_at(item_id, row)
        return None if group is None else self._members[group]

    def _entry_index(self, key: str, column: int = 0) -> QModelIndex:
        section = self._section[key]
        row = bisect_left(self._keys[section], self._seq[key])
        return self.createIndex(row, column, section + 1)

    def _place(self, key: str, section: int, notify: bool = False) -> None:
        row = len(self._ids[section])
        if notify:
            self.beginInsertRows(self.createIndex(section, 0, 0), row, row)
        self._section[key] = section
        self._seq[key] = self._next_seq
        self._ids[section].append(key)
        self._keys[section].append(self._next_seq)
        self._next_seq += 1
        if notify:
            self.endInsertRows()

    def _take(self, key: str, forget: bool = False) -> int:
        section = self._section.pop(key)
        row = bisect_left(self._keys[section], self._seq.pop(key))
        self.beginRemoveRows(self.createIndex(section, 0, 0), row, row)
        del self._ids[section][row]
        del self._keys[section][row]
        if forget:
            del self._tasks[key]
        self.endRemoveRows()
        return section

    def _elapsed_changed(self, count: int, item_id: int) -> None:
        if count:
            top = self.createIndex(0, BoardColumn.ELAPSED, item_id)
            bottom = self.createIndex(count - 1, BoardColumn.ELAPSED, item_id)
            self.dataChanged.emit(top, bottom, [_DISPLAY])

    def _header_changed(self, section: int) -> None:
        index = self.createIndex(section, 0, 0)
        self.dataChanged.emit(index, index, [_DISPLAY])

    def _section_data(self, row: int, column: int, role: int) -> Any:
        if column != 0:
            return None
        if role == _DISPLAY:
            return f"{GROUPS[BoardGroup(row)][0]} ({len(self._ids[row])})"
        if role == GROUP_ROLE or role in _SORT_KEY_OF_ROLE:
            return row
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        waiting = row == BoardGroup.NEEDS_YOU and bool(self._ids[row])
        if role == Qt.ItemDataRole.ForegroundRole and waiting:  # the badge: it wants you
            return QColor(state_colour("needs-input"))
        if role == Qt.ItemDataRole.DecorationRole and waiting:
            return state_icon("needs-input")
        return None

    def _group_data(self, group: str, column: int, role: int) -> Any:
        tasks = [self._tasks[task_id] for task_id in self._members[group]]
        if role in (_DISPLAY, CELL_ROLE):
            return _group_cell(tasks, column)
        if role in _SORT_KEY_OF_ROLE:
            key, now = _SORT_KEY_OF_ROLE[role], self._clock()
            if key is SortKey.ELAPSED:
                return -max(elapsed_seconds(task, now) for task in tasks)
            return _SORT_VALUES[key](tasks[0], now)
        if role == ATTEMPTS_ROLE:
            return group
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{attempts_title(tasks)}\n{state_counts(tasks)}\nEnter: compare the attempts"
        return None

    def _task_data(self, task: Task, section: int, number: int, column: int, role: int) -> Any:
        if role in (_DISPLAY, CELL_ROLE):
            if column == BoardColumn.TITLE:
                mark = self._marks.get(task.id)
                text = attempt_title(number, task) if number else task.title
                return f"{mark[0]} {text}" if mark else text
            text = _CELLS[column](task, self._clock())
            if column == BoardColumn.USAGE and task.id in self._memory:
                text = " · ".join(filter(None, (text, memory_text(self._memory[task.id]))))
            if column == BoardColumn.USAGE and budget_warning(task, self._budget, self._clock()):
                text = f"⚠ {text}"  # 80 % of a cap or more: it pauses at the cap
            return text
        if role == _DECORATION and column == BoardColumn.TITLE:
            # cached: the same QIcon for every row in a state; a waiting agent's is Needs you's
            return state_icon(TaskState.NEEDS_INPUT if self._waits(task) else task.state)
        if role in _SORT_KEY_OF_ROLE:
            # The proxy always sorts ascending so that sections keep their order, and a
            # group's attempts their launch order.
            return number or _SORT_VALUES[_SORT_KEY_OF_ROLE[role]](task, self._clock())
        if role == TASK_ID_ROLE:
            return task.id
        if role == TASK_ROLE:
            return task
        if role == GROUP_ROLE:
            return section
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == BoardColumn.EVENT:
                return event_text(task, 2000)
            near = (
                budget_warning(task, self._budget, self._clock())
                if column == BoardColumn.USAGE
                else None
            )
            if near is not None:
                return f"Budget: {near.text()}; at the cap the task pauses and asks you"
            mark = self._marks.get(task.id, ("", ""))[1]
            title = f"{task.title} (attempt #{number})" if number else task.title
            return f"{title}\n{state_label(task.state)} · {task.short_id} · {task.branch}{mark}"
        return None

    def set_marks(self, marks: dict[str, tuple[str, str]]) -> None:
        """Mark tasks with a symbol before the title and a note in the tooltip; replaces all."""
        changed = _changed_keys(self._marks, marks)
        self._marks = dict(marks)
        for task_id in changed & set(self._tasks):
            index = self.index_of(task_id)
            self.dataChanged.emit(index, index)

    def set_memory(self, memory: dict[str, int]) -> None:
        """Show each running task's process-tree memory (bytes) beside its usage; replaces all."""
        changed = _changed_keys(self._memory, memory)
        self._memory = dict(memory)
        for task_id in changed & set(self._tasks):
            index = self.index_of(task_id, BoardColumn.USAGE)
            self.dataChanged.emit(index, index)

    def set_budget(self, budget: BudgetSettings) -> None:
        """Warn by the caps and prices of `budget` (config.toml's) from now on."""
        self._budget = budget
        if self._tasks:
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, _LAST_COLUMN))

    def memory(self, task_id: str) -> int | None:
        """Return a running task's last measured memory in bytes, if any."""
        return self._memory.get(task_id)

    def mark(self, task_id: str) -> tuple[str, str] | None:
        """Return a task's mark (symbol, note), if it has one."""
        return self._marks.get(task_id)


class BoardFilterModel(QSortFilterProxyModel):
    """Filters the board by words (all must match) and sorts tasks within their groups."""

    def __init__(self, board: BoardModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._board = board
        self._text = ""
        self._words: tuple[str, ...] = ()
        self._sort_key = SortKey.NEWEST
        self.setRecursiveFilteringEnabled(True)
        self.setDynamicSortFilter(True)
        # Elapsed ticks change DisplayRole only: they need neither a new filter nor a new sort.
        self.setFilterRole(TASK_ROLE)
        self.setSortRole(SORT_ROLES[self._sort_key])
        self.setSourceModel(board)
        self.sort(0, Qt.SortOrder.AscendingOrder)
        self.rowsInserted.connect(self._on_self_rows_changed)
        self.rowsRemoved.connect(self._on_self_rows_changed)

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        """Return what the board says, a section's count being of the rows the filter shows."""
        if role != _DISPLAY or not index.isValid() or index.parent().isValid():
            return super().data(index, role)
        if index.column() != 0:
            return None
        shown = self.rowCount(index)  # the proxy's own mapping: no walk over the rows
        section = self.mapToSource(index)
        total = self._board.rowCount(section)
        title = GROUPS[BoardGroup(section.row())][0]
        return f"{title} ({shown})" if shown == total else f"{title} ({shown} of {total})"

    def filter_text(self) -> str:
        """Return the filter text as the user typed it."""
        return self._text

    def set_filter_text(self, text: str) -> None:
        """Show only tasks whose title, prompt, branch or agent hold every word of `text`."""
        self._text = text
        words = tuple(text.casefold().split())
        if words == self._words:
            return
        self.beginFilterChange()
        self._words = words
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        self._sections_changed(range(self.rowCount()))

    def sort_key(self) -> str:
        """Return the current sort key (a SortKey value)."""
        return self._sort_key.value

    def set_sort_key(self, key: str) -> None:
        """Sort tasks by a SortKey value; raise ValueError for an unknown one."""
        self._sort_key = SortKey(key)
        self.setSortRole(SORT_ROLES[self._sort_key])

    def _on_self_rows_changed(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid() and not parent.parent().isValid():
            self._sections_changed([parent.row()])

    def _sections_changed(self, rows: Iterable[int]) -> None:
        for row in rows:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [_DISPLAY])

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        """Accept tasks that match; a section or group row shows only through matching tasks."""
        task = self._board.task_at(source_row, source_parent)
        haystack = _haystack(task) if task is not None and self._words else ""
        return task is not None and all(word in haystack for word in self._words)


def _launch_of(task: Task) -> tuple[str | None, float]:
    return task.group, task.created_at


def _ordered_alike(old: Task, new: Task) -> bool:
    """Say whether the board's filter and every sort key see `old` and `new` the same."""
    return all(getattr(old, name) == getattr(new, name) for name in _ORDER_FIELDS)


def _haystack(task: Task) -> str:
    return _folded(task.title, task.prompt, task.branch, task.agent)


# Keyed by the text alone: a running task is a new snapshot every half second, and a
# cache keyed by snapshots would keep thousands of them alive.
@lru_cache(maxsize=8192)
def _folded(*texts: str) -> str:
    return "\n".join(texts).casefold()
