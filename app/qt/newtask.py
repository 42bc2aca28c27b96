"""The new-task dialog (Ctrl+N): project, agent, prompt, base, attempts."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
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
        self.recent.addItem("Recent prompts…")
        self.recent.addItems([p.splitlines()[0][:80] for p in recent[:MAX_RECENT]])
        self._recent = recent[:MAX_RECENT]
        self.recent.activated.connect(self._on_recent_activated)
        self.prompt = QPlainTextEdit()
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
