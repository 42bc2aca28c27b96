"""The new-task dialog (Ctrl+N): project, agent, prompt, base, attempts."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

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
    """Collects one task request; Ctrl+Enter launches."""

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
        self.start_now = QCheckBox("Start now, even past the parallel limit (otherwise queue)")
        self.start_now.setChecked(True)
        self._build_layout()

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
            ("", self.start_now),
        ):
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        launch = buttons.addButton("Launch  (Ctrl+Enter)", QDialogButtonBox.ButtonRole.AcceptRole)
        launch.setDefault(False)
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

    def _on_buttons_accepted(self) -> None:
        if not self.prompt.toPlainText().strip():
            self.prompt.setPlaceholderText("The prompt is empty: say what the agent should do.")
            self.prompt.setFocus()
            return
        self.accept()

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
        )
