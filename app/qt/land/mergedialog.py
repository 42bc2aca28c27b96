"""The merge dialog: how to land a task, what the pre-flight check found, and the outcome."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.followup import unsent_count
from app.core.task import Comment, Task
from app.qt.land.unsentbox import comments_html

STRATEGIES = (
    ("merge", "Merge commit"),
    ("squash", "Squash into one commit"),
    ("rebase", "Rebase, then fast-forward"),
)


@dataclass(frozen=True, slots=True)
class LandOptions:
    strategy: str
    into: str
    run_tests: bool
    cleanup: bool
    drop_comments: tuple[int, ...] = ()  # the unsent comments the person chose to land without


class MergeDialog(QDialog):
    """Collects landing options; the controller checks, lands and reports back here."""

    check_requested = Signal(str)
    land_requested = Signal(object)  # LandOptions
    resolve_requested = Signal()
    request_changes_requested = Signal()  # send the unsent comments instead of landing

    def __init__(self, task: Task, has_tests: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Merge — {task.title}")
        self.resize(680, 260)
        self.strategy = QComboBox()
        for key, text in STRATEGIES:
            self.strategy.addItem(text, key)
        self.into = QLineEdit(task.base_ref)
        self.into.editingFinished.connect(lambda: self.check_requested.emit(self.target()))
        self.run_tests = QCheckBox("Run the project's test command on the result first")
        self.run_tests.setChecked(has_tests)
        self.run_tests.setEnabled(has_tests)
        if not has_tests:
            self.run_tests.setToolTip("The project has no test command (set one with --test)")
        self.cleanup = QCheckBox("Then archive and remove the worktree and branch")
        self.findings = QLabel("Checking…")
        self.findings.setWordWrap(True)
        self.findings.setTextFormat(Qt.TextFormat.RichText)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.land_button = self.buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.resolve_button = QPushButton("Ask the agent to rebase and resolve")
        self.buttons.addButton(self.resolve_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.resolve_button.setVisible(False)
        self.request_button = QPushButton("Request changes")
        self.request_button.setToolTip("Send the unsent comments to the agent as its next turn")
        self.buttons.addButton(self.request_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.request_button.setVisible(False)
        self.request_button.clicked.connect(self.request_changes_requested)
        self.unsent = QLabel()
        self.unsent.setWordWrap(True)
        self.unsent.setTextFormat(Qt.TextFormat.RichText)
        self.unsent.setVisible(False)
        self._dropping: tuple[int, ...] = ()
        self.land_button.setEnabled(False)
        self.buttons.accepted.connect(self._on_land)
        self.buttons.rejected.connect(self.reject)
        self.resolve_button.clicked.connect(self.resolve_requested)
        self._build_layout(task)

    def _build_layout(self, task: Task) -> None:
        form = QFormLayout()
        form.addRow("Task", QLabel(f"{html.escape(task.branch)} ({task.agent})"))
        form.addRow("Strategy", self.strategy)
        form.addRow("Into branch", self.into)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.run_tests)
        box.addWidget(self.cleanup)
        box.addWidget(self.unsent)
        box.addWidget(self.findings)
        box.addWidget(self.output, 1)
        box.addStretch(0)
        box.addWidget(self.buttons)

    def target(self) -> str:
        """Return the branch to land into."""
        return self.into.text().strip()

    def options(self) -> LandOptions:
        """Return the options as chosen."""
        return LandOptions(
            str(self.strategy.currentData()),
            self.target(),
            self.run_tests.isChecked(),
            self.cleanup.isChecked(),
            self._dropping,
        )

    def show_unsent(self, comments: list[Comment]) -> None:
        """Warn of review comments not yet sent: send them, or land without them (dropped)."""
        self._dropping = tuple(c.id for c in comments if c.id is not None)
        self.unsent.setVisible(bool(comments))
        self.request_button.setVisible(bool(comments))
        if not comments:
            self.land_button.setText("Merge")
            return
        count = unsent_count(len(comments))
        self.unsent.setText(
            f'<span style="color:#9a6700"><b>{count}</b></span>: send '
            f"{'it' if len(comments) == 1 else 'them'} to the agent (Request changes), or "
            f"merge without (kept as dropped).{comments_html(comments, 5)}"
        )
        self.land_button.setText("Merge without " + ("it" if len(comments) == 1 else "them"))
        self.land_button.setDefault(False)  # Enter sends the feedback; dropping it is a click
        self.request_button.setDefault(True)

    def show_check(self, lines: list[str], can_land: bool, conflicts: bool) -> None:
        """Show what the pre-flight check found (plain lines) and whether landing may go on."""
        self.findings.setText("<br>".join(html.escape(line) for line in lines) or "Ready.")
        self.land_button.setEnabled(can_land)
        self.resolve_button.setVisible(conflicts)
        if conflicts:  # room for the conflicting hunks the controller shows below
            self.resize(max(self.width(), 680), max(self.height(), 480))

    def show_busy(self, text: str) -> None:
        """Say what is happening and hold the buttons until it is done."""
        self.findings.setText(html.escape(text))
        self.land_button.setEnabled(False)

    def show_failure(self, text: str, output: str = "") -> None:
        """Show why landing did not happen, with any test output."""
        self.findings.setText(f'<span style="color:#cf222e">{html.escape(text)}</span>')
        self.output.setPlainText(output)
        self.output.setVisible(bool(output))
        self.adjustSize()
        self.land_button.setEnabled(True)
        self.request_button.setEnabled(True)

    def _on_land(self) -> None:
        self.land_requested.emit(self.options())
