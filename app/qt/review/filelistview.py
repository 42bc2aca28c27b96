"""The review's changed files: status, path, +/- counts and a "viewed" check per file."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.core.diff import FileEntry, FileStatus

_AnyIndex = QModelIndex | QPersistentModelIndex
_STATUS = {
    FileStatus.ADDED: ("A", "#1a7f37"),
    FileStatus.MODIFIED: ("M", "#9a6700"),
    FileStatus.DELETED: ("D", "#cf222e"),
    FileStatus.RENAMED: ("R", "#0969da"),
    FileStatus.COPIED: ("C", "#0969da"),
    FileStatus.TYPE_CHANGED: ("T", "#6e7781"),
}
STATUS, PATH, ADDED, DELETED = range(4)


def viewed_key(entry: FileEntry) -> str:
    """Return what a "viewed" mark is kept under: the path and the content it was seen at."""
    for blob in (entry.new_id, entry.old_id):  # a deleted file: the content it had
        if blob.strip("0"):
            return f"{entry.path}@{blob}"
    return f"{entry.path}@{entry.status}:{entry.size}"


def describe(entry: FileEntry) -> str:
    """Return the file's status in words: "renamed, binary"."""
    words = [entry.status.value]
    for flag in ("binary", "submodule", "symlink", "lfs"):
        if getattr(entry, flag):
            words.append("LFS" if flag == "lfs" else flag)
    return ", ".join(words)


def added_binaries(entries: list[FileEntry]) -> list[str]:
    """Return the paths of the binary files the task adds: worth a second look before a merge."""
    return [e.path for e in entries if e.binary and e.status is FileStatus.ADDED]


class FileListModel(QAbstractTableModel):
    """One row per changed file; the first column's check box is its "viewed" mark."""

    viewed_changed = Signal(str, bool)  # viewed_key, viewed

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[FileEntry] = []
        self._viewed: set[str] = set()

    def set_files(self, entries: list[FileEntry], viewed: set[str]) -> None:
        """Show `entries`; those whose key is in `viewed` start checked."""
        self.beginResetModel()
        self._entries = list(entries)
        self._viewed = {viewed_key(e) for e in entries} & viewed
        self.endResetModel()

    def update_entries(self, entries: list[FileEntry]) -> bool:
        """Take new facts (counts) for the same files in the same order; False if they differ."""
        if [e.path for e in entries] != [e.path for e in self._entries]:
            return False
        self._entries = list(entries)
        if entries:
            last = self.index(len(entries) - 1, DELETED)
            self.dataChanged.emit(self.index(0, STATUS), last)
        return True

    def entry(self, row: int) -> FileEntry:
        """Return the file on `row`."""
        return self._entries[row]

    def entries(self) -> list[FileEntry]:
        """Return the files in order."""
        return list(self._entries)

    def is_viewed(self, row: int) -> bool:
        """Say whether the file on `row` is marked viewed."""
        return viewed_key(self._entries[row]) in self._viewed

    def viewed_count(self) -> int:
        """Return how many files are marked viewed."""
        return len(self._viewed)

    def set_viewed(self, row: int, viewed: bool) -> None:
        """Mark the file on `row` viewed or not, and say so."""
        key = viewed_key(self._entries[row])
        if (key in self._viewed) == viewed:
            return
        (self._viewed.add if viewed else self._viewed.discard)(key)
        index = self.index(row, STATUS)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.viewed_changed.emit(key, viewed)

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 4

    def flags(self, index: _AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == STATUS else base

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e, col = self._entries[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(e, col)
        if role == Qt.ItemDataRole.CheckStateRole and col == STATUS:
            viewed = viewed_key(e) in self._viewed
            return Qt.CheckState.Checked if viewed else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(e, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            old = f"\nfrom {e.old_path}" if e.old_path else ""
            return f"{e.path}{old}\n{describe(e)}; mark viewed with the check box (Space)"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (ADDED, DELETED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: _AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != STATUS:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        self.set_viewed(index.row(), checked)
        return True

    @staticmethod
    def _text(e: FileEntry, col: int) -> str:
        if col == STATUS:
            return _STATUS[e.status][0]
        if col == PATH:
            suffix = " [binary, added]" if added_binaries([e]) else " (binary)" if e.binary else ""
            return f"{e.old_path} → {e.path}{suffix}" if e.old_path else f"{e.path}{suffix}"
        if e.binary:
            return ""
        return f"+{e.insertions}" if col == ADDED else f"−{e.deletions}"

    @staticmethod
    def _colour(e: FileEntry, col: int) -> QColor | None:
        if col == STATUS:
            return QColor(_STATUS[e.status][1])
        if col == PATH and added_binaries([e]):
            return QColor("#bc4c00")  # an added binary (a build product?) stands out
        if col == ADDED:
            return QColor("#1a7f37")
        if col == DELETED:
            return QColor("#cf222e")
        return None


class FileListView(QWidget):
    """Lists the changed files; says which one is current and which are viewed."""

    file_selected = Signal(int)  # row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FileListModel(self)
        self.tree = QTreeView(self)
        self.tree.setModel(self.model)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setHeaderHidden(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(PATH, QHeaderView.ResizeMode.Stretch)
        # Fixed widths: sizing columns to their contents reads every row (slow at 5,000 files).
        digit = self.tree.fontMetrics().horizontalAdvance("0")
        for col, chars in ((STATUS, 6), (ADDED, 6), (DELETED, 6)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(col, digit * chars)
        self.summary = QLabel(self)
        self.tree.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.model.viewed_changed.connect(self._update_summary)
        self.model.modelReset.connect(self._update_summary)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.summary)
        box.addWidget(self.tree, 1)
        self.setToolTip("Next file: ] or Alt+Down · previous file: [ or Alt+Up")

    def set_files(self, entries: list[FileEntry], viewed: set[str]) -> None:
        """Show `entries`, none selected."""
        self.model.set_files(entries, viewed)

    def current(self) -> int:
        """Return the selected row, or -1."""
        index = self.tree.currentIndex()
        return index.row() if index.isValid() else -1

    def select(self, row: int) -> None:
        """Make `row` the selected file (which says so through file_selected)."""
        if 0 <= row < self.model.rowCount():
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            self.tree.selectionModel().setCurrentIndex(self.model.index(row, PATH), flags)

    def step(self, delta: int) -> bool:
        """Select the next (+1) or previous (-1) file; False at either end."""
        row = self.current() + delta
        if not 0 <= row < self.model.rowCount():
            return False
        self.select(row)
        return True

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.file_selected.emit(current.row())

    def _update_summary(self, *_args: object) -> None:
        n, seen = self.model.rowCount(), self.model.viewed_count()
        self.summary.setText(f"{n} file{'s' if n != 1 else ''} changed · {seen} viewed")
