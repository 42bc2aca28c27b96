"""Review comments: the inline editor on a line, and the panel that lists and sends them."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QKeyEvent,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.core.task import Comment
from app.qt.review.threadview import comment_state


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


class _HtmlDelegate(QStyledItemDelegate):
    """Paints an item's HTML (its HTML role), wrapped to the list's width."""

    def __init__(self, view: QListWidget) -> None:
        super().__init__(view)
        self._view = view

    def _document(self, index: QModelIndex | QPersistentModelIndex) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(self._view.font())
        doc.setDocumentMargin(4)
        doc.setHtml(str(index.data(HTML_ROLE) or ""))
        doc.setTextWidth(max(80, self._view.viewport().width() - 4))
        return doc

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        doc = self._document(index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 2)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        text_option = QStyleOptionViewItem(option)
        self.initStyleOption(text_option, index)
        text_option.text = ""
        style = self._view.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, text_option, painter, self._view)
        doc = self._document(index)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = option.state & QStyle.StateFlag.State_Selected  # type: ignore[operator]
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, option.palette.color(role))
        painter.save()
        painter.translate(option.rect.topLeft())
        painter.setClipRect(0, 0, option.rect.width(), option.rect.height())
        doc.documentLayout().draw(painter, context)
        painter.restore()


HTML_ROLE = Qt.ItemDataRole.UserRole + 1


def comment_html(c: Comment, dim: str) -> str:
    """Return a comment as the panel lists it: where, the quoted line, its text, its state."""
    side = " (old)" if c.side == "old" else ""
    quote = c.quote.strip().splitlines()[0][:120] if c.quote.strip() else ""
    quoted = f'<div style="color:{dim};"><tt>&gt; {html.escape(quote)}</tt></div>' if quote else ""
    text = html.escape(c.text).replace("\n", "<br>")
    return (
        f"<b><tt>:{c.line}{side}</tt></b> "
        f'<span style="color:{dim};">· {html.escape(comment_state(c))}</span>'
        f"{quoted}<div>{text}</div>"
    )


class CommentsPanelView(QWidget):
    """Lists the task's comments by file; sends the open ones, with a message, as
    "Request changes"."""

    comment_activated = Signal(str, int, str)  # path, line, side
    delete_requested = Signal(int)  # comment id
    request_changes = Signal(str)  # the overall message

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("Comments", self)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setItemDelegate(_HtmlDelegate(self.list))
        self.list.setToolTip("Click to go to the line; Delete removes an open comment")
        self.list.itemActivated.connect(self._on_list_item_activated)
        self.list.itemClicked.connect(self._on_list_item_activated)
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
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
        self._comments: list[Comment] = []
        self.set_comments([])

    def set_comments(self, comments: list[Comment]) -> None:
        """List `comments` (open, sent or dropped) by file; count the open ones on the send
        button."""
        self._comments = list(comments)
        self.list.clear()
        dim = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        by_file: dict[str, list[Comment]] = {}
        for c in comments:
            by_file.setdefault(c.path, []).append(c)
        for path in sorted(by_file):
            header = QListWidgetItem()
            header.setData(HTML_ROLE, f"<b><tt>{html.escape(path)}</tt></b>")
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: not selectable
            self.list.addItem(header)
            for c in sorted(by_file[path], key=lambda c: (c.line, c.created_at)):
                item = QListWidgetItem()
                item.setData(HTML_ROLE, comment_html(c, dim))
                item.setData(Qt.ItemDataRole.UserRole, (c.id, c.path, c.line, c.side))
                item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{c.where} {c.text}")
                self.list.addItem(item)
        open_count = sum(1 for c in comments if c.sent_at is None and c.dropped_at is None)
        self.heading.setText(f"Comments ({len(comments)}, {open_count} open)")
        self.send_button.setText(f"Request changes ({open_count})")
        self.delete_button.setEnabled(False)
        self.hint.setVisible(not comments)

    def comment_items(self) -> list[QListWidgetItem]:
        """Return the items that are comments (not file headings), in the listed order."""
        items = [self.list.item(i) for i in range(self.list.count())]
        return [i for i in items if i.data(Qt.ItemDataRole.UserRole) is not None]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.list.hasFocus():
            self._on_delete_clicked()
        else:
            super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._comments:
            self.set_comments(self._comments)  # the dim colour comes from the palette

    def _open_id(self, item: QListWidgetItem | None) -> int | None:
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if data is None:
            return None
        found = next((c for c in self._comments if c.id == data[0]), None)
        return data[0] if found and found.sent_at is None and found.dropped_at is None else None

    def _on_list_current_item_changed(self, item: QListWidgetItem | None, _old: object) -> None:
        self.delete_button.setEnabled(self._open_id(item) is not None)

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data is not None:
            _id, path, line, side = data
            self.comment_activated.emit(path, line, side)

    def _on_delete_clicked(self) -> None:
        comment_id = self._open_id(self.list.currentItem())
        if comment_id is not None:
            self.delete_requested.emit(comment_id)

    def _on_send_clicked(self) -> None:
        self.request_changes.emit(self.message.toPlainText().strip())
