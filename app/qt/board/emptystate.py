"""What the board shows before there is any task: where to start."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyStateView(QWidget):
    """Offers 'Add a repository' and 'Try the demo'."""

    add_repository_clicked = Signal()
    try_demo_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h3>No tasks yet</h3>")
        text = QLabel(
            "Add a git repository, then start a task with Ctrl+N: each agent works "
            "in its own worktree and branch.\nOr watch the whole loop first with the "
            "built-in demo agent (no API key)."
        )
        text.setWordWrap(True)
        add = QPushButton("Add a repository…")
        demo = QPushButton("Try the demo")
        add.clicked.connect(self.add_repository_clicked)
        demo.clicked.connect(self.try_demo_clicked)
        box = QVBoxLayout(self)
        box.addStretch(1)
        for widget in (title, text, add, demo):
            box.addWidget(widget)
            widget.setMaximumWidth(360)
        box.addStretch(2)
        box.setAlignment(Qt.AlignmentFlag.AlignHCenter)
