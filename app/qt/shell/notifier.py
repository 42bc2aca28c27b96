"""Desktop notifications and taskbar attention when a task needs the person.

Tasks that end within COALESCE_SECONDS of the first make one notification ("3 tasks ready
for review"). It goes to the desktop's notification server over D-Bus, with actions (Review,
Open); without a session bus or a server, to the tray. A notification never raises the
window: only a click on one of its actions does.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QSystemTrayIcon

from app.core.states import TaskState
from app.core.task import Task
from app.installation import APP_ID
from app.qt.shell.desktopnotifications import DesktopNotifications
from app.qt.shell.mainwindow import MainWindow

KINDS = {
    TaskState.SUCCEEDED: ("finished", "Task finished"),
    TaskState.FAILED: ("failed", "Task failed"),
    TaskState.NEEDS_INPUT: ("needs_input", "Task needs you"),
    TaskState.PAUSED: ("needs_input", "Task paused at its budget"),
}
PLURAL = {"finished": "finished", "failed": "failed", "needs_input": "need you"}
COALESCE_SECONDS = 2.0
LISTED = 5  # titles a coalesced notification names before "and N more"

Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


class NotifierController:
    """Announces ended or blocked tasks; each kind can be turned off from a menu."""

    def __init__(
        self,
        window: MainWindow,
        settings: QSettings,
        menu: QMenu,
        spawn: Spawn,
        desktop: DesktopNotifications | None = None,
    ) -> None:
        self.window = window
        self.settings = settings
        self.spawn = spawn
        self.coalesce_seconds = COALESCE_SECONDS
        self.sent: list[tuple[str, str]] = []  # what was announced, newest last
        self.actions: dict[str, QAction] = {}
        for key, title in KINDS.values():
            action = menu.addAction(f"Notify when: {title.removeprefix('Task ')}")
            action.setCheckable(True)
            action.setChecked(self._enabled(key))
            action.toggled.connect(lambda on, key=key: self.settings.setValue(f"notify/{key}", on))
            self.actions[key] = action
        self.desktop = desktop or DesktopNotifications("Orchard", APP_ID, self.on_action)
        self._waiting: list[Task] = []  # ended since the first of a batch, oldest first
        self._shown: dict[int, list[str]] = {}  # desktop notification id -> its task ids
        self._to_inbox: set[int] = set()  # notifications whose actions open Needs you
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = window.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon)
            self.tray = QSystemTrayIcon(QIcon(icon), window)
            self.tray.show()

    def refresh(self) -> None:
        """Check the menu's switches as the settings say (the Settings dialog changed them)."""
        for key, action in self.actions.items():
            action.setChecked(self._enabled(key))

    def _enabled(self, key: str) -> bool:
        return str(self.settings.value(f"notify/{key}", "true")).lower() == "true"

    def on_task_changed(self, before: Task | None, task: Task) -> None:
        """Announce `task` if it has just reached a state worth a notification."""
        if before is None or before.state is task.state or task.state not in KINDS:
            return
        if not self._enabled(KINDS[task.state][0]):
            return
        self._waiting.append(task)
        if len(self._waiting) == 1:
            self.spawn(self._announce_later())

    async def _announce_later(self) -> None:
        await asyncio.sleep(self.coalesce_seconds)
        tasks, self._waiting = self._waiting, []
        await self.announce(tasks)

    async def tell(self, summary: str, body: str, task_id: str) -> None:
        """Send one notification about a task that is not about its state (a car that left)."""
        self.sent.append((summary, body))
        shown = await self.desktop.notify(
            summary, html.escape(body, quote=False), [("open", "Open")]
        )
        if shown is not None:
            self._shown[shown] = [task_id]
        elif self.tray is not None:
            self.tray.showMessage(summary, body, QSystemTrayIcon.MessageIcon.Information, 8000)
        QApplication.alert(self.window)

    async def tell_waiting(self, summary: str, body: str) -> None:
        """Send one notification about agents waiting on the person; its action opens Needs you."""
        if not self._enabled("needs_input"):
            return
        self.sent.append((summary, body))
        shown = await self.desktop.notify(
            summary, html.escape(body, quote=False), [("default", "Open"), ("inbox", "Answer")]
        )
        if shown is not None:
            self._to_inbox.add(shown)
        elif self.tray is not None:
            self.tray.showMessage(summary, body, QSystemTrayIcon.MessageIcon.Information, 8000)
        QApplication.alert(self.window)  # the taskbar entry asks for attention; focus stays

    async def announce(self, tasks: list[Task]) -> None:
        """Tell the desktop (or the tray) that these tasks ended, in one notification."""
        summary, body = describe(tasks)
        self.sent.append((summary, body))
        ids = [t.id for t in tasks]
        single_review = len(tasks) == 1 and tasks[0].state is TaskState.SUCCEEDED
        actions = [("default", "Open"), ("review", "Review") if single_review else ("open", "Open")]
        shown = await self.desktop.notify(summary, html.escape(body, quote=False), actions)
        if shown is not None:
            self._shown[shown] = ids
        elif self.tray is not None:
            self.tray.showMessage(summary, body, QSystemTrayIcon.MessageIcon.Information, 8000)
        QApplication.alert(self.window)  # the taskbar entry asks for attention; focus stays

    def on_action(self, notification_id: int, key: str) -> None:
        """Bring the window up at the notification's task; Review opens that task's review."""
        ids = self._shown.get(notification_id)
        inbox = notification_id in self._to_inbox
        if not ids and not inbox:
            return  # another application's notification, or one this window did not send
        w = self.window
        w.setWindowState(w.windowState() & ~Qt.WindowState.WindowMinimized)
        w.show()
        w.raise_()
        w.activateWindow()
        if inbox:
            w.show_inbox()
            return
        w.tabs.setCurrentIndex(0)
        if w.board.select_task(ids[0]) and key == "review":
            w.actions["review"].trigger()

    def close(self) -> None:
        """Leave the session bus."""
        self.desktop.close()


def describe(tasks: list[Task]) -> tuple[str, str]:
    """Return the summary and body of one notification about these ended tasks."""
    if len(tasks) == 1:
        task = tasks[0]
        text = task.title if not task.error else f"{task.title}: {task.error[:120]}"
        return KINDS[task.state][1], text
    counts: dict[str, int] = {}
    for task in tasks:
        key = KINDS[task.state][0]
        counts[key] = counts.get(key, 0) + 1
    if list(counts) == ["finished"]:
        summary = f"{len(tasks)} tasks ready for review"
    else:
        summary = f"{len(tasks)} tasks: " + ", ".join(f"{n} {PLURAL[k]}" for k, n in counts.items())
    titles = [t.title for t in tasks[:LISTED]]
    if len(tasks) > LISTED:
        titles.append(f"and {len(tasks) - LISTED} more")
    return summary, "\n".join(titles)
