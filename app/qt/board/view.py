"""The task board: a filter line, a sort choice, the task tree by state and bulk actions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.core.states import TaskState
from app.core.task import Task
from app.qt.board.model import (
    ATTEMPTS_ROLE,
    CELL_ROLE,
    CELL_ROLES,
    GROUP_ROLE,
    NUMERIC_COLUMNS,
    SORT_TITLES,
    TASK_ID_ROLE,
    BoardColumn,
    BoardFilterModel,
    BoardGroup,
    BoardModel,
    SortKey,
)
from app.qt.emptyhint import EmptyHintView

AnyIndex = QModelIndex | QPersistentModelIndex
S = TaskState
TICK_MS = 1000
_MOVE = QAbstractItemView.CursorAction
# Where to look for a task or attempt group row when the cursor lands on a section header.
_DOWNWARD = (_MOVE.MoveDown, _MOVE.MoveNext, _MOVE.MovePageDown, _MOVE.MoveHome)
_UPWARD = (_MOVE.MoveUp, _MOVE.MovePrevious, _MOVE.MovePageUp, _MOVE.MoveEnd)
# Which states each bulk action applies to; an action acts on the matching part of a selection.
STOPPABLE = frozenset({S.QUEUED, S.PREPARING, S.RUNNING, S.NEEDS_INPUT, S.PAUSED})
RETRYABLE = frozenset({S.FAILED, S.STOPPED, S.INTERRUPTED})
DISCARDABLE = frozenset(
    {S.QUEUED, S.SUCCEEDED, S.FAILED, S.STOPPED, S.INTERRUPTED, S.NEEDS_INPUT, S.PAUSED}
)
_VIM_KEYS = {Qt.Key.Key_J: Qt.Key.Key_Down, Qt.Key.Key_K: Qt.Key.Key_Up}
_PLUS_COLOR, _MINUS_COLOR = QColor("#1a7f37"), QColor("#cf222e")
_PLUS_DARK, _MINUS_DARK = QColor("#3fb950"), QColor("#f85149")  # the same, readable on dark
_ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CELL_ROLE_SET = frozenset(CELL_ROLES)
_HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
_HAS_DECORATION = QStyleOptionViewItem.ViewItemFeature.HasDecoration
_STATE_ICON_SIZE = QSize(16, 16)


def _is_row(index: AnyIndex) -> bool:
    """Say whether `index` is a task's or an attempt group's row, not a section header."""
    return index.isValid() and index.parent().isValid()


def _is_task(index: AnyIndex) -> bool:
    return index.isValid() and index.data(TASK_ID_ROLE) is not None


class BoardTreeView(QTreeView):
    """A tree whose cursor keys (and j/k) step over section headers; Enter activates a row."""

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """Move like QTreeView, then on to the nearest row if that landed on a header."""
        target = super().moveCursor(cursorAction, modifiers)
        step = 1 if cursorAction in _DOWNWARD else -1 if cursorAction in _UPWARD else 0
        if not step or _is_row(target):
            return target
        found = self._nearest_task(target, step) or self._nearest_task(target, -step)
        return found or QModelIndex(self.currentIndex())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Map j/k to Down/Up and Enter to activation of the current row."""
        plain = not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        key = Qt.Key(event.key())
        if plain and key in _VIM_KEYS:
            mods = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            super().keyPressEvent(QKeyEvent(QEvent.Type.KeyPress, _VIM_KEYS[key], mods))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and _is_row(self.currentIndex()):
            self.activated.emit(self.currentIndex())
        else:
            super().keyPressEvent(event)

    def dataChanged(
        self, topLeft: AnyIndex, bottomRight: AnyIndex, roles: Sequence[int] = ()
    ) -> None:
        """Repaint only the cells a change of their text names; Qt would repaint everything.

        Progress and the elapsed tick change a few columns of many rows, several times a
        second at 100 agents: the whole board took 13 ms to paint, those columns about 5.
        """
        if not roles or not set(roles) <= _CELL_ROLE_SET or topLeft.row() == bottomRight.row():
            super().dataChanged(topLeft, bottomRight, roles)
            return
        header, viewport = self.header(), self.viewport()
        left = header.sectionViewportPosition(topLeft.column())
        right = header.sectionViewportPosition(bottomRight.column())
        right += header.sectionSize(bottomRight.column())
        top = self.visualRect(topLeft).top()
        bottom = self.visualRect(bottomRight).bottom()
        area = QRect(QPoint(left, top), QPoint(right, bottom)).intersected(viewport.rect())
        if not area.isEmpty():
            viewport.update(area)

    def _nearest_task(self, index: QModelIndex, step: int) -> QModelIndex | None:
        while index.isValid():
            if _is_row(index):
                return index
            index = self.indexBelow(index) if step > 0 else self.indexAbove(index)
        return None


class TaskCellDelegate(QStyledItemDelegate):
    """Paints a task's cell from a single model call, its text; a group row paints as usual.

    The stock delegate asks the model for ten roles a cell, each one through the filter
    proxy into Python: a board of 40 rows took 17 ms to paint, several times a second
    while agents run. The look is the style's own: only the questions are fewer.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Paint a task cell with the style's item look, or a group row the stock way."""
        text = index.data(CELL_ROLE)
        if text is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        opt.index = QModelIndex(index)
        opt.features |= _HAS_DISPLAY
        opt.displayAlignment = _ALIGN_RIGHT if index.column() in NUMERIC_COLUMNS else _ALIGN_LEFT
        if index.column() == BoardColumn.TITLE:  # a task's state icon, in its colour
            state = index.data(Qt.ItemDataRole.DecorationRole)
            if state is not None:  # an attempt group's row has none
                opt.icon = state
                opt.features |= _HAS_DECORATION
            opt.decorationSize = _STATE_ICON_SIZE
        self.draw(painter, opt, text)

    def draw(self, painter: QPainter, opt: QStyleOptionViewItem, text: str) -> None:
        """Draw the cell's background, selection and `text`."""
        opt.text = text
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)


class ChangesDelegate(TaskCellDelegate):
    """Paints '+12 −3' with the insertions green and the deletions red."""

    def draw(self, painter: QPainter, opt: QStyleOptionViewItem, text: str) -> None:
        """Paint the cell background, then the two counts in their colours."""
        super().draw(painter, opt, "")
        if not text:
            return
        plus, _, minus = text.partition(" ")
        rect = opt.rect.adjusted(4, 0, -4, 0)
        plus_color, minus_color = _count_colors(opt)
        painter.save()
        painter.setPen(minus_color)
        painter.drawText(rect, _ALIGN_RIGHT, minus)
        rect.setRight(rect.right() - opt.fontMetrics.horizontalAdvance(" " + minus))
        painter.setPen(plus_color)
        painter.drawText(rect, _ALIGN_RIGHT, plus)
        painter.restore()


def _count_colors(opt: QStyleOptionViewItem) -> tuple[QColor, QColor]:
    """Return the +/- colours that read on this cell: the selection's text on a selected row."""
    if opt.state & QStyle.StateFlag.State_Selected:
        text = opt.palette.color(QPalette.ColorRole.HighlightedText)
        return text, text
    if opt.palette.color(QPalette.ColorRole.Base).lightness() < 128:
        return _PLUS_DARK, _MINUS_DARK
    return _PLUS_COLOR, _MINUS_COLOR


class BoardView(QWidget):
    """The task board on the left of the window."""

    selection_changed = Signal(list)
    task_activated = Signal(str)
    compare_requested = Signal(str)  # an attempt group's id
    stop_requested = Signal(list)
    retry_requested = Signal(list)
    discard_requested = Signal(list)

    def __init__(self, model: BoardModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board_model = model if model is not None else BoardModel(self)
        self.filter_model = BoardFilterModel(self.board_model, self)
        self._collapsed: set[int] = {BoardGroup.DONE}
        self._collapsed_attempts: set[str] = set()  # attempt groups are expanded by default
        self._emitted: list[str] = []
        self._sticky: set[str] = set()
        self._moving: set[str] = set()
        self._moving_current: str | None = None
        self._placeholder: QWidget
        self._build()
        self._connect()
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(TICK_MS)
        self.tick_timer.timeout.connect(self.board_model.refresh_elapsed)
        self.tick_timer.start()
        self.show_placeholder(not self.board_model.task_count())

    def selected_ids(self) -> list[str]:
        """Return the ids of the selected tasks, top to bottom."""
        rows = self.tree.selectionModel().selectedRows(0)
        rows.sort(key=lambda index: (index.parent().row(), index.row()))
        return [str(index.data(TASK_ID_ROLE)) for index in rows if _is_task(index)]

    def select_task(self, task_id: str) -> bool:
        """Make one task the current and only selected row; False if it is not shown."""
        index = self.filter_model.mapFromSource(self.board_model.index_of(task_id))
        if not index.isValid():
            return False
        self.tree.expand(index.parent())
        self.tree.expand(index.parent().parent())
        flags = QItemSelectionModel.SelectionFlag
        self.tree.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
        self.tree.scrollTo(index)
        return True

    def filter_text(self) -> str:
        """Return the filter text (to persist it)."""
        return self.filter_model.filter_text()

    def set_filter_text(self, text: str) -> None:
        """Filter the board by `text` and show it in the filter line."""
        self.filter_edit.setText(text)
        self.filter_model.set_filter_text(text)
        self._show_hint()

    def sort_key(self) -> str:
        """Return the sort key (a SortKey value, to persist it)."""
        return self.filter_model.sort_key()

    def set_sort_key(self, key: str) -> None:
        """Sort by a SortKey value."""
        self.sort_combo.setCurrentIndex(self.sort_combo.findData(SortKey(key).value))

    def placeholder(self) -> QWidget:
        """Return the widget shown while the board has no tasks."""
        return self._placeholder

    def set_placeholder(self, widget: QWidget) -> None:
        """Show `widget` instead of the default label while the board has no tasks."""
        self.stack.insertWidget(0, widget)
        self.stack.removeWidget(self._placeholder)
        self._placeholder.deleteLater()
        self._placeholder = widget
        self.show_placeholder(not self.board_model.task_count())

    def show_placeholder(self, show: bool) -> None:
        """Show the placeholder instead of the board (the board also does so by itself)."""
        self.stack.setCurrentIndex(0 if show else 1)

    def is_empty(self) -> bool:
        """Say whether the placeholder is showing."""
        return self.stack.currentIndex() == 0

    def set_tasks(self, tasks: Iterable[Task]) -> None:
        """Load every task onto the board (see BoardModel.set_tasks)."""
        self.board_model.set_tasks(tasks)

    def update_tasks(self, tasks: Iterable[Task]) -> None:
        """Apply task snapshots to the board (see BoardModel.update_tasks)."""
        self.board_model.update_tasks(tasks)

    def set_asking(self, task_ids: Iterable[str]) -> None:
        """Show the tasks whose agents wait on a person under Needs you (see BoardModel)."""
        self.board_model.set_asking(task_ids)

    def focus_filter(self) -> None:
        """Put the keyboard focus in the filter line, its text selected."""
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _build(self) -> None:
        self.filter_edit = QLineEdit(placeholderText="Filter tasks  ( / )", clearButtonEnabled=True)
        self.sort_combo = QComboBox()
        for key, title in SORT_TITLES.items():
            self.sort_combo.addItem(title, key.value)
        self.tree = BoardTreeView()
        self._setup_tree()
        self.empty_hint = EmptyHintView(self.tree)
        actions = QHBoxLayout()
        self.stop_action, self.stop_button = self._bulk("Stop", actions)
        self.retry_action, self.retry_button = self._bulk("Retry", actions)
        self.discard_action, self.discard_button = self._bulk("Discard", actions)
        self.context_menu = QMenu(self)
        self.context_menu.addActions([self.stop_action, self.retry_action, self.discard_action])
        self.compare_action = QAction("Compare attempts…", self)
        self.group_menu = QMenu(self)
        self.group_menu.addAction(self.compare_action)
        actions.addStretch(1)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.sort_combo)
        board = QWidget()
        column = QVBoxLayout(board)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(bar)
        column.addWidget(self.tree, 1)
        column.addLayout(actions)
        self._placeholder = QLabel("No tasks yet", alignment=Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._placeholder)
        self.stack.addWidget(board)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def _setup_tree(self) -> None:
        tree = self.tree
        tree.setModel(self.filter_model)
        tree.setUniformRowHeights(True)
        tree.setIndentation(14)  # an attempt is two levels in: its title keeps its room
        tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        tree.setAllColumnsShowFocus(True)
        tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tree.setItemDelegate(TaskCellDelegate(tree))
        tree.setItemDelegateForColumn(BoardColumn.CHANGES, ChangesDelegate(tree))
        for column, width in zip(BoardColumn, (200, 64, 52, 72, 72), strict=False):
            tree.header().resizeSection(column, width)

    def _bulk(self, text: str, row: QHBoxLayout) -> tuple[QAction, QToolButton]:
        action = QAction(text, self, enabled=False)
        button = QToolButton()
        button.setDefaultAction(action)
        row.addWidget(button)
        return action, button

    def _connect(self) -> None:
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.filter_edit.installEventFilter(self)
        self.tree.installEventFilter(self)
        self.sort_combo.currentIndexChanged.connect(self._on_sort_combo_current_index_changed)
        self.tree.activated.connect(self._on_tree_activated)
        self.tree.expanded.connect(self._on_tree_expanded)
        self.tree.collapsed.connect(self._on_tree_collapsed)
        self.tree.customContextMenuRequested.connect(self._on_tree_custom_context_menu_requested)
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection_changed)
        self.filter_model.rowsInserted.connect(self._on_filter_model_rows_inserted)
        self.filter_model.rowsRemoved.connect(self._on_filter_model_rows_removed)
        self.filter_model.modelReset.connect(self._on_filter_model_layout_changed)
        self.filter_model.layoutChanged.connect(self._on_filter_model_layout_changed)
        for signal in (self.filter_model.rowsInserted, self.filter_model.rowsRemoved):
            signal.connect(self._show_hint)
        self.filter_model.modelReset.connect(self._show_hint)
        self.filter_model.layoutChanged.connect(self._show_hint)
        self.board_model.rowsInserted.connect(self._on_board_model_rows_changed)
        self.board_model.rowsRemoved.connect(self._on_board_model_rows_changed)
        self.board_model.modelReset.connect(self._on_board_model_rows_changed)
        self.board_model.task_moving.connect(self._on_board_model_task_moving)
        self.board_model.task_moved.connect(self._on_board_model_task_moved)
        self.stop_action.triggered.connect(self._on_stop_action_triggered)
        self.retry_action.triggered.connect(self._on_retry_action_triggered)
        self.discard_action.triggered.connect(self._on_discard_action_triggered)
        self.compare_action.triggered.connect(self._on_compare_action_triggered)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Let '/' in the tree focus the filter, and Escape clear it."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        if watched is self.tree and event.text() == "/":
            self.focus_filter()
            return True
        if event.key() == Qt.Key.Key_Escape and self.filter_edit.text():
            self.set_filter_text("")
            return True
        if watched is self.filter_edit and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Escape):
            self.tree.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.filter_model.set_filter_text(text)
        self._show_hint()

    def _show_hint(self) -> None:
        text = self.filter_model.filter_text().strip()
        nothing = text and not self.filter_model.rowCount() and self.board_model.task_count()
        self.empty_hint.show_hint(
            f"No task matches “{text}”.\nEsc clears the filter." if nothing else None
        )

    def _on_sort_combo_current_index_changed(self, row: int) -> None:
        self.filter_model.set_sort_key(str(self.sort_combo.itemData(row)))

    def _on_tree_activated(self, index: QModelIndex) -> None:
        group = index.data(ATTEMPTS_ROLE)
        if group:
            self.compare_requested.emit(str(group))
        elif _is_task(index):
            self.task_activated.emit(str(index.data(TASK_ID_ROLE)))

    def _on_tree_expanded(self, index: QModelIndex) -> None:
        group = index.data(ATTEMPTS_ROLE)
        if group:
            self._collapsed_attempts.discard(group)
        else:
            self._collapsed.discard(index.data(GROUP_ROLE))

    def _on_tree_collapsed(self, index: QModelIndex) -> None:
        group = index.data(ATTEMPTS_ROLE)
        if group:
            self._collapsed_attempts.add(group)
        else:
            self._collapsed.add(index.data(GROUP_ROLE))

    def _on_tree_custom_context_menu_requested(self, pos: QPoint) -> None:
        group = self.tree.indexAt(pos).data(ATTEMPTS_ROLE)
        at = self.tree.viewport().mapToGlobal(pos)
        if group:
            self.compare_action.setData(group)
            self.group_menu.exec(at)
        elif self.selected_ids():
            self.context_menu.exec(at)

    def _on_compare_action_triggered(self) -> None:
        group = self.compare_action.data()
        if group:
            self.compare_requested.emit(str(group))

    def _on_tree_selection_changed(self) -> None:
        if self._moving:
            return
        ids = self.selected_ids()
        self._sticky = set(ids)
        self._update_actions()
        if ids != self._emitted:
            self._emitted = ids
            self.selection_changed.emit(ids)

    def _on_filter_model_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():  # a section shows again, with whatever is in it
            self._show_groups(range(first, last + 1))
            self._show_every_attempt_group()
        elif not parent.parent().isValid():
            for row in range(first, last + 1):
                self._show_attempts(self.filter_model.index(row, 0, parent))

    def _on_filter_model_layout_changed(self) -> None:
        self._show_groups(range(self.filter_model.rowCount()))
        self._show_every_attempt_group()

    def _on_filter_model_rows_removed(self) -> None:
        # Removed or filtered-out rows leave the selection; a moving task comes back to it.
        if not self._moving and self._sticky:
            self._on_tree_selection_changed()

    def _on_board_model_rows_changed(self) -> None:
        self.show_placeholder(not self.board_model.task_count())

    def _on_board_model_task_moving(self, task_id: str) -> None:
        if task_id in self._sticky:
            self._moving.add(task_id)
            if self.tree.currentIndex().data(TASK_ID_ROLE) == task_id:
                self._moving_current = task_id

    def _on_board_model_task_moved(self, task_id: str) -> None:
        if task_id not in self._moving:
            return
        self._moving.discard(task_id)
        index = self.filter_model.mapFromSource(self.board_model.index_of(task_id))
        selection = self.tree.selectionModel()
        flags = QItemSelectionModel.SelectionFlag
        if index.isValid():
            selection.select(index, flags.Select | flags.Rows)
            if self._moving_current == task_id:
                selection.setCurrentIndex(index, flags.NoUpdate)
        if self._moving_current == task_id:
            self._moving_current = None
        if not self._moving:
            self._on_tree_selection_changed()

    def _on_stop_action_triggered(self) -> None:
        self.stop_requested.emit(self._ids_in(STOPPABLE))

    def _on_retry_action_triggered(self) -> None:
        self.retry_requested.emit(self._ids_in(RETRYABLE))

    def _on_discard_action_triggered(self) -> None:
        self.discard_requested.emit(self._ids_in(DISCARDABLE))

    def _ids_in(self, states: frozenset[TaskState]) -> list[str]:
        tasks = (self.board_model.task_by_id(task_id) for task_id in self.selected_ids())
        return [task.id for task in tasks if task is not None and task.state in states]

    def _update_actions(self) -> None:
        self.stop_action.setEnabled(bool(self._ids_in(STOPPABLE)))
        self.retry_action.setEnabled(bool(self._ids_in(RETRYABLE)))
        self.discard_action.setEnabled(bool(self._ids_in(DISCARDABLE)))

    def _show_groups(self, rows: range) -> None:
        for row in rows:
            index = self.filter_model.index(row, 0)
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
            self.tree.setExpanded(index, index.data(GROUP_ROLE) not in self._collapsed)

    def _show_every_attempt_group(self) -> None:
        for group in self.board_model.attempt_groups():
            self._show_attempts(
                self.filter_model.mapFromSource(self.board_model.group_index(group))
            )

    def _show_attempts(self, index: QModelIndex) -> None:
        group = index.data(ATTEMPTS_ROLE)
        if group:  # one line across the columns: its title, attempts, their states and usage
            self.tree.setFirstColumnSpanned(index.row(), index.parent(), True)
            self.tree.setExpanded(index, group not in self._collapsed_attempts)
