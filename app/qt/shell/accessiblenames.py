"""Names a screen reader says for the window's controls, where no label or text gives one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)

# A view's class -> what it shows, said as its name.
VIEW_NAMES = {
    "BoardTreeView": "Tasks",
    "TriageTableView": "Bug reports",
    "LogView": "Task log",
}
NAMED = (QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QPlainTextEdit, QTabWidget)


def name_controls(root: QWidget) -> None:
    """Give every unnamed control under `root` a name from what it shows or what it holds."""
    for widget in root.findChildren(QWidget):
        if isinstance(widget, NAMED) and not widget.accessibleName():
            name = _name_of(widget)
            if name:
                widget.setAccessibleName(name)


def _name_of(widget: QWidget) -> str:
    for owner in (widget, widget.parentWidget()):
        if owner is not None and type(owner).__name__ in VIEW_NAMES:
            return VIEW_NAMES[type(owner).__name__]
    if isinstance(widget, QTabWidget):
        titles = [widget.tabText(i).replace("&", "") for i in range(widget.count())]
        return f"Sections: {', '.join(titles)}"
    if isinstance(widget, QLineEdit | QPlainTextEdit) and widget.placeholderText():
        return widget.placeholderText().split("(")[0].split("\n")[0].strip()
    if widget.toolTip():
        return widget.toolTip().split("\n")[0]
    if isinstance(widget, QComboBox) and widget.count():
        return f"Choose {widget.itemText(0).lower()}…"
    return type(widget).__name__.removesuffix("View").removeprefix("Q")
