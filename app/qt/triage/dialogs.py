"""Triage dialogs: quick capture, paste a list, import from GitHub, send to agents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.qt.placement import place

MAX_ATTEMPTS = 10


class QuickCaptureDialog(QDialog):
    """Title and body; Ctrl+Enter saves and clears for the next report, staying open."""

    captured = Signal(str, str)

    def __init__(self, project: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Quick capture — {project}")
        self.title = QLineEdit()
        self.title.setPlaceholderText("What went wrong, in one line")
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("Details, steps to reproduce (optional)")
        self.status = QLabel("Ctrl+Enter saves and clears for the next one; Esc closes.")
        save = QPushButton("Save (Ctrl+Enter)")
        save.clicked.connect(self.save)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.body, 1)
        box.addWidget(self.status)
        box.addWidget(save, 0, Qt.AlignmentFlag.AlignRight)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        self.resize(520, 300)

    def save(self) -> None:
        """Emit the report and clear the fields for the next one."""
        title = " ".join(self.title.text().split())
        if not title:
            self.status.setText("A title is needed.")
            return
        self.captured.emit(title, self.body.toPlainText())
        self.title.clear()
        self.body.clear()
        self.title.setFocus()

    def show_saved(self, text: str) -> None:
        """Say what was saved."""
        self.status.setText(text)


def count_pasted(text: str) -> int:
    """Return how many reports a pasted list holds (0 for an empty or unreadable one)."""
    from app.core.intake import parse_paste
    from app.core.triage import TriageError

    try:
        return len(parse_paste(text))
    except TriageError:  # empty, or more than Orchard takes at once: nothing to add
        return 0


class PasteDialog(QDialog):
    """A text area for a Markdown list or one report per line, counting them live."""

    def __init__(self, project: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Paste reports — {project}")
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(
            "- Crash when saving an empty file\n- Button text cut off in German\n…"
        )
        self.count = QLabel("0 reports will be added")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Add")
        self.ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.text, 1)
        box.addWidget(self.count)
        box.addWidget(buttons)
        self.text.textChanged.connect(self._on_text_text_changed)
        self.resize(560, 380)

    def _on_text_text_changed(self) -> None:
        n = count_pasted(self.text.toPlainText())
        self.count.setText(f"{n} report{'s' if n != 1 else ''} will be added")
        self.ok.setEnabled(n > 0)


class GitHubImportDialog(QDialog):
    """OWNER/REPO, then progress and rate-limit waits while it runs; Cancel stops it."""

    import_requested = Signal(str)
    cancel_requested = Signal()

    def __init__(self, last_repo: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import from GitHub")
        self.repo = QLineEdit(last_repo)
        self.repo.setPlaceholderText("OWNER/REPO")
        self.progress = QLabel("Imports the repository's open issues (not pull requests).")
        self.progress.setWordWrap(True)
        self.start = QPushButton("Import")
        self.start.setDefault(True)
        self.stop = QPushButton("Cancel")
        self.start.clicked.connect(self._on_start_clicked)
        self.stop.clicked.connect(self._on_stop_clicked)
        form = QFormLayout(self)
        form.addRow("Repository", self.repo)
        form.addRow(self.progress)
        buttons = QDialogButtonBox()
        buttons.addButton(self.start, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.stop, QDialogButtonBox.ButtonRole.RejectRole)
        form.addRow(buttons)
        self.running = False
        self.resize(460, 160)

    def _on_start_clicked(self) -> None:
        repo = self.repo.text().strip()
        if "/" not in repo:
            self.progress.setText("Give the repository as OWNER/REPO.")
            return
        self.import_requested.emit(repo)

    def _on_stop_clicked(self) -> None:
        if self.running:
            self.cancel_requested.emit()
        else:
            self.reject()

    def set_running(self, running: bool) -> None:
        """Disable Import while an import runs; Cancel then stops it."""
        self.running = running
        self.start.setEnabled(not running)
        self.repo.setEnabled(not running)
        self.stop.setText("Cancel import" if running else "Close")

    def set_progress(self, text: str) -> None:
        """Show the import's progress (pages read, rate-limit waits, the result)."""
        self.progress.setText(text)


@dataclass(frozen=True, slots=True)
class DispatchRequest:
    agent: str
    attempts: int
    templates: dict[str, str]  # category -> the template as edited


class DispatchDialog(QDialog):
    """Agent and attempts for the whole batch, and each category's prompt template."""

    def __init__(
        self,
        summary: str,
        agents: Sequence[str],
        templates: dict[str, str],
        agent: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Send to agents")
        self.agent = QComboBox()
        self.agent.addItems(list(agents))
        if agent in agents:
            self.agent.setCurrentText(agent)
        self.attempts = QSpinBox()
        self.attempts.setRange(1, MAX_ATTEMPTS)
        self.templates = QTabWidget()
        self._editors: dict[str, QPlainTextEdit] = {}
        for category, template in templates.items():
            editor = QPlainTextEdit(template)
            self._editors[category] = editor
            self.templates.addTab(editor, category)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Send")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(summary))
        form.addRow("Agent", self.agent)
        form.addRow("Attempts each", self.attempts)
        form.addRow("Prompt per category", self.templates)
        form.addRow(buttons)
        self.resize(640, 520)

    def request(self) -> DispatchRequest:
        """Return what the dialog asks for."""
        edited = {k: e.toPlainText() for k, e in self._editors.items()}
        return DispatchRequest(self.agent.currentText(), self.attempts.value(), edited)


def ask_dispatch(
    parent: QWidget,
    summary: str,
    agents: Sequence[str],
    templates: dict[str, str],
    agent: str,
    on_accept: Callable[[DispatchRequest], object],
) -> DispatchDialog:
    """Open the dispatch dialog; call `on_accept` with its request when the user sends."""
    dialog = DispatchDialog(summary, agents, templates, agent, parent)
    dialog.accepted.connect(lambda: on_accept(dialog.request()))
    dialog.finished.connect(dialog.deleteLater)
    place(dialog)
    dialog.open()
    return dialog
