"""F1: every key binding of the window, grouped by area, with a box that narrows the list."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QFont, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.keys import AREAS, BINDINGS, KeyBinding


def key_text(keys: Sequence[str]) -> str:
    """Return the keys as the platform writes them, joined: "Ctrl+Shift+F", "J, K"."""
    return ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)


class ShortcutsDialog(QDialog):
    """A tree of areas (Board, Log, Review, Triage, Dialogs…), each listing what its keys do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(False)
        self.resize(560, 640)
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Search: an action or a key (Ctrl+R, review, F3…)")
        self.query.setClearButtonEnabled(True)
        self.query.textChanged.connect(self._on_query_text_changed)
        self.tree = self._build_tree()
        self.empty = QLabel("No shortcut matches.", self)
        self.empty.hide()
        box = QVBoxLayout(self)
        box.addWidget(self.query)
        box.addWidget(self.tree, 1)
        box.addWidget(self.empty)
        self._fill(BINDINGS)

    def _build_tree(self) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setColumnCount(2)
        tree.setHeaderLabels(["Action", "Keys"])
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        return tree

    def _fill(self, bindings: Sequence[KeyBinding]) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        for area in AREAS:
            section = QTreeWidgetItem(self.tree, [area])
            section.setFont(0, bold)
            section.setFirstColumnSpanned(True)
            for b in bindings:
                if b.area == area and b.keys:
                    row = QTreeWidgetItem(section, [b.text.rstrip("…"), key_text(b.keys)])
                    row.setFont(1, bold)
            section.setExpanded(True)

    def sections(self) -> dict[str, list[tuple[str, str]]]:
        """Return what is shown: {area: [(action, keys)]}, hidden rows and sections left out."""
        out: dict[str, list[tuple[str, str]]] = {}
        for i in range(self.tree.topLevelItemCount()):
            section = self.tree.topLevelItem(i)
            rows = [section.child(r) for r in range(section.childCount())]
            shown = [(r.text(0), r.text(1)) for r in rows if not r.isHidden()]
            if not section.isHidden():
                out[section.text(0)] = shown
        return out

    def _on_query_text_changed(self, text: str) -> None:
        words = text.lower().split()
        any_shown = False
        for i in range(self.tree.topLevelItemCount()):
            section = self.tree.topLevelItem(i)
            area = section.text(0).lower()
            visible = 0
            for r in range(section.childCount()):
                row = section.child(r)
                haystack = f"{area} {row.text(0)} {row.text(1)}".lower()
                hide = not all(w in haystack for w in words)
                row.setHidden(hide)
                visible += not hide
            section.setHidden(visible == 0)
            any_shown = any_shown or visible > 0
        self.empty.setVisible(not any_shown)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.query.setFocus()
        self.query.selectAll()
