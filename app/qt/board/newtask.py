"""The new-task dialog (Ctrl+N): project, agent, prompt, base, attempts, budget.

It stays open until its tasks are queued: a refusal (the agent not installed, a prompt too
long for it) shows inside it, and a missing agent can be queued anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.core.budget import Caps
from app.qt.notice import NoticeFrame

MAX_RECENT = 20


@dataclass(frozen=True, slots=True)
class NewTaskRequest:
    project: str
    agent: str
    prompt: str
    title: str | None
    base: str | None
    attempts: int
    start_now: bool
    anyway: bool = False  # queue even if the agent is not installed
    caps: Caps = field(default_factory=Caps)  # each task's own budget; unset: the project's default


class PromptEdit(QPlainTextEdit):
    """The prompt box: Ctrl+Enter submits, Ctrl+Up/Down walk through recent prompts."""

    submit = Signal()
    recent = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Take the dialog's keys before the editor turns them into text or moves."""
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit.emit()
        elif ctrl and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.recent.emit(1 if event.key() == Qt.Key.Key_Up else -1)
        else:
            super().keyPressEvent(event)


class NewTaskDialog(QDialog):
    """Collects one task request; Ctrl+Enter launches.

    Launch emits `launch_requested`; whoever queues the tasks then calls accept() or
    show_refusal().
    """

    launch_requested = Signal(object)  # a NewTaskRequest

    def __init__(
        self,
        projects: list[str],
        agents: list[str],
        recent: list[str],
        parent: QWidget | None = None,
        agent: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New task")
        self.setMinimumWidth(600)  # a refusal reads on two lines, not five
        self.project = QComboBox()
        self.project.addItems(projects)
        self.agent = QComboBox()
        self.agent.addItems(agents)
        if agent in agents:
            self.agent.setCurrentText(agent)
        self.recent = QComboBox()
        self.recent.addItem("Recent prompts… (Ctrl+Up / Ctrl+Down)")
        self.recent.addItems([p.splitlines()[0][:80] for p in recent[:MAX_RECENT]])
        self._recent = recent[:MAX_RECENT]
        self._recent_at = -1
        self.recent.activated.connect(self._on_recent_activated)
        self.prompt = PromptEdit()
        self.prompt.submit.connect(self._on_buttons_accepted)
        self.prompt.recent.connect(self.cycle_recent)
        self.prompt.setPlaceholderText("What should the agent do?")
        self.prompt.setMinimumHeight(140)
        self.title = QLineEdit()
        self.title.setPlaceholderText("(from the prompt's first line)")
        self.base = QLineEdit()
        self.base.setPlaceholderText("(the project's base branch)")
        self.attempts = QSpinBox()
        self.attempts.setRange(1, 10)
        # Off unless asked: the parallel limit holds by default.
        self.budget_usd, self.budget_minutes, self.budget_tokens = _budget_boxes()
        self.start_now = QCheckBox("Start now, even past the parallel limit")
        self.start_now.setToolTip("Otherwise the task waits its turn under the parallel limit")
        self.error = NoticeFrame("error")
        self.queue_anyway = QPushButton("Queue anyway")
        self.queue_anyway.setToolTip("Queue it now; it starts once the agent is installed")
        self.queue_anyway.clicked.connect(self._on_queue_anyway_clicked)
        self.error.add_button(self.queue_anyway)
        self.error.hide()
        self._busy = False  # a launch is under way: no second one until it is answered
        self._build_layout()
        self.prompt.textChanged.connect(self._on_prompt_text_changed)
        self._on_prompt_text_changed()

    def _build_layout(self) -> None:
        form = QFormLayout(self)
        for label, widget in (
            ("Project", self.project),
            ("Agent", self.agent),
            ("", self.recent),
            ("Prompt", self.prompt),
            ("Title", self.title),
            ("Base branch", self.base),
            ("Attempts", self.attempts),
            ("Budget", _row(self.budget_usd, self.budget_minutes, self.budget_tokens)),
            ("", self.start_now),
        ):
            form.addRow(label, widget)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.launch = buttons.addButton(
            "Launch  (Ctrl+Enter)", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.launch.setDefault(False)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self._on_buttons_accepted)

        self.prompt.setFocus(Qt.FocusReason.OtherFocusReason)

    def cycle_recent(self, step: int) -> None:
        """Put the next older (step 1) or newer (step -1) recent prompt in the editor."""
        if not self._recent:
            return
        self._recent_at = max(0, min(len(self._recent) - 1, self._recent_at + step))
        self.prompt.setPlainText(self._recent[self._recent_at])

    def _on_recent_activated(self, index: int) -> None:
        if index > 0:
            self.prompt.setPlainText(self._recent[index - 1])
            self.prompt.setFocus()
        self.recent.setCurrentIndex(0)

    def _on_prompt_text_changed(self) -> None:
        empty = not self.prompt.toPlainText().strip()
        self.launch.setEnabled(not empty and not self._busy)
        self.launch.setToolTip("Say what the agent should do first" if empty else "")

    def _on_buttons_accepted(self) -> None:
        if not self.prompt.toPlainText().strip():
            self.show_refusal("The prompt is empty: say what the agent should do.")
            self.prompt.setFocus()
            return
        self._launch(self.request())

    def _on_queue_anyway_clicked(self) -> None:
        self._launch(replace(self.request(), anyway=True))

    def _launch(self, request: NewTaskRequest) -> None:
        if self._busy:
            return
        self.error.hide()
        self.set_busy(True)
        self.launch_requested.emit(request)

    def set_busy(self, busy: bool) -> None:
        """Hold Launch while the tasks are being queued."""
        self._busy = busy
        self.launch.setText("Launching…" if busy else "Launch  (Ctrl+Enter)")
        self._on_prompt_text_changed()

    def show_refusal(self, text: str, can_force: bool = False) -> None:
        """Show why the tasks were not queued, inside the dialog; offer Queue anyway if asked."""
        self.set_busy(False)
        self.error.set_message(text)
        self.queue_anyway.setVisible(can_force)
        self.error.show()

    def request(self) -> NewTaskRequest:
        """Return what the person asked for."""
        return NewTaskRequest(
            project=self.project.currentText(),
            agent=self.agent.currentText(),
            prompt=self.prompt.toPlainText(),
            title=self.title.text().strip() or None,
            base=self.base.text().strip() or None,
            attempts=self.attempts.value(),
            start_now=self.start_now.isChecked(),
            caps=Caps(
                self.budget_tokens.value() * 1000 or None,
                self.budget_usd.value() or None,
                self.budget_minutes.value() or None,
            ),
        )


def _budget_boxes() -> tuple[QDoubleSpinBox, QSpinBox, QSpinBox]:
    """Return the budget's boxes: USD, minutes, thousands of tokens; 0 reads "default"."""
    usd = QDoubleSpinBox()
    usd.setRange(0, 10_000)
    usd.setDecimals(2)
    usd.setPrefix("$")
    minutes, tokens = QSpinBox(), QSpinBox()
    minutes.setRange(0, 24 * 60)
    minutes.setSuffix(" min")
    tokens.setRange(0, 100_000)
    tokens.setSuffix("k tokens")
    for box, what in ((usd, "cost"), (minutes, "wall time"), (tokens, "tokens")):
        box.setSpecialValueText(f"{what}: default")
        box.setToolTip(f"Pause the task at this {what} and ask you (unset: the project's default)")
    return usd, minutes, tokens


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return row
