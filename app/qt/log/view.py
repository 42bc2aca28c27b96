"""The live log of one task: a virtualized row view that follows the tail, with a find bar."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.events import Event
from app.qt.log.model import Fold, LogModel, RowKind, Tone

FLUSH_MS = 30
_MAX_PAINTED_CHARS = 2000  # longer lines are cut when painted; row_text keeps them whole
_AnyIndex = QModelIndex | QPersistentModelIndex
_INDENT = {RowKind.OUTPUT: 4, RowKind.MORE: 4, RowKind.THINK_BODY: 4, RowKind.CODE: 2}
_DIM = (RowKind.THINK, RowKind.THINK_BODY, RowKind.OUTPUT, RowKind.DIM, RowKind.QUOTE)
_COLOURS = {
    RowKind.MORE: "#3182ce",
    RowKind.FILE: "#2b6cb0",
    RowKind.TOOL: "#6b46c1",
    RowKind.ERROR: "#c53030",
    RowKind.NEEDS_INPUT: "#b7791f",
}
_TONES = {Tone.RUNNING: "#b7791f", Tone.OK: "#2f855a", Tone.FAILED: "#c53030"}
_ALIGN = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextSingleLine


class LogRowDelegate(QStyledItemDelegate):
    """Paints a log row from the model's kind codes: colour, indent, fold arrow, exit badge."""

    def __init__(self, model: LogModel, view: QTableView) -> None:
        super().__init__(view)
        self._model = model
        self.restyle(view)

    def restyle(self, view: QTableView) -> None:
        """Take the colours and font of `view` again (the theme changed)."""
        text = view.palette().text().color()
        dim, dimmer = QColor(text), QColor(text)
        dim.setAlpha(150)
        dimmer.setAlpha(110)
        by_kind = {k: QColor(name) for k, name in _COLOURS.items()}
        by_kind |= {k: dim for k in _DIM} | {RowKind.RAW_DIM: dimmer}
        self._pens = [by_kind.get(k, text) for k in RowKind]
        self._char = view.fontMetrics().horizontalAdvance("0")
        self._indents = [_INDENT.get(k, 0) * self._char for k in RowKind]
        self._error_fill = QColor(_COLOURS[RowKind.ERROR])
        self._error_fill.setAlpha(28)
        self._tones = [QColor(_TONES.get(t, "#718096")) for t in Tone]
        self._badge_width = self._char * 9
        self._bold = QFont(view.font())
        self._bold.setBold(True)
        self._code_fill = QColor(text)
        self._code_fill.setAlpha(18)  # a faint box behind a message's code block

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _AnyIndex) -> None:
        rows, row, rect = self._model.rows, index.row(), option.rect
        kind, selected = rows.kinds[row], option.state & QStyle.StateFlag.State_Selected
        if selected:
            painter.fillRect(rect, option.palette.highlight())
        elif kind == RowKind.ERROR:
            painter.fillRect(rect, self._error_fill)
        elif kind == RowKind.CODE:
            painter.fillRect(rect.adjusted(2, 0, -2, 0), self._code_fill)
        x = rect.x() + 4 + self._indents[kind]
        if kind == RowKind.COMMAND or kind == RowKind.THINK:
            x = self._paint_header(painter, rect, x, rows.group_at(row), kind)
        painter.setPen(option.palette.highlightedText().color() if selected else self._pens[kind])
        text = rows.texts[row][:_MAX_PAINTED_CHARS]
        if kind == RowKind.HEADING:
            painter.save()
            painter.setFont(self._bold)
            painter.drawText(QRect(x, rect.y(), rect.right() - x, rect.height()), _ALIGN, text)
            painter.restore()
            return
        painter.drawText(QRect(x, rect.y(), rect.right() - x, rect.height()), _ALIGN, text)

    def _paint_header(self, painter: QPainter, rect: QRect, x: int, g: int, kind: int) -> int:
        rows = self._model.rows
        if rows.g_lines[g]:
            arrow = "▸" if rows.g_fold[g] == Fold.COLLAPSED else "▾"
            painter.setPen(self._pens[RowKind.DIM])
            painter.drawText(QRect(x, rect.y(), self._char * 2, rect.height()), _ALIGN, arrow)
        x += self._char * 2
        if kind != RowKind.COMMAND:
            return x
        colour = self._tones[rows.g_tone[g]]
        pill = QRect(x, rect.y() + 1, self._badge_width, rect.height() - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(pill, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, rows.badge(g))
        return x + self._badge_width + self._char


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
    """Shows one task's log live: follows the tail unless scrolled up; Ctrl+F finds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._task_id: str | None = None
        self._following = True
        self.model = LogModel(self)
        self.table = self._build_table()
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.table)
        layout.addWidget(self.find_bar)
        self._add_shortcuts()

    def changeEvent(self, event: QEvent) -> None:
        """Repaint the rows in the new colours when the theme changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            QTimer.singleShot(0, self._restyle)  # once the table has its new palette too

    def _restyle(self) -> None:
        delegate = self.table.itemDelegate()
        if isinstance(delegate, LogRowDelegate):
            delegate.restyle(self.table)
            self.table.viewport().update()

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        table.setModel(self.model)
        table.setItemDelegate(LogRowDelegate(self.model, table))
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
        self._timer.stop()
        self.model.reset(events)
        self.jump_to_latest()
        self._keep_settling()

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
        self._timer.stop()
        self.model.reset()
        self.jump_to_latest()

    def set_mode(self, mode: str) -> None:
        """Show the structured rows ("structured") or the raw output lines ("raw")."""
        self.flush()
        self.model.set_mode(mode)
        self.jump_to_latest()

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
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.model.has_pending() or self.model.unsettled():
            self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def _on_timer_timeout(self) -> None:
        self.model.settle()
        self.flush()

    def _on_scrollbar_value_changed(self, value: int) -> None:
        self._set_following(value >= self.table.verticalScrollBar().maximum())

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

    def _on_table_clicked(self, index: QModelIndex) -> None:
        self._toggle(index.row())

    def _on_toggle_shortcut_activated(self) -> None:
        self._toggle(self.table.currentIndex().row())

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
