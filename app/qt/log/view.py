"""The live log of one task: a virtualized row view that follows the tail, with a find bar."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QFontDatabase,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.events import Event
from app.qt.emptyhint import EmptyHintView
from app.qt.log.composer import FollowUpComposerView
from app.qt.log.model import LogModel, RowKind
from app.qt.log.rowdelegate import LogRowDelegate

FLUSH_MS = 30
NO_TASK_HINT = "Select a task on the board to follow its log here.\nCtrl+N starts a new one."
AGE_MS = 30_000  # the ages in the gutter are repainted this often
_MODES = ("structured", "raw")


class FindBarView(QWidget):
    """An inline find bar: Enter finds the next match, Shift+Enter the previous, Escape closes."""

    search_requested = Signal(str, bool)  # text, backwards
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Find in log")
        self.count_label = QLabel(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.edit)
        layout.addWidget(self.count_label)
        for text, tip, slot in (
            ("↑", "Previous match (Shift+Enter)", self._on_previous_clicked),
            ("↓", "Next match (Enter, F3)", self._on_next_clicked),
            ("✕", "Close (Escape)", self._on_close_clicked),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            layout.addWidget(button)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            backwards = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.search_requested.emit(self.edit.text(), backwards)
        elif key == Qt.Key.Key_Escape:
            self._on_close_clicked()
        else:
            super().keyPressEvent(event)

    def _on_previous_clicked(self) -> None:
        self.search_requested.emit(self.edit.text(), True)

    def _on_next_clicked(self) -> None:
        self.search_requested.emit(self.edit.text(), False)

    def _on_close_clicked(self) -> None:
        self.hide()
        self.closed.emit()


class LogView(QWidget):
    """Shows one task's log live: follows the tail unless scrolled up; Ctrl+F finds.

    Its bar switches the task's view between Structured and Raw (remembered per task) and
    wraps long lines (on by default); the follow-up composer sits under the rows.
    """

    mode_changed = Signal(str)  # "structured" or "raw", whoever changed it
    file_activated = Signal(str)  # the path of a file-change row, double-clicked or Enter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._task_id: str | None = None
        self._following = True
        self._modes: dict[str, str] = {}  # per task; a task not in it shows structured
        self._wrap = True
        self._shown_mode = "structured"
        self._fitted_width = -1
        self._tall: set[int] = set()  # rows made taller than a line, kept as rows move
        self.model = LogModel(self)
        self.table = self._build_table()
        self.model.modelAboutToBeReset.connect(self._unfit)
        self.model.rowsInserted.connect(self._on_model_rows_inserted)
        self.model.rowsRemoved.connect(self._on_model_rows_removed)
        self.delegate = LogRowDelegate(self.model, self.table)
        self.table.setItemDelegate(self.delegate)
        bar = self._build_bar()
        self.composer = FollowUpComposerView(self)
        self.find_bar = FindBarView(self)
        self.find_bar.hide()
        self.find_bar.search_requested.connect(self._on_find_bar_search_requested)
        self.find_bar.closed.connect(self._on_find_bar_closed)
        self.jump_button = QPushButton("Jump to latest ↓", self.table)
        self.jump_button.hide()
        self.jump_button.clicked.connect(self._on_jump_button_clicked)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._fit_timer = QTimer(self)  # fits wrapped rows once the view has settled
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._on_fit_timer_timeout)
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_MS)
        self._age_timer.timeout.connect(self._on_age_timer_timeout)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.table, 1)  # the composer and bars keep their own height
        layout.addWidget(self.find_bar)
        layout.addWidget(self.composer)
        self._add_shortcuts()
        self.empty_hint = EmptyHintView(self.table, NO_TASK_HINT)
        self.empty_hint.show()

    def _build_bar(self) -> QWidget:
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(6, 2, 6, 2)
        row.setSpacing(0)
        self.mode_buttons = QButtonGroup(self)
        self.mode_buttons.setExclusive(True)
        for mode, text, tip in (
            ("structured", "Structured", "Commands, messages and files, folded (Ctrl+Shift+L)"),
            ("raw", "Raw", "The agent's output as it printed it (Ctrl+Shift+L)"),
        ):
            button = QToolButton(bar)
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setObjectName(f"log_{mode}")
            self.mode_buttons.addButton(button, _MODES.index(mode))
            row.addWidget(button)
        self.mode_buttons.button(0).setChecked(True)
        self.mode_buttons.idClicked.connect(self._on_mode_buttons_id_clicked)
        row.addSpacing(12)
        self.wrap_button = QToolButton(bar)
        self.wrap_button.setText("Wrap")
        self.wrap_button.setToolTip("Wrap long lines")
        self.wrap_button.setCheckable(True)
        self.wrap_button.setChecked(True)
        self.wrap_button.toggled.connect(self.set_wrap)
        row.addWidget(self.wrap_button)
        row.addStretch(1)
        return bar

    def changeEvent(self, event: QEvent) -> None:
        """Repaint the rows in the new colours when the theme changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            QTimer.singleShot(0, self._restyle)  # once the table has its new palette too

    def _restyle(self) -> None:
        self.delegate.restyle(self.table)
        self._refit()
        self.table.viewport().update()

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        table.setModel(self.model)
        rows = table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setMinimumSectionSize(1)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 2)
        rows.hide()
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().hide()
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setCornerButtonEnabled(False)
        table.setTabKeyNavigation(False)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.clicked.connect(self._on_table_clicked)
        table.doubleClicked.connect(self._on_table_double_clicked)
        table.installEventFilter(self)
        bar = table.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrollbar_value_changed)
        bar.rangeChanged.connect(self._on_scrollbar_range_changed)
        return table

    def _add_shortcuts(self) -> None:
        keys = (
            (QKeySequence.StandardKey.Find, self, self._on_find_shortcut_activated),
            (QKeySequence("F3"), self, self._on_next_shortcut_activated),
            (QKeySequence("Shift+F3"), self, self._on_previous_shortcut_activated),
            (QKeySequence("Space"), self.table, self._on_toggle_shortcut_activated),
            (QKeySequence("Return"), self.table, self._on_toggle_shortcut_activated),
        )
        for key, parent, slot in keys:
            shortcut = QShortcut(parent)
            shortcut.setKey(key)
            shortcut.setContext(
                Qt.ShortcutContext.WidgetShortcut
                if parent is self.table
                else Qt.ShortcutContext.WidgetWithChildrenShortcut
            )
            shortcut.activated.connect(slot)

    def task_id(self) -> str | None:
        """Return the id of the task shown, if any."""
        return self._task_id

    def show_task(self, task_id: str, events: list[Event]) -> None:
        """Replace the log with `events` of `task_id` and scroll to the tail."""
        self._task_id = task_id
        self.empty_hint.hide()
        self._timer.stop()
        mode = self._modes.get(task_id, "structured")
        self.model.set_mode(mode)
        self.model.reset(events)
        self._show_mode(mode)
        self.jump_to_latest()
        self._keep_settling()
        self._rows_reset()

    def append(self, task_id: str, events: Iterable[Event]) -> None:
        """Buffer new events of the shown task; they appear at the next flush."""
        if task_id == self._task_id:
            self.model.append_events(events)
            self._arm()

    def append_raw_text(self, task_id: str, text: str) -> None:
        """Buffer decoded raw output of the shown task for the raw view."""
        if task_id == self._task_id:
            self.model.append_raw_text(text)
            self._arm()

    def clear(self) -> None:
        """Show nothing."""
        self._task_id = None
        self.empty_hint.show()
        self._timer.stop()
        self.model.reset()
        self.jump_to_latest()

    def set_mode(self, mode: str) -> None:
        """Show the structured rows ("structured") or the raw output lines ("raw") of this task."""
        self.flush()
        if self._task_id is not None:
            self._modes[self._task_id] = mode
        self.model.set_mode(mode)
        self._show_mode(mode)
        self.jump_to_latest()
        self._rows_reset()

    def _show_mode(self, mode: str) -> None:
        self.mode_buttons.button(_MODES.index(mode)).setChecked(True)
        if mode != self._shown_mode:
            self._shown_mode = mode
            self.mode_changed.emit(mode)

    def set_wrap(self, wrap: bool) -> None:
        """Wrap long lines at the view's width (the default), or cut them at its edge."""
        self._wrap = wrap
        if self.wrap_button.isChecked() != wrap:
            self.wrap_button.setChecked(wrap)
        self._refit()

    def wraps(self) -> bool:
        """Return whether long lines wrap."""
        return self._wrap

    def row_height(self, row: int) -> int:
        """Return the height row `row` is painted at (taller when wrapped)."""
        return self.table.verticalHeader().sectionSize(row)

    def _refit(self) -> None:
        """Forget every wrapped row's height (the width or the rows changed); fit those shown."""
        self._unfit()
        self._rows_reset()

    def _unfit(self) -> None:
        """Make every wrapped row one line high again (a reset model keeps their heights)."""
        header, count, line = (
            self.table.verticalHeader(),
            self.model.rowCount(),
            self.delegate.line_height,
        )
        for row in self._tall:
            if row < count:
                header.resizeSection(row, line)
        self._tall = set()

    def _rows_reset(self) -> None:
        """Note that every row is one line high again (the model was reset); fit those shown."""
        self._fitted_width = self.table.viewport().width()
        self._fit_timer.start()

    def fit_rows(self) -> None:
        """Give the rows in sight the height their wrapped text needs; the rest wait."""
        table = self.table
        if not self._wrap or not self.model.rowCount():
            return
        if table.viewport().width() != self._fitted_width:
            self._refit()
        header, width = table.verticalHeader(), table.viewport().width()
        line, seen = self.delegate.line_height, table.viewport().height()
        first = max(table.rowAt(0), 0)
        last = table.rowAt(seen - 1)
        last = self.model.rowCount() - 1 if last < 0 else last
        for row in range(first, last + 1):
            want = line * self.delegate.line_count(row, width)
            if header.sectionSize(row) != want:
                header.resizeSection(row, want)
                self._tall.add(row)
        if self._following:
            table.scrollToBottom()

    def mode(self) -> str:
        """Return the current mode."""
        return self.model.mode()

    def following(self) -> bool:
        """Return whether the view keeps the newest row in sight."""
        return self._following

    def jump_to_latest(self) -> None:
        """Scroll to the newest row and follow the tail again."""
        self._set_following(True)
        self.table.scrollToBottom()

    def flush(self) -> int:
        """Show buffered rows now; return how many rows were added."""
        self._timer.stop()
        added = self.model.flush()
        if added and self._following:
            self.table.scrollToBottom()
        if added and self._wrap:
            self.fit_rows()
        self._keep_settling()
        return added

    def row_count(self) -> int:
        """Return the number of rows shown."""
        return self.model.rowCount()

    def row_text(self, row: int) -> str:
        """Return the text of row `row`."""
        return self.model.row_text(row)

    # Shadows QWidget.find (a static lookup by window id) because the log's API is "find".
    def find(self, text: str, backwards: bool = False) -> bool:  # type: ignore[override]
        """Select and scroll to the next (or previous) row containing `text`, wrapping around."""
        hits = self.model.find_rows(text) if text else []
        if not hits:
            self.find_bar.count_label.setText("no matches" if text else "")
            return False
        current = self.table.currentIndex().row() if self.table.currentIndex().isValid() else -1
        if backwards:
            at = bisect_left(hits, current) - 1 if current >= 0 else len(hits) - 1
        else:
            at = bisect_right(hits, current)
        at %= len(hits)
        index = self.model.index(hits[at])
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.find_bar.count_label.setText(f"{at + 1} of {len(hits)}")
        return True

    def show_event(self, seq: int) -> bool:
        """Select and centre the first row of event `seq`; False if it is not in the log."""
        row = self.model.row_of_seq(seq)
        if row < 0:
            return False
        index = self.model.index(row)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def open_find(self) -> None:
        """Show the find bar with its text selected."""
        self.find_bar.show()
        self.find_bar.edit.setFocus()
        self.find_bar.edit.selectAll()

    def _keep_settling(self) -> None:
        if self.model.unsettled() and self.isVisible():
            self._timer.start()  # rows loaded in bulk are sealed a slice per tick

    def _arm(self) -> None:
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def _set_following(self, following: bool) -> None:
        self._following = following
        self.jump_button.setVisible(not following)
        if not following:
            self._place_jump_button()

    def _place_jump_button(self) -> None:
        button, table = self.jump_button, self.table
        button.adjustSize()
        margin = 12 + table.verticalScrollBar().width()
        button.move(table.width() - button.width() - margin, table.height() - button.height() - 12)
        button.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.Resize:
            self._place_jump_button()
            self._fit_timer.start()
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.model.has_pending() or self.model.unsettled():
            self._timer.start()
        self._age_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        self._age_timer.stop()
        super().hideEvent(event)

    def _on_timer_timeout(self) -> None:
        self.model.settle()
        self.flush()

    def _on_model_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        if self._tall and max(self._tall) >= first:
            n = last - first + 1
            self._tall = {r + n if r >= first else r for r in self._tall}

    def _on_model_rows_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        if self._tall and max(self._tall) >= first:
            n = last - first + 1
            self._tall = {r - n if r > last else r for r in self._tall if not first <= r <= last}

    def _on_fit_timer_timeout(self) -> None:
        self.fit_rows()

    def _on_age_timer_timeout(self) -> None:
        self.table.viewport().update()  # the gutter's "2m" becomes "3m"

    def _on_mode_buttons_id_clicked(self, mode: int) -> None:
        self.set_mode(_MODES[mode])

    def _on_scrollbar_value_changed(self, value: int) -> None:
        self._set_following(value >= self.table.verticalScrollBar().maximum())
        if self._wrap:
            self._fit_timer.start()

    def _on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._following:
            self.table.verticalScrollBar().setValue(maximum)

    def _on_jump_button_clicked(self) -> None:
        self.jump_to_latest()

    def _toggle(self, row: int) -> None:
        following = self._following
        self._set_following(False)  # unfolding rows must not drag the view to the tail
        if not self.model.toggle(row):
            self._set_following(following)
        self._fit_timer.start()

    def file_at(self, row: int) -> str | None:
        """Return the path of a file-change row ("edit app/x.py"), else None."""
        if not 0 <= row < self.model.rowCount() or self.model.rows.kinds[row] != RowKind.FILE:
            return None
        return self.model.row_text(row).partition(" ")[2] or None

    def _on_table_clicked(self, index: QModelIndex) -> None:
        self._toggle(index.row())

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        path = self.file_at(index.row())
        if path:
            self.file_activated.emit(path)

    def _on_toggle_shortcut_activated(self) -> None:
        row = self.table.currentIndex().row()
        path = self.file_at(row)
        if path:
            self.file_activated.emit(path)
        else:
            self._toggle(row)

    def _on_find_shortcut_activated(self) -> None:
        self.open_find()

    def _on_next_shortcut_activated(self) -> None:
        self.find(self.find_bar.edit.text())

    def _on_previous_shortcut_activated(self) -> None:
        self.find(self.find_bar.edit.text(), backwards=True)

    def _on_find_bar_search_requested(self, text: str, backwards: bool) -> None:
        self.find(text, backwards)

    def _on_find_bar_closed(self) -> None:
        self.table.setFocus()
