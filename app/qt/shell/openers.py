"""Open a task's worktree elsewhere: the file manager, a terminal, the user's editor."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices

from app.qt.shell.host import WindowHost


class OpenController:
    """Hands the shown task's worktree to desktop programs."""

    def __init__(self, main: WindowHost) -> None:
        self.main = main
        h, a = main.window.header, main.window.actions
        h.open_folder_clicked.connect(self.open_folder)
        h.open_terminal_clicked.connect(self.open_terminal)
        h.open_editor_clicked.connect(self.open_editor)
        a["open_folder"].triggered.connect(self.open_folder)
        a["open_terminal"].triggered.connect(self.open_terminal)
        a["open_editor"].triggered.connect(self.open_editor)

    def open_folder(self) -> None:
        """Open the task's worktree in the file manager."""
        task = self.main.shown_task()
        if task and Path(task.worktree).is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(task.worktree))

    def open_terminal(self) -> None:
        """Open a terminal in the task's worktree."""
        task = self.main.shown_task()
        terminal = (
            os.environ.get("TERMINAL")
            or shutil.which("x-terminal-emulator")
            or shutil.which("gnome-terminal")
            or shutil.which("konsole")
            or shutil.which("xterm")
        )
        if task and terminal and Path(task.worktree).is_dir():
            if not launch_detached([terminal], task.worktree):
                self.main.say(f"Could not start {terminal}", error=True)
        elif task:
            self.main.say("No terminal found: set $TERMINAL", error=True)

    def open_editor(self) -> None:
        """Open the task's worktree in the user's editor."""
        task = self.main.shown_task()
        editor = os.environ.get("VISUAL") or shutil.which("code") or os.environ.get("EDITOR")
        if task and editor and Path(task.worktree).is_dir():
            if not launch_detached([*editor.split(), task.worktree], task.worktree):
                self.main.say(f"Could not start {editor}", error=True)
        elif task:
            self.main.say("No editor found: set $VISUAL or install VS Code", error=True)


def launch_detached(argv: list[str], cwd: str) -> bool:
    """Start a program the user asked for on its own, outliving the window; say if it started."""
    started, _pid = QProcess.startDetached(argv[0], argv[1:], cwd)
    return bool(started)
