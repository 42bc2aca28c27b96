"""The follow-up composer under the log: say more to the shown task's agent, inline."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from app.qt.board import PromptEdit


class FollowUpComposerView(QWidget):
    """A message box and Send (Ctrl+Enter) for the shown task; errors show under it."""

    send_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = PromptEdit(self)
        self.message.setFixedHeight(self.message.fontMetrics().height() * 3 + 14)
        self.message.submit.connect(self._on_message_submit)
        self.send_button = QPushButton("Send", self)
        self.send_button.setToolTip("Send to the agent as its next turn (Ctrl+Enter)")
        self.send_button.clicked.connect(self._on_message_submit)
        self.hint = QLabel(self)
        self.hint.setEnabled(False)  # muted
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c53030;")
        self.error.hide()
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.send_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 4, 6, 4)
        box.setSpacing(2)
        box.addLayout(row)
        box.addWidget(self.hint)
        box.addWidget(self.error)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._comments = 0
        self.set_target(None, "")

    def set_target(self, agent: str | None, refusal: str) -> None:
        """Address the shown task's `agent`, or say why it cannot take a follow-up now."""
        can = agent is not None and not refusal
        self.message.setEnabled(can)
        self.send_button.setEnabled(can)
        self._agent, self._refusal = agent, refusal
        self.message.setPlaceholderText(
            f"Follow up with {agent}: what should it do next? (Ctrl+Enter sends)"
            if can
            else refusal or "Select a task to follow up on"
        )
        self.message.viewport().update()  # a disabled edit does not repaint a new placeholder
        self.error.hide()
        self._show_hint()

    def set_comments(self, count: int) -> None:
        """Say how many open review comments go with the message."""
        self._comments = count
        self._show_hint()

    def _show_hint(self) -> None:
        if self._agent is None or self._refusal:
            self.hint.setText("")
        elif self._comments:
            s = "s" if self._comments != 1 else ""
            self.hint.setText(f"Sent with {self._comments} open review comment{s}")
        else:
            self.hint.setText("Resumes the agent in the same worktree")
        self.hint.setVisible(bool(self.hint.text()))

    def show_error(self, text: str) -> None:
        """Show why the last send failed, under the box; the message stays."""
        self.error.setText(text)
        self.error.show()

    def sent(self) -> None:
        """Clear the box after a send went through."""
        self.message.clear()
        self.error.hide()

    def focus(self) -> None:
        """Put the cursor in the message box."""
        self.message.setFocus()

    def _on_message_submit(self) -> None:
        text = self.message.toPlainText().strip()
        if not self.send_button.isEnabled():
            return
        if not text and not self._comments:
            self.show_error("Write what the agent should do next.")
            return
        self.send_requested.emit(text)
