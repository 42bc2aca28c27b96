"""The main toolbar: a primary "New task" and the task actions, the menus' own QActions.

The toolbar holds the very QActions of the menu bar, so a shortcut, a tooltip with its key and
an enabled state are the same wherever the action shows. Every action of the window gets its
icon here, and again when the theme changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSizePolicy, QToolBar, QToolButton, QWidget

from app.qt.icons import accent_icon, icon
from app.qt.tokens import margins, spacing

# What the toolbar shows after New task, in groups; the search sits at the far right.
TASK_ACTIONS = (("review", "merge", "followup"), ("stop", "retry"), ("compare",))
FAR_RIGHT = "search_logs"
_PRIMARY_SHEET = """
QToolButton {
    background: palette(highlight); color: palette(highlighted-text); font-weight: 600;
    border: none; border-radius: 5px; padding: 3px 10px 3px 6px;
}
QToolButton:hover { background: palette(link); }
QToolButton:pressed { background: palette(dark); }
"""


class MainToolBar(QToolBar):
    """New task first, accented; then review, land and turn actions; Search all logs last."""

    def __init__(self, actions: Mapping[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__("Main toolbar", parent)
        self.setObjectName("main-toolbar")
        self.setMovable(False)
        self.setFloatable(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        size = spacing("toolbar_icon")
        self.setIconSize(QSize(size, size))
        self.setContentsMargins(*margins("toolbar_margins"))
        self._actions = actions
        self.new_task = self._primary(actions["new_task"])
        for group in TASK_ACTIONS:
            self.addSeparator()
            for name in group:
                self.addAction(actions[name])
        stretch = QWidget()
        stretch.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(stretch)
        self.addAction(actions[FAR_RIGHT])
        self.restyle()

    def _primary(self, action: QAction) -> QToolButton:
        # Not the action's own button: that one would take the action's icon and text back at
        # each change of the action, and the accent needs its own icon colour.
        button = QToolButton()
        button.setText(action.text().rstrip("…"))
        button.setToolTip(action.toolTip())
        button.setEnabled(action.isEnabled())
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setStyleSheet(_PRIMARY_SHEET)
        button.setObjectName("primary")
        button.setAccessibleName("New task")
        self.addWidget(button)
        return button

    def restyle(self) -> None:
        """Give every action of the window its icon in the theme's colours."""
        for name, action in self._actions.items():
            action.setIcon(icon(name))
        self.new_task.setIcon(accent_icon("new_task"))

    def changeEvent(self, event: QEvent) -> None:
        """Render the icons again in the new colours when the theme changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.restyle()
