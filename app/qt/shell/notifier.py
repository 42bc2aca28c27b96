"""Desktop notifications and taskbar attention when a task needs the person."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QSystemTrayIcon, QWidget

from app.core.states import TaskState
from app.core.task import Task

KINDS = {
    TaskState.SUCCEEDED: ("finished", "Task finished"),
    TaskState.FAILED: ("failed", "Task failed"),
    TaskState.NEEDS_INPUT: ("needs_input", "Task needs you"),
}


class NotifierController:
    """Announces ended or blocked tasks; each kind can be turned off from a menu."""

    def __init__(self, window: QWidget, settings: QSettings, menu: QMenu) -> None:
        self.window = window
        self.settings = settings
        self.sent: list[tuple[str, str]] = []  # what was announced, newest last
        self.actions: dict[str, QAction] = {}
        for key, title in KINDS.values():
            action = menu.addAction(f"Notify when: {title.removeprefix('Task ')}")
            action.setCheckable(True)
            action.setChecked(self._enabled(key))
            action.toggled.connect(lambda on, key=key: self.settings.setValue(f"notify/{key}", on))
            self.actions[key] = action
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = window.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon)
            self.tray = QSystemTrayIcon(QIcon(icon), window)
            self.tray.show()

    def _enabled(self, key: str) -> bool:
        return str(self.settings.value(f"notify/{key}", "true")).lower() == "true"

    def on_task_changed(self, before: Task | None, task: Task) -> None:
        """Announce `task` if it has just reached a state worth a notification."""
        if before is None or before.state is task.state or task.state not in KINDS:
            return
        key, title = KINDS[task.state]
        if not self._enabled(key):
            return
        text = task.title if not task.error else f"{task.title}: {task.error[:120]}"
        self.sent.append((title, text))
        if self.tray is not None:
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)
        QApplication.alert(self.window)
