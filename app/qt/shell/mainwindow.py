"""The main window: layout and wiring only; the controller owns every await."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.installation import APP_ID
from app.qt.board import BoardView, TaskHeaderView
from app.qt.log import LogView
from app.qt.shell.banner import BannerView


class MainWindow(QMainWindow):
    """Tabs: Tasks (board, header, live log) and Triage (the bug bash's reports)."""

    close_requested = Signal()

    def __init__(
        self,
        board: BoardView,
        header: TaskHeaderView,
        log: LogView,
        title: str = "Orchard",
        triage: QWidget | None = None,
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
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.splitter, "Tasks")
        self.triage = triage or QWidget()
        self.tabs.addTab(self.triage, "Triage")
        self.banner = BannerView()  # results that matter, until dismissed
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(body)
        self.actions: dict[str, QAction] = {}
        self._build_menus()
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
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
        menus = ("File", "Task", "Triage", "View", "Help")
        self._menus = {m: bar.addMenu(f"&{m}") for m in menus}
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
            ("Triage", "triage_capture", "Quick capture…", "Ctrl+Shift+N"),
            ("Triage", "triage_paste", "Paste a list…", ""),
            ("Triage", "triage_import_file", "Import a CSV or JSON file…", ""),
            ("Triage", "triage_import_github", "Import from GitHub…", ""),
            ("Triage", "triage_refresh", "Refresh from GitHub live", ""),
            ("Triage", "triage_suggest", "Suggest (model)", ""),
            ("Triage", "triage_dispatch", "Send to agents…", "Ctrl+Shift+D"),
            ("Triage", "triage_export_csv", "Export CSV…", ""),
            ("Triage", "triage_export_github", "Export to GitHub…", ""),
            ("View", "show_tasks", "Tasks tab", "Ctrl+1"),
            ("View", "show_triage", "Triage tab", "Ctrl+2"),
            ("View", "raw_log", "Raw log", "Ctrl+Shift+L"),
            ("View", "jump_latest", "Jump to latest", "Ctrl+End"),
            ("View", "find", "Find in log (Ctrl+F in the log)", ""),
            ("View", "filter", "Filter tasks", "/"),
            ("View", "search_logs", "Search all logs…", "Ctrl+Shift+F"),
            ("Help", "shortcuts", "Keyboard shortcuts", "F1"),
            ("Help", "about", "About Orchard", ""),
        ):
            self._action(menu, name, text, keys)
        self.actions["raw_log"].setCheckable(True)
        self.actions["triage_refresh"].setCheckable(True)
        self.actions["show_tasks"].triggered.connect(lambda: self.tabs.setCurrentIndex(0))
        self.actions["show_triage"].triggered.connect(lambda: self.tabs.setCurrentIndex(1))
        self._menus["View"].addSeparator()
        self.actions["quit"].triggered.connect(self.close)
        self.actions["shortcuts"].triggered.connect(self.show_shortcuts)
        self.actions["about"].triggered.connect(self.show_about)

    def _on_tabs_current_changed(self, index: int) -> None:
        for action in self._menus["Task"].actions():
            action.setEnabled(index == 0)  # Del must not discard a hidden task

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
            "<tr><td>Triage: priority, category, owner</td><td><b>0–3, c, o</b></td></tr>",
            "<tr><td>Triage: duplicate, won't fix, accept</td><td><b>d, x, a</b></td></tr>",
        ]
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText("<table cellspacing=6>" + "".join(rows) + "</table>")
        box.open()

    def show_about(self) -> None:
        """Show the version (the one `orchard --version` prints) and what Orchard is."""
        box = QMessageBox(self)
        box.setWindowTitle("About Orchard")
        box.setIconPixmap(QApplication.windowIcon().pixmap(64, 64))
        box.setText(
            f"<h3>Orchard {__version__}</h3>"
            "<p>Supervise many coding agents at once, each in its own git worktree.</p>"
            f"<p>Application id {APP_ID}. MIT licence.</p>"
        )
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Let the controller decide (running tasks ask first)."""
        if self.allow_close:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
