"""Best-of-N side by side: the scoreboard (a column per attempt), then the attempts' code."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.compare import FIELD_TITLES, FIELDS, Attempt, Scoreboard, attempts_text, cells
from app.core.states import CLOSED_STATES
from app.qt.land.attemptcode import AttemptCodeView

BEST_BACKGROUND = QColor(46, 160, 67, 60)  # a translucent green that reads on light and dark
TASK_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_TITLE_ROW = ("title", "Attempt")
_ROWS = (_TITLE_ROW, *((f, FIELD_TITLES[f]) for f in FIELDS))


class CompareView(QWidget):
    """A group's attempts side by side, best first; the best value of each row highlighted."""

    run_tests_requested = Signal()
    review_requested = Signal(str)  # task id
    pick_requested = Signal(str)  # task id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare attempts")
        self.board: Scoreboard | None = None
        self._running = False
        self.summary = QLabel("Loading…")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(len(_ROWS), 0)
        self.table.setVerticalHeaderLabels([title for _, title in _ROWS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.run_tests = QPushButton("Run tests")
        self.review = QPushButton("Review")
        self.pick = QPushButton("Pick && review")
        self.pick.setToolTip("Mark this attempt the winner and open its review")
        self.run_tests.clicked.connect(self.run_tests_requested)
        self.review.clicked.connect(self._on_review_clicked)
        self.pick.clicked.connect(self._on_pick_clicked)
        self.code = AttemptCodeView(self)
        self._layout()
        self._update_buttons()

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_tests)
        buttons.addStretch(1)
        buttons.addWidget(self.review)
        buttons.addWidget(self.pick)
        top = QWidget(self)
        box = QVBoxLayout(top)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.summary)
        box.addWidget(self.table, 1)
        box.addWidget(self.message)
        box.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(self.code)
        split.setStretchFactor(1, 2)
        split.setSizes([330, 520])
        outer = QVBoxLayout(self)
        outer.addWidget(split)

    # what the controller tells it

    def set_scoreboard(self, board: Scoreboard) -> None:
        """Show `board`, keeping the selected attempt selected."""
        keep = self.selected_task_id()
        self.board = board
        self.table.setColumnCount(len(board.attempts))
        # numbered in launch order, as the board and the code below number them; ranked here
        launched = sorted(board.attempts, key=lambda a: a.task.created_at)
        numbers = {a.id: n for n, a in enumerate(launched, 1)}
        for column, attempt in enumerate(board.attempts):
            self._fill_column(column, attempt, board, numbers[attempt.id])
        self.summary.setText(_summary(board))
        ids = [a.id for a in board.attempts]
        if ids:
            self.select_task(keep if keep in ids else ids[0])
        self._update_buttons()

    def _fill_column(self, column: int, attempt: Attempt, board: Scoreboard, number: int) -> None:
        mark = "★ " if attempt.picked else ""
        header = f"{mark}#{number} {attempt.task.short_id}"
        self.table.setHorizontalHeaderItem(column, QTableWidgetItem(header))
        texts = {"title": attempt.task.title, **cells(attempt)}
        for row, (name, _) in enumerate(_ROWS):
            item = QTableWidgetItem(texts[name])
            item.setData(TASK_ID_ROLE, attempt.id)
            if attempt.id in board.best.get(name, frozenset()):
                _highlight(item)
            if name == "tests" and attempt.test is not None:
                item.setToolTip(attempt.test.output_tail or "(no output)")
            self.table.setItem(row, column, item)

    def show_test_running(self, task_id: str) -> None:
        """Say that the tests of `task_id` are running."""
        item = self.cell(task_id, "tests")
        if item is not None:
            item.setText("running…")
            item.setBackground(QBrush())

    def show_test_result(self, task_id: str, text: str, passed: bool) -> None:
        """Show a test result as it arrives, before the board is ranked again."""
        item = self.cell(task_id, "tests")
        if item is not None:
            item.setText(text)
            if passed:
                _highlight(item)

    def set_running(self, running: bool) -> None:
        """Disable "Run tests" while a run is under way."""
        self.run_tests.setText("Running tests…" if running else "Run tests")
        self._running = running
        self._update_buttons()

    def show_message(self, text: str, error: bool = False) -> None:
        """Show a line under the table (red for an error)."""
        self.message.setStyleSheet("color: #cf222e;" if error else "")
        self.message.setText(text)

    # reading it back

    def selected_task_id(self) -> str | None:
        """Return the id of the attempt whose column is selected."""
        columns = {i.column() for i in self.table.selectedIndexes()}
        if len(columns) != 1 or self.board is None:
            return None
        return self.board.attempts[columns.pop()].id

    def select_task(self, task_id: str) -> None:
        """Select the column of attempt `task_id`."""
        if self.board is None:
            return
        for column, attempt in enumerate(self.board.attempts):
            if attempt.id == task_id:
                self.table.selectColumn(column)

    def cell(self, task_id: str, field: str) -> QTableWidgetItem | None:
        """Return the item showing `field` of attempt `task_id`."""
        row = next(i for i, (name, _) in enumerate(_ROWS) if name == field)
        for column in range(self.table.columnCount()):
            item = self.table.item(row, column)
            if item is not None and item.data(TASK_ID_ROLE) == task_id:
                return item
        return None

    def is_highlighted(self, task_id: str, field: str) -> bool:
        """Say whether the cell of `field` for `task_id` is marked as the best value."""
        item = self.cell(task_id, field)
        return item is not None and item.font().bold()

    # slots

    def _on_review_clicked(self) -> None:
        task_id = self.selected_task_id()
        if task_id is not None:
            self.review_requested.emit(task_id)

    def _on_pick_clicked(self) -> None:
        task_id = self.selected_task_id()
        if task_id is not None:
            self.pick_requested.emit(task_id)

    def _update_buttons(self) -> None:
        task_id = self.selected_task_id()
        attempt = self.board.attempt(task_id) if self.board and task_id else None
        self.review.setEnabled(attempt is not None)
        self.pick.setEnabled(attempt is not None and attempt.task.state not in CLOSED_STATES)
        can_test = self.board is not None and bool(self.board.test_command)
        self.run_tests.setEnabled(can_test and not self._running)
        self.run_tests.setToolTip(
            "" if can_test else "The project has no test command (set one with --test)"
        )


def _highlight(item: QTableWidgetItem) -> None:
    item.setBackground(QBrush(BEST_BACKGROUND))
    font = QFont(item.font())
    font.setBold(True)
    item.setFont(font)


def _summary(board: Scoreboard) -> str:
    n = len(board.attempts)
    test = board.test_command or "none"
    group = f"Group {board.group}" if board.group else "One attempt"
    return f"{group}: {attempts_text(n)}, best first. Test command: {test}"
