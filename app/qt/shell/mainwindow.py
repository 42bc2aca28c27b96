"""The main window: layout and wiring only; the controller owns every await."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence
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
from app.core.keys import menu_bindings
from app.installation import APP_ID
from app.qt.board import BoardView, TaskHeaderView
from app.qt.log import LogView
from app.qt.placement import place
from app.qt.shell.banner import BannerView
from app.qt.shell.shortcutsdialog import ShortcutsDialog
from app.qt.shell.toolbar import MainToolBar
from app.qt.tokens import state_colour


class MainWindow(QMainWindow):
    """Tabs: Tasks (board, header, live log), Triage (the bug bash's reports), Land train,
    Needs you (every agent's waiting request)."""

    close_requested = Signal()

    def __init__(
        self,
        board: BoardView,
        header: TaskHeaderView,
        log: LogView,
        title: str = "Orchard",
        triage: QWidget | None = None,
        train: QWidget | None = None,
        inbox: QWidget | None = None,
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
        self.train = train or QWidget()
        self.tabs.addTab(self.train, "Land train")
        self.inbox = inbox or QWidget()
        self.tabs.addTab(self.inbox, "Needs you")
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
        self.toolbar = MainToolBar(self.actions, self)
        self.addToolBar(self.toolbar)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.resize(1280, 800)
        self.allow_close = False
        self.shortcuts: ShortcutsDialog | None = None

    def _action(self, menu: str, name: str, text: str, keys: tuple[str, ...]) -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{text.rstrip('…')} ({QKeySequence(keys[0]).toString()})")
        self._menus[menu].addAction(action)
        self.actions[name] = action
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        menus = ("File", "Task", "Triage", "View", "Help")
        self._menus = {m: bar.addMenu(f"&{m}") for m in menus}
        for binding in menu_bindings():
            self._action(binding.menu, binding.name, binding.text, binding.keys)
        self.actions["raw_log"].setCheckable(True)
        self.actions["triage_refresh"].setCheckable(True)
        self.actions["show_tasks"].triggered.connect(lambda: self.tabs.setCurrentIndex(0))
        self.actions["show_triage"].triggered.connect(lambda: self.tabs.setCurrentIndex(1))
        self.actions["show_train"].triggered.connect(lambda: self.tabs.setCurrentIndex(2))
        self.actions["show_inbox"].triggered.connect(self.show_inbox)
        self._menus["View"].addSeparator()
        self.actions["quit"].triggered.connect(self.close)
        self.actions["shortcuts"].triggered.connect(self.show_shortcuts)
        self.actions["about"].triggered.connect(self.show_about)

    def _on_tabs_current_changed(self, index: int) -> None:
        for action in self._menus["Task"].actions():
            action.setEnabled(index == 0)  # Del must not discard a hidden task

    def show_inbox(self) -> None:
        """Go to the Needs-you tab, its list focused."""
        self.tabs.setCurrentWidget(self.inbox)
        focus = getattr(self.inbox, "list", self.inbox)
        focus.setFocus()

    def show_waiting(self, count: int) -> None:
        """Say on the Needs-you tab how many requests wait."""
        index = self.tabs.indexOf(self.inbox)
        self.tabs.setTabText(index, f"Needs you ({count})" if count else "Needs you")
        tint = QColor(state_colour("needs-input")) if count else QColor()  # invalid: the style's
        self.tabs.tabBar().setTabTextColor(index, tint)

    def menu(self, name: str) -> QMenu:
        """Return one of the window's menus, by its name."""
        return self._menus[name]

    def show_shortcuts(self) -> None:
        """Show every key binding, by area, with a search box (F1)."""
        if self.shortcuts is None:
            self.shortcuts = ShortcutsDialog(self)
            place(self.shortcuts)
        self.shortcuts.show()
        self.shortcuts.raise_()
        self.shortcuts.activateWindow()

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
        place(box)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Let the controller decide (running tasks ask first)."""
        if self.allow_close:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
