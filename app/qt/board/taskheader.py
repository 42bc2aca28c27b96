"""The selected task's header: what it is, where it runs, and what can be done to it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.inbox import Ask, wants
from app.core.states import ACTIVE_STATES, ENDED_STATES, LANDABLE_STATES, TaskState, state_label
from app.core.task import Task
from app.core.tasktext import place
from app.qt.board.elidedlabel import ElidedLabel
from app.qt.icons import state_icon
from app.qt.tokens import margins, spacing, state_colour

_CHIP_ICON = QSize(16, 16)


class TaskHeaderView(QWidget):
    """Shows one task's prompt and facts, with its actions."""

    stop_clicked = Signal()
    retry_clicked = Signal()
    open_folder_clicked = Signal()
    open_terminal_clicked = Signal()
    open_editor_clicked = Signal()
    review_clicked = Signal()
    followup_clicked = Signal()
    merge_clicked = Signal()
    discard_clicked = Signal()
    restore_clicked = Signal()
    pull_request_clicked = Signal()
    compare_clicked = Signal()
    pending_clicked = Signal(str)  # the id of the ask the header shows

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ElidedLabel(1)
        title_font = self.title.font()  # larger than the system font, in step with it
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(title_font)
        self.state = QLabel()  # the state's word in its colour, after its icon
        self.state_icon = QLabel()
        self._state: TaskState | None = None
        # Every line keeps its room, filled or not: one height for every task, so the log
        # below does not jump as the selection moves.
        self.prompt = ElidedLabel(2)
        self.facts = ElidedLabel(1)
        self.facts.setStyleSheet("color: palette(placeholder-text);")
        self.error = ElidedLabel(1)
        self.error.setStyleSheet("color: #cf222e;")
        # The request its agent waits on shows in the error's line (a task that waits has
        # none), with a button of a line's height: the header keeps one height.
        self.pending_button = QToolButton()
        self.pending_button.setText("Answer…")
        self.pending_button.setAutoRaise(True)
        self.pending_button.setFixedHeight(self.error.sizeHint().height())
        self.pending_button.setStyleSheet("QToolButton { padding: 0 6px; font-weight: 600; }")
        self.pending_button.setToolTip("Open it in Needs you (Ctrl+4)")
        self.pending_button.setAccessibleName("Answer the request in Needs you")
        self.pending_button.hide()
        self._pending_id = ""
        self._error_text = ""
        self.buttons = {
            name: QPushButton(text)
            for name, text in (
                ("stop", "Stop"),
                ("retry", "Retry"),
                ("followup", "Follow up…"),
                ("review", "Review"),
                ("merge", "Merge…"),
                ("discard", "Discard…"),
                ("restore", "Restore"),
            )
        }
        self.more = QToolButton()
        self.more.setText("More")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more)
        self.more_actions = {
            name: menu.addAction(text)
            for name, text in (
                ("compare", "Compare attempts…"),
                ("pull_request", "Push and open PR…"),
                ("folder", "Open folder"),
                ("terminal", "Open terminal here"),
                ("editor", "Open in editor"),
            )
        }
        self.more.setMenu(menu)
        self._connect()
        self._build_layout()
        self.show_task(None)

    def _connect(self) -> None:
        b = self.buttons
        b["stop"].clicked.connect(self.stop_clicked)
        b["retry"].clicked.connect(self.retry_clicked)
        b["followup"].clicked.connect(self.followup_clicked)
        b["review"].clicked.connect(self.review_clicked)
        b["merge"].clicked.connect(self.merge_clicked)
        b["discard"].clicked.connect(self.discard_clicked)
        b["restore"].clicked.connect(self.restore_clicked)
        m = self.more_actions
        m["compare"].triggered.connect(self.compare_clicked)
        m["pull_request"].triggered.connect(self.pull_request_clicked)
        m["folder"].triggered.connect(self.open_folder_clicked)
        m["terminal"].triggered.connect(self.open_terminal_clicked)
        m["editor"].triggered.connect(self.open_editor_clicked)
        self.pending_button.clicked.connect(lambda: self.pending_clicked.emit(self._pending_id))

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(spacing("small_gap"))
        top.addWidget(self.state_icon)
        top.addWidget(self.state)
        top.addSpacing(spacing("gap"))
        top.addWidget(self.title, 1)
        actions = QHBoxLayout()
        for button in self.buttons.values():
            actions.addWidget(button)
        actions.addWidget(self.more)
        actions.addStretch(1)
        grid = QGridLayout()
        grid.addWidget(self.prompt, 0, 0)
        grid.addWidget(self.facts, 1, 0)
        grid.addWidget(self.error, 2, 0)
        grid.addWidget(self.pending_button, 2, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(*margins("header_margins"))
        box.addLayout(top)
        box.addLayout(grid)
        box.addLayout(actions)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def show_task(self, task: Task | None) -> None:
        """Show `task`, or an empty header when None."""
        self.setEnabled(task is not None)
        if task is None:
            self.title.setText("No task selected")
            self._error_text = ""
            self.show_pending(None)
            for label in (self.state, self.state_icon, self.prompt, self.facts, self.error):
                label.clear()
            self.buttons["restore"].hide()
            self._state = None
            return
        self.title.setText(task.title)
        self._state = task.state
        self._show_state()
        self.prompt.setText(task.prompt)
        demo = " (demo agent)" if task.agent == "demo" else ""
        where = f" · {place(task)}" if task.node else ""  # a Ray node; nothing when here
        self.facts.setText(
            f"{task.agent}{demo} · {task.project} · {task.branch} · from "
            f"{task.base_ref} @ {task.base_commit[:10]}{where}"
        )
        self._error_text = task.error or ""
        if not self._pending_id:
            self.error.setText(self._error_text)
        self._enable_actions(task)

    def show_pending(self, ask: Ask | None, more: int = 0, waited: str = "") -> None:
        """Show the request the task's agent waits on (and how many more), or the error again."""
        self._pending_id = ask.id if ask is not None else ""
        self.pending_button.setVisible(ask is not None)
        if ask is None:
            self.error.setStyleSheet("color: #cf222e;")
            self.error.setText(self._error_text)
            return
        colour = state_colour("failed" if ask.dangerous else "needs-input")
        self.error.setStyleSheet(f"color: {colour}; font-weight: 600;")
        also = f" (and {more} more)" if more else ""
        since = f" · waiting {waited}" if waited else ""
        danger = "dangerous: " if ask.dangerous else ""
        self.error.setText(f"Waits on you: {danger}{wants(ask)} {ask.subject}{also}{since}")

    def pending_text(self) -> str:
        """Return the pending request's line, empty when the task waits on nobody."""
        return self.error.text() if self._pending_id else ""

    def _enable_actions(self, task: Task) -> None:
        state, b, m = task.state, self.buttons, self.more_actions
        has_work = state in LANDABLE_STATES
        b["stop"].setEnabled(state in ACTIVE_STATES | {TaskState.QUEUED, TaskState.PAUSED})
        b["retry"].setEnabled(state in ENDED_STATES | {TaskState.NEEDS_INPUT})
        b["followup"].setEnabled(has_work)
        b["review"].setEnabled(state not in (TaskState.QUEUED, TaskState.DISCARDED))
        b["merge"].setEnabled(has_work)
        b["discard"].setEnabled(has_work or state is TaskState.QUEUED)
        b["restore"].setVisible(state is TaskState.DISCARDED)
        m["compare"].setEnabled(task.group is not None)
        m["pull_request"].setEnabled(has_work)

    def _show_state(self) -> None:
        if self._state is None:
            return
        colour = state_colour(self._state)
        self.state.setText(f'<b style="color:{colour}">{state_label(self._state)}</b>')
        self.state_icon.setPixmap(
            state_icon(self._state).pixmap(_CHIP_ICON, self.devicePixelRatioF())
        )

    def changeEvent(self, event: QEvent) -> None:
        """Show the state again in the new theme's colour."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._show_state()
