"""The task board as an item model: group rows with task rows under them, and its filter."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
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
from PySide6.QtGui import QFont

from app.core.events import one_line
from app.core.states import STATE_LABELS, TaskState, state_label
from app.core.task import Task
from app.core.tasktext import elapsed

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
    BoardGroup.NEEDS_YOU: (STATE_LABELS[_S.NEEDS_INPUT], (_S.NEEDS_INPUT,)),
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
SORT_ROLES = {key: Qt.ItemDataRole.UserRole + 10 + n for n, key in enumerate(SortKey)}
_SORT_KEY_OF_ROLE = {role: key for key, role in SORT_ROLES.items()}
_DISPLAY = Qt.ItemDataRole.DisplayRole
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
NUMERIC_COLUMNS = frozenset((BoardColumn.ELAPSED, BoardColumn.CHANGES, BoardColumn.USAGE))
_COLUMNS = len(BoardColumn)
_GROUPS = len(BoardGroup)
_LAST_COLUMN = _COLUMNS - 1
_TASK_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)


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

_SORT_VALUES: dict[SortKey, Callable[[Task, float], float | str]] = {
    SortKey.NEWEST: lambda task, now: -task.created_at,
    SortKey.OLDEST: lambda task, now: task.created_at,
    SortKey.TITLE: lambda task, now: task.title.casefold(),
    SortKey.AGENT: lambda task, now: task.agent.casefold(),
    SortKey.ELAPSED: lambda task, now: -elapsed_seconds(task, now),
}


class BoardModel(QAbstractItemModel):
    """Tasks under fixed group rows; rows in a group keep insertion order (the proxy sorts)."""

    task_moving = Signal(str)
    task_moved = Signal(str)

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.time):
        super().__init__(parent)
        self._clock = clock
        self._clear()
        self._marks: dict[str, tuple[str, str]] = {}
        self._memory: dict[str, int] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    def set_tasks(self, tasks: Iterable[Task]) -> None:
        """Replace every task (one model reset; for the initial load)."""
        self.beginResetModel()
        self._clear()
        for task in tasks:
            self._tasks[task.id] = task
            self._place(task.id, group_of(task))
        self.endResetModel()

    def update_task(self, task: Task) -> None:
        """Insert a task, move it to its new group, or refresh its row."""
        self.update_tasks([task])

    def update_tasks(self, tasks: Iterable[Task]) -> None:
        """Apply several task snapshots, refreshing each touched group header once."""
        touched: set[int] = set()
        shown: dict[int, list[int]] = {}  # per group, rows whose cells alone changed
        for task in tasks:
            self._apply(task, touched, shown)
        for group, rows in shown.items():
            # One signal per group, naming only the roles cells show: the proxy then neither
            # filters nor sorts again (a signal per row made 100 running tasks cost 40 ms).
            # Alike in order means alike in title, agent and elapsed: only the columns from
            # CHANGES on need painting again.
            self.dataChanged.emit(
                self.createIndex(min(rows), _PROGRESS_COLUMN, group + 1),
                self.createIndex(max(rows), _LAST_COLUMN, group + 1),
                CELL_ROLES,
            )
        for group in touched:
            self._header_changed(group)

    def remove_task(self, task_id: str) -> bool:
        """Remove a task; return False when it is not on the board."""
        if task_id not in self._tasks:
            return False
        self._header_changed(self._take(task_id, forget=True))
        return True

    def refresh_elapsed(self) -> None:
        """Tell views that the elapsed time of active rows has moved on."""
        for group in TICKING_GROUPS:
            count = len(self._ids[group])
            if count:
                top = self.createIndex(0, BoardColumn.ELAPSED, group + 1)
                bottom = self.createIndex(count - 1, BoardColumn.ELAPSED, group + 1)
                self.dataChanged.emit(top, bottom, [_DISPLAY])

    def task(self, index: AnyIndex) -> Task | None:
        """Return the task of a row of this model or of a proxy over it."""
        value = index.data(TASK_ROLE) if index.isValid() else None
        return value if isinstance(value, Task) else None

    def task_at(self, row: int, parent: AnyIndex) -> Task | None:
        """Return the task in `row` under the group row `parent`."""
        if not parent.isValid() or parent.internalId() != 0:
            return None
        ids = self._ids[parent.row()]
        return self._tasks[ids[row]] if 0 <= row < len(ids) else None

    def task_by_id(self, task_id: str) -> Task | None:
        """Return the task with this id, if it is on the board."""
        return self._tasks.get(task_id)

    def index_of(self, task_id: str, column: int = 0) -> QModelIndex:
        """Return the index of a task's row, invalid when it is not on the board."""
        if task_id not in self._tasks:
            return QModelIndex()
        group = self._group[task_id]
        row = bisect_left(self._keys[group], self._seq[task_id])
        return self.createIndex(row, column, group + 1)

    def task_count(self) -> int:
        """Return how many tasks are on the board."""
        return len(self._tasks)

    def index(self, row: int, column: int, parent: AnyIndex = _ROOT) -> QModelIndex:
        """Return the index of a group row (top level) or a task row (under a group)."""
        if not 0 <= column < _COLUMNS:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if 0 <= row < _GROUPS else QModelIndex()
        if parent.internalId() == 0 and 0 <= row < len(self._ids[parent.row()]):
            return self.createIndex(row, column, parent.row() + 1)
        return QModelIndex()

    def parent(self, child: AnyIndex | None = None) -> Any:
        """Return the group row of a task row (or the QObject parent when called bare)."""
        if child is None:
            return super().parent()
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        """Return the number of groups, or of tasks in a group."""
        if not parent.isValid():
            return _GROUPS
        is_group = parent.internalId() == 0 and parent.column() == 0
        return len(self._ids[parent.row()]) if is_group else 0

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        """Return the number of columns."""
        return _COLUMNS

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Make task rows selectable and group rows not."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled if index.internalId() == 0 else _TASK_FLAGS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        """Return the column titles."""
        horizontal = orientation == Qt.Orientation.Horizontal and role == _DISPLAY
        return COLUMN_TITLES[section] if horizontal and 0 <= section < len(COLUMN_TITLES) else None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        """Return what a cell shows, or the task, id, group or a sort value."""
        if not index.isValid():
            return None
        group = index.internalId() - 1
        if group < 0:
            return self._group_data(index.row(), index.column(), role)
        task = self._tasks[self._ids[group][index.row()]]
        if role in (_DISPLAY, CELL_ROLE):
            mark = self._marks.get(task.id) if index.column() == BoardColumn.TITLE else None
            text = _CELLS[index.column()](task, self._clock())
            if index.column() == BoardColumn.USAGE and task.id in self._memory:
                text = " · ".join(filter(None, (text, memory_text(self._memory[task.id]))))
            return f"{mark[0]} {text}" if mark else text
        if role in _SORT_KEY_OF_ROLE:
            # The proxy always sorts ascending so that group rows keep their order.
            return _SORT_VALUES[_SORT_KEY_OF_ROLE[role]](task, self._clock())
        return self._task_data(task, group, index.column(), role)

    def _clear(self) -> None:
        self._tasks: dict[str, Task] = {}
        self._group: dict[str, int] = {}
        self._seq: dict[str, int] = {}
        # Per group, ids and their ever-growing sequence keys in row order: a row is a bisect.
        self._ids: list[list[str]] = [[] for _ in BoardGroup]
        self._keys: list[list[int]] = [[] for _ in BoardGroup]
        self._next_seq = 0

    def _apply(self, task: Task, touched: set[int], shown: dict[int, list[int]]) -> None:
        old_group = self._group.get(task.id)
        new_group = group_of(task)
        if old_group is None:
            self._tasks[task.id] = task
            self._place(task.id, new_group, notify=True)
            touched.add(new_group)
        elif old_group == new_group:
            old, self._tasks[task.id] = self._tasks[task.id], task
            if _ordered_alike(old, task):
                row = bisect_left(self._keys[new_group], self._seq[task.id])
                shown.setdefault(new_group, []).append(row)
            else:
                first = self.index_of(task.id)
                self.dataChanged.emit(first, first.siblingAtColumn(_LAST_COLUMN))
        else:
            # Remove and insert rather than beginMoveRows: a proxy answers a move by mapping
            # everything again, while it inserts a single row by bisection.
            self.task_moving.emit(task.id)
            self._take(task.id)
            self._tasks[task.id] = task
            self._place(task.id, new_group, notify=True)
            touched.update((old_group, new_group))
            self.task_moved.emit(task.id)

    def _place(self, task_id: str, group: int, notify: bool = False) -> None:
        row = len(self._ids[group])
        if notify:
            self.beginInsertRows(self.createIndex(group, 0, 0), row, row)
        self._group[task_id] = group
        self._seq[task_id] = self._next_seq
        self._ids[group].append(task_id)
        self._keys[group].append(self._next_seq)
        self._next_seq += 1
        if notify:
            self.endInsertRows()

    def _take(self, task_id: str, forget: bool = False) -> int:
        group = self._group.pop(task_id)
        row = bisect_left(self._keys[group], self._seq.pop(task_id))
        self.beginRemoveRows(self.createIndex(group, 0, 0), row, row)
        del self._ids[group][row]
        del self._keys[group][row]
        if forget:
            del self._tasks[task_id]
        self.endRemoveRows()
        return group

    def _header_changed(self, group: int) -> None:
        index = self.createIndex(group, 0, 0)
        self.dataChanged.emit(index, index, [_DISPLAY])

    def _group_data(self, row: int, column: int, role: int) -> Any:
        if column != 0:
            return None
        if role == _DISPLAY:
            return f"{GROUPS[BoardGroup(row)][0]} ({len(self._ids[row])})"
        if role == GROUP_ROLE or role in _SORT_KEY_OF_ROLE:
            return row
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        return None

    def _task_data(self, task: Task, group: int, column: int, role: int) -> Any:
        if role == TASK_ID_ROLE:
            return task.id
        if role == TASK_ROLE:
            return task
        if role == GROUP_ROLE:
            return group
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == BoardColumn.EVENT:
                return event_text(task, 2000)
            mark = self._marks.get(task.id, ("", ""))[1]
            return (
                f"{task.title}\n{state_label(task.state)} · {task.short_id} · {task.branch}{mark}"
            )
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

    def sort_key(self) -> str:
        """Return the current sort key (a SortKey value)."""
        return self._sort_key.value

    def set_sort_key(self, key: str) -> None:
        """Sort tasks by a SortKey value; raise ValueError for an unknown one."""
        self._sort_key = SortKey(key)
        self.setSortRole(SORT_ROLES[self._sort_key])

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        """Accept tasks that match; a group row shows only through matching tasks."""
        task = self._board.task_at(source_row, source_parent)
        haystack = _haystack(task) if task is not None and self._words else ""
        return task is not None and all(word in haystack for word in self._words)


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
