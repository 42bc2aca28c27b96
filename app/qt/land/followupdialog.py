"""The follow-up dialog: say more to a task's agent, with the review's open comments."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.task import Comment, Task
from app.core.words import counted
from app.qt.board import PromptEdit


class FollowUpDialog(QDialog):
    """Collects a follow-up message; Ctrl+Enter sends it with every open comment."""

    send_requested = Signal(str)

    def __init__(self, task: Task, comments: list[Comment], parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Follow up — {task.title}")
        self.resize(640, 420)
        resumes = "resumes its session" if task.session_id else "starts a new turn"
        intro = QLabel(
            f"Sent to <b>{task.agent}</b> in the same worktree ({task.branch}); it {resumes}."
        )
        intro.setWordWrap(True)
        self.comments = QListWidget()
        for c in comments:
            self.comments.addItem(f"{c.path}:{c.line}  {c.text}")
        self.comments.setVisible(bool(comments))
        self.message = PromptEdit()
        self.message.setPlaceholderText(
            "What should the agent do next? (Ctrl+Enter sends)"
            if not comments
            else "Anything to add to the comments above? (optional; Ctrl+Enter sends)"
        )
        self.message.submit.connect(self._on_send)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = buttons.addButton("Send", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._on_send)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(intro)
        if comments:
            going = counted(len(comments), "open review comment goes", "open review comments go")
            box.addWidget(QLabel(f"{going} with it:"))
        box.addWidget(self.comments)
        box.addWidget(self.message, 1)
        box.addWidget(buttons)
        self._has_comments = bool(comments)

    def _on_send(self) -> None:
        text = self.message.toPlainText().strip()
        if not text and not self._has_comments:
            self.message.setFocus()
            return
        self.send_requested.emit(text)
        self.accept()
