"""The main window: layout and wiring only; the controller owns every await."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QSplitter, QVBoxLayout, QWidget

from app.qt.boardview import BoardView
from app.qt.logview import LogView
from app.qt.taskheader import TaskHeaderView


class MainWindow(QMainWindow):
    """Board on the left; the selected task's header and live log in the centre."""

    close_requested = Signal()

    def __init__(
        self, board: BoardView, header: TaskHeaderView, log: LogView, title: str = "Orchard"
    ) -> None:
        super().__init__()
        self.setWindowTitle(title)
        self.board, self.header, self.log = board, header, log
        centre = QWidget()
        box = QVBoxLayout(centre)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(header)
        box.addWidget(log, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(board)
        self.splitter.addWidget(centre)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([540, 740])
        self.setCentralWidget(self.splitter)
        self.actions: dict[str, QAction] = {}
        self._build_menus()
        self.resize(1280, 800)
        self.allow_close = False

    def _action(self, menu: str, name: str, text: str, keys: str = "") -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self._menus[menu].addAction(action)
        self.actions[name] = action
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self._menus = {m: bar.addMenu(f"&{m}") for m in ("File", "Task", "View", "Help")}
        for menu, name, text, keys in (
            ("File", "new_task", "New task…", "Ctrl+N"),
            ("File", "add_repository", "Add a repository…", "Ctrl+O"),
            ("File", "try_demo", "Try the demo", ""),
            ("File", "settings", "Settings…", "Ctrl+,"),
            ("File", "quit", "Quit", "Ctrl+Q"),
            ("Task", "stop", "Stop", "Ctrl+."),
            ("Task", "retry", "Retry", "Ctrl+Shift+R"),
            ("Task", "review", "Review…", "Ctrl+R"),
            ("Task", "followup", "Follow up…", "Ctrl+Shift+U"),
            ("Task", "merge", "Merge…", "Ctrl+Shift+M"),
            ("Task", "pull_request", "Push and open PR…", ""),
            ("Task", "compare", "Compare attempts…", "Ctrl+Shift+B"),
            ("Task", "discard", "Discard…", "Del"),
            ("Task", "restore", "Restore", ""),
            ("Task", "open_folder", "Open folder", "Ctrl+Shift+O"),
            ("Task", "open_terminal", "Open terminal here", "Ctrl+Shift+T"),
            ("Task", "open_editor", "Open in editor", "Ctrl+Shift+E"),
            ("View", "raw_log", "Raw log", "Ctrl+Shift+L"),
            ("View", "jump_latest", "Jump to latest", "Ctrl+End"),
            ("View", "find", "Find in log (Ctrl+F in the log)", ""),
            ("View", "filter", "Filter tasks", "/"),
            ("View", "search_logs", "Search all logs…", "Ctrl+Shift+F"),
            ("Help", "shortcuts", "Keyboard shortcuts", "F1"),
        ):
            self._action(menu, name, text, keys)
        self.actions["raw_log"].setCheckable(True)
        self._menus["View"].addSeparator()
        self.actions["quit"].triggered.connect(self.close)
        self.actions["shortcuts"].triggered.connect(self.show_shortcuts)

    def menu(self, name: str) -> QMenu:
        """Return one of the window's menus, by its name."""
        return self._menus[name]

    def show_shortcuts(self) -> None:
        """Show every action and its keys (F1)."""
        rows = [
            f"<tr><td>{a.text().rstrip('…')}</td><td><b>{a.shortcut().toString()}</b></td></tr>"
            for a in self.actions.values()
            if not a.shortcut().isEmpty()
        ]
        rows += [
            "<tr><td>Next / previous task</td><td><b>j / k, arrows</b></td></tr>",
            "<tr><td>Open task</td><td><b>Enter</b></td></tr>",
        ]
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText("<table cellspacing=6>" + "".join(rows) + "</table>")
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Let the controller decide (running tasks ask first)."""
        if self.allow_close:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
