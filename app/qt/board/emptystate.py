"""What the board shows before there is any task: where to start."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

NO_PROJECT = (
    "Add a git repository, then start a task with Ctrl+N: each agent works in its own "
    "worktree and branch.\nOr watch the whole loop first with the built-in demo agent "
    "(no API key)."
)
NO_TASK = (
    "Start a task with Ctrl+N: describe what the agent should do, and it works in its own "
    "worktree and branch while you watch its log here."
)


class EmptyStateView(QWidget):
    """Without a project: 'Add a repository' and 'Try the demo'; with one: 'New task'."""

    add_repository_clicked = Signal()
    try_demo_clicked = Signal()
    new_task_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.new_task = QPushButton("New task…  (Ctrl+N)")
        self.add = QPushButton("Add a repository…")
        self.demo = QPushButton("Try the demo")
        self.new_task.clicked.connect(self.new_task_clicked)
        self.add.clicked.connect(self.add_repository_clicked)
        self.demo.clicked.connect(self.try_demo_clicked)
        box = QVBoxLayout(self)
        box.addStretch(1)
        for widget in (self.title, self.text, self.new_task, self.add, self.demo):
            box.addWidget(widget)
            widget.setMaximumWidth(360)
        box.addStretch(2)
        box.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.show_projects(0)

    def show_projects(self, count: int) -> None:
        """Say what to do next: add a repository when there is none, else start a task."""
        self.title.setText("<h3>No tasks yet</h3>" if count else "<h3>No project yet</h3>")
        self.text.setText(NO_TASK if count else NO_PROJECT)
        self.new_task.setVisible(bool(count))
        self.demo.setVisible(not count)
