"""Review comments: the inline editor on a line, and the panel that lists and sends them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.task import Comment


class _CommentTextEdit(QPlainTextEdit):
    submitted = Signal()
    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        if (
            key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and mods & Qt.KeyboardModifier.ControlModifier
        ):
            self.submitted.emit()
        elif key == Qt.Key.Key_Escape:
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)


class CommentEditorView(QFrame):
    """Edits the text of a comment on one line; says which line in its title."""

    saved = Signal(str)  # the comment's text
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.title = QLabel(self)
        self.edit = _CommentTextEdit(self)
        self.edit.setPlaceholderText("What should the agent change here?")
        self.edit.setTabChangesFocus(True)
        self.edit.submitted.connect(self._on_save_clicked)
        self.edit.cancelled.connect(self._on_cancel_clicked)
        self.save_button = QPushButton("Save", self)
        self.save_button.setToolTip("Save the comment (Ctrl+Enter)")
        self.save_button.clicked.connect(self._on_save_clicked)
        cancel = QPushButton("Cancel", self)
        cancel.setToolTip("Forget it (Escape)")
        cancel.clicked.connect(self._on_cancel_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.title, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.edit)
        box.addLayout(buttons)
        self.resize(460, 130)

    def start(self, title: str) -> None:
        """Show the editor, empty, with `title` naming the line."""
        self.title.setText(title)
        self.edit.clear()
        self.show()
        self.raise_()
        self.edit.setFocus()

    def _on_save_clicked(self) -> None:
        text = self.edit.toPlainText().strip()
        if text:
            self.hide()
            self.saved.emit(text)

    def _on_cancel_clicked(self) -> None:
        self.hide()
        self.cancelled.emit()


class CommentsPanelView(QWidget):
    """Lists the open comments; sends them, with an overall message, as "Request changes"."""

    comment_activated = Signal(str, int, str)  # path, line, side
    delete_requested = Signal(int)  # comment id
    request_changes = Signal(str)  # the overall message

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("Comments", self)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setToolTip("Double-click to go to the line; Delete removes a comment")
        self.list.itemActivated.connect(self._on_list_item_activated)
        self.list.itemDoubleClicked.connect(self._on_list_item_activated)
        self.hint = QLabel(
            "No comments yet. Click a line number, or press c on a line, to say what should "
            "change; Request changes sends them all to the agent as its next turn.",
            self,
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text); padding: 8px;")
        self.delete_button = QPushButton("Delete comment", self)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.message = QPlainTextEdit(self)
        self.message.setPlaceholderText("Overall message to the agent (optional)")
        self.message.setMaximumHeight(90)
        self.send_button = QPushButton("Request changes", self)
        self.send_button.setToolTip("Send every open comment and the message to the same agent")
        self.send_button.clicked.connect(self._on_send_clicked)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.heading)
        box.addWidget(self.hint)
        box.addWidget(self.list, 1)
        box.addWidget(self.delete_button)
        box.addWidget(self.message)
        box.addWidget(self.send_button)
        self.set_comments([])

    def set_comments(self, comments: list[Comment]) -> None:
        """Show `comments` and count them on the send button."""
        self.list.clear()
        for c in comments:
            quote = f"\n  > {c.quote.strip()[:120]}" if c.quote.strip() else ""
            side = " (old)" if c.side == "old" else ""
            item = QListWidgetItem(f"{c.path}:{c.line}{side}{quote}\n{c.text}")
            item.setData(Qt.ItemDataRole.UserRole, (c.id, c.path, c.line, c.side))
            self.list.addItem(item)
        self.heading.setText(f"Open comments ({len(comments)})")
        self.send_button.setText(f"Request changes ({len(comments)})")
        self.delete_button.setEnabled(bool(comments))
        self.hint.setVisible(not comments)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.list.hasFocus():
            self._on_delete_clicked()
        else:
            super().keyPressEvent(event)

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        _id, path, line, side = item.data(Qt.ItemDataRole.UserRole)
        self.comment_activated.emit(path, line, side)

    def _on_delete_clicked(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.delete_requested.emit(item.data(Qt.ItemDataRole.UserRole)[0])

    def _on_send_clicked(self) -> None:
        self.request_changes.emit(self.message.toPlainText().strip())
