"""The question asked when an action would leave review comments unsent: send, or go without."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.followup import unsent_count
from app.core.task import Comment, Task


def comments_html(comments: list[Comment], limit: int) -> str:
    """Return the comments as an HTML list, `where` in bold, at most `limit` of them named."""
    items = "".join(
        f"<li><b>{html.escape(c.where)}</b> {html.escape(c.text)}</li>" for c in comments[:limit]
    )
    more = f"<li>and {len(comments) - limit} more</li>" if len(comments) > limit else ""
    return f"<ul>{items}{more}</ul>"


class UnsentCommentsBox(QMessageBox):
    """Names the unsent comments and offers Request changes, or the action without them."""

    go_without = Signal(tuple)  # the ids of the comments the person chose to drop
    request_changes = Signal()

    def __init__(
        self, task: Task, comments: list[Comment], verb: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        count = unsent_count(len(comments))
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle(f"{verb} — {count}")
        self.setText(
            f"“{html.escape(task.title)}” has <b>{count}</b> not yet sent to its agent."
            f"{comments_html(comments, 8)}Send {'it' if len(comments) == 1 else 'them'} as "
            f"the agent's next turn, or {verb.lower()} without (kept as dropped)."
        )
        self._ids = tuple(c.id for c in comments if c.id is not None)
        self.without = self.addButton(
            f"{verb} without {'it' if len(comments) == 1 else 'them'}",
            QMessageBox.ButtonRole.DestructiveRole,
        )
        self.request = self.addButton("Request changes", QMessageBox.ButtonRole.AcceptRole)
        self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(self.request)
        self.buttonClicked.connect(self._on_button_clicked)

    def _on_button_clicked(self, button: object) -> None:
        if button is self.without:
            self.go_without.emit(self._ids)
        elif button is self.request:
            self.request_changes.emit()
