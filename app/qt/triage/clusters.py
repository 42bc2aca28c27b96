"""Duplicate clusters in the Triage tab: collapsed under their originals, split and merged."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.core.clusters import Cluster
from app.core.triage import Report

ID_ROLE = Qt.ItemDataRole.UserRole + 1
HINT = "s splits a report out · m merges it (or the whole cluster) into the original · t sends "
HINT += "the cluster to agents · Enter shows it · nothing is closed by itself"
EMPTY = "No likely duplicates among the open reports."

Titles = Callable[[int], Report | None]


class TriageClustersTree(QTreeWidget):
    """Clusters as a tree: the original, its likely duplicates under it (collapsed)."""

    split_pressed = Signal(int)
    merge_pressed = Signal(int)  # a member, or an original for its whole cluster
    send_pressed = Signal(int)  # a cluster's original
    open_pressed = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """s split, m merge, t send to agents, Enter open; j/k move like the table."""
        report = self.current_id()
        key = event.key()
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier or report is None:
            super().keyPressEvent(event)
        elif key == Qt.Key.Key_S:
            self.split_pressed.emit(report)
        elif key == Qt.Key.Key_M:
            self.merge_pressed.emit(report)
        elif key == Qt.Key.Key_T:
            self.send_pressed.emit(self.original_of(report))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_pressed.emit(report)
        elif key in (Qt.Key.Key_J, Qt.Key.Key_K):
            down = key == Qt.Key.Key_J
            step = Qt.Key.Key_Down if down else Qt.Key.Key_Up
            super().keyPressEvent(QKeyEvent(event.type(), step, Qt.KeyboardModifier.NoModifier))
        else:
            super().keyPressEvent(event)

    def current_id(self) -> int | None:
        """Return the report of the current row."""
        item = self.currentItem()
        return None if item is None else int(item.data(0, ID_ROLE))

    def original_of(self, report_id: int) -> int:
        """Return the original of the cluster that shows `report_id`."""
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            ids = [int(top.data(0, ID_ROLE))]
            ids += [int(top.child(j).data(0, ID_ROLE)) for j in range(top.childCount())]
            if report_id in ids:
                return ids[0]
        return report_id


class TriageClustersView(QWidget):
    """The tree of clusters and a line saying the keys."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = TriageClustersTree()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Report", "Match", "Status"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, self.tree.header().ResizeMode.Stretch)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.tree, 1)
        box.addWidget(self.hint)
        self.clusters: list[Cluster] = []

    def show_clusters(self, clusters: Sequence[Cluster], report: Titles) -> None:
        """Show clusters collapsed under their originals; keep the current row if it is there."""
        current, expanded = self.tree.current_id(), self._expanded()
        self.clusters = list(clusters)
        self.tree.clear()
        for cluster in clusters:
            top = _item(cluster.original, report, f"{len(cluster.members) + 1} reports")
            for link in cluster.members:
                match = (
                    "marked dup" if link.confirmed else f"{link.confidence:.0%} like #{link.like}"
                )
                top.addChild(_item(link.report, report, match))
            self.tree.addTopLevelItem(top)
            top.setExpanded(cluster.original in expanded)
        if not clusters:
            self.tree.addTopLevelItem(QTreeWidgetItem([EMPTY]))
            self.tree.topLevelItem(0).setData(0, ID_ROLE, 0)
            self.tree.topLevelItem(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self.tree.resizeColumnToContents(1)
        if current is not None:
            self.select(current)

    def select(self, report_id: int) -> bool:
        """Make `report_id`'s row current (opening its cluster); False if it is in none."""
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for item in (top, *(top.child(j) for j in range(top.childCount()))):
                if item.data(0, ID_ROLE) == report_id:
                    if item is not top:
                        top.setExpanded(True)
                    self.tree.setCurrentItem(item)
                    return True
        return False

    def _expanded(self) -> set[int]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return {int(t.data(0, ID_ROLE) or 0) for t in items if t.isExpanded()}


def _item(report_id: int, report: Titles, match: str) -> QTreeWidgetItem:
    found = report(report_id)
    title = found.title if found is not None else ""
    status = found.status.label if found is not None else ""
    item = QTreeWidgetItem([f"#{report_id}  {title}", match, status])
    item.setData(0, ID_ROLE, report_id)
    item.setToolTip(0, title)
    return item
