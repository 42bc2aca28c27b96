"""Best-of-N's code: every file some attempt changed, the attempts' versions side by side, one
attempt against another, and a hunk picker that builds one result from several attempts."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.compare import FileVersions, GroupChanges
from app.core.diff import FileDiff, Hunk, RowKind
from app.qt.review import DiffView

BASE = "base"
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
TAKE_ROLE = Qt.ItemDataRole.UserRole + 2
MODES = ("Versions side by side", "One against another", "Pick hunks")
VERSIONS, AGAINST, PICK = range(3)
HUNK_PREVIEW_LINES = 12

Take = tuple[str, str, int]  # attempt's task id, path, hunk number from 1


class AttemptCodeView(QWidget):
    """What the attempts of a group wrote, file by file; asks its controller for the texts."""

    file_chosen = Signal(str)  # path, whenever the file or the mode or the pair changes
    combine_requested = Signal(list)  # list[Take], in the attempts' and files' order

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.changes: GroupChanges | None = None
        self.takes: set[Take] = set()
        self._filling = False
        self.files = QTreeWidget(self)
        self.files.setRootIsDecorated(False)
        self.files.setUniformRowHeights(True)
        self.files.currentItemChanged.connect(self._on_file_changed)
        self.mode = QComboBox(self)
        self.mode.addItems(MODES)
        self.mode.setToolTip("How to show the chosen file")
        self.left = QComboBox(self)
        self.right = QComboBox(self)
        self.against = QLabel("against", self)
        for box in (self.mode, self.left, self.right):
            box.currentIndexChanged.connect(self._on_choice_changed)
        self.title = QLabel("Choose a file", self)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.columns = QWidget(self)
        self.columns_box = QHBoxLayout(self.columns)
        self.columns_box.setContentsMargins(0, 0, 0, 0)
        self.panes: dict[str, QPlainTextEdit] = {}
        self.diff = DiffView(self)
        self.hunks = QTreeWidget(self)
        self.hunks.setHeaderHidden(True)
        self.hunks.itemChanged.connect(self._on_hunk_ticked)
        self.pages = QStackedWidget(self)
        for page in (self.columns, self.diff, self.hunks):
            self.pages.addWidget(page)
        self.combine = QPushButton("Combine…", self)
        self.combine.setToolTip(
            "Make a new task with exactly the ticked hunks, on a branch of its own, "
            "and open its review"
        )
        self.combine.clicked.connect(self._on_combine_clicked)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self._layout()
        self._update_combine()

    def _layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.mode)
        bar.addWidget(self.left)
        bar.addWidget(self.against)
        bar.addWidget(self.right)
        right = QWidget(self)
        box = QVBoxLayout(right)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(bar)
        box.addWidget(self.pages, 1)
        foot = QHBoxLayout()
        foot.addWidget(self.message, 1)
        foot.addWidget(self.combine)
        box.addLayout(foot)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.files)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setSizes([300, 900])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(split)

    # what the controller tells it

    def set_changes(self, changes: GroupChanges) -> None:
        """Show the files the attempts changed, keeping the chosen file and pair if still there."""
        keep = self.current_path()
        self.changes = changes
        live = [a for a in changes.attempts if a.snapshot]
        names = [f"#{a.number}" for a in live]
        self._filling = True
        try:
            self.files.clear()
            self.files.setColumnCount(1 + len(live))
            self.files.setHeaderLabels(["File", *names])
            header = self.files.header()
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            for column in range(1, 1 + len(live)):
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
            items = []
            for path in changes.paths():
                item = QTreeWidgetItem([path, *(self._counts(a.task_id, path) for a in live)])
                item.setData(0, PATH_ROLE, path)
                item.setToolTip(0, path)
                items.append(item)
            self.files.addTopLevelItems(items)
            for box, default in ((self.left, 0), (self.right, 1)):
                chosen = box.currentData()
                box.clear()
                box.addItem("Base", BASE)
                for a in live:
                    box.addItem(f"#{a.number}", a.task_id)
                found = box.findData(chosen)
                box.setCurrentIndex(found if found >= 0 else min(default + 1, box.count() - 1))
            self._rebuild_panes([(f"#{a.number}", a.task_id) for a in live])
            self.takes &= {t for t in self.takes if any(a.task_id == t[0] for a in live)}
        finally:
            self._filling = False
        self._show_mode()
        self.select_path(keep if keep in changes.paths() else (changes.paths() or [None])[0])
        self._update_combine()

    def _counts(self, task_id: str, path: str) -> str:
        entry = self.changes.entry(task_id, path) if self.changes else None
        if entry is None:
            return "—"
        if entry.binary:
            return "binary"
        return f"+{entry.insertions} −{entry.deletions}"

    def _rebuild_panes(self, who: list[tuple[str, str]]) -> None:
        while self.columns_box.count():
            item = self.columns_box.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.panes = {}
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for name, task_id in [("Base", BASE), *who]:
            column = QWidget(self.columns)
            box = QVBoxLayout(column)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            title = QLabel(f"<b>{name}</b>", column)
            pane = QPlainTextEdit(column)
            pane.setReadOnly(True)
            pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            pane.setFont(mono)
            pane.setPlaceholderText(f"{name}: no such file")
            pane.setProperty("who", name)
            box.addWidget(title)
            box.addWidget(pane, 1)
            self.panes[task_id] = pane
            self.columns_box.addWidget(column, 1)
        # one scroll for all: the versions are read line against line
        for pane in self.panes.values():
            for other in self.panes.values():
                if other is not pane:
                    pane.verticalScrollBar().valueChanged.connect(
                        other.verticalScrollBar().setValue
                    )

    def show_versions(self, versions: FileVersions) -> None:
        """Fill the side-by-side panes with the file as the base and each attempt have it."""
        if versions.path != self.current_path():
            return
        texts = {BASE: versions.base, **versions.attempts}
        base_lines = set((versions.base or "").splitlines())
        for who, pane in self.panes.items():
            text = texts.get(who)
            pane.setPlainText(text or "")
            if who != BASE and text:
                _mark_new_lines(pane, text, base_lines)
            if who in versions.binary:
                pane.setPlaceholderText("Binary file: not shown")
            elif text is None:
                pane.setPlaceholderText(f"{pane.property('who')}: no such file")
        self.title.setText(self._title(versions.path))

    def show_diff(self, path: str, diff: FileDiff) -> None:
        """Show one attempt (or the base) against another for `path`."""
        if path != self.current_path():
            return
        self.diff.set_diff(diff)
        if not diff.rows and not diff.placeholder:
            same = f"{self.left.currentText()} and {self.right.currentText()} have the same text"
            self.diff.show_message(same)
        self.title.setText(self._title(path))

    def show_hunks(self, path: str, diffs: dict[str, FileDiff]) -> None:
        """List each attempt's hunks of `path` (against the base), ticked as chosen before."""
        if path != self.current_path() or self.changes is None:
            return
        self._filling = True
        try:
            self.hunks.clear()
            for attempt in self.changes.attempts:
                diff = diffs.get(attempt.task_id)
                if diff is None:
                    continue
                parent = QTreeWidgetItem([f"#{attempt.number}: {_hunk_count(diff)}"])
                self.hunks.addTopLevelItem(parent)
                for number, hunk in enumerate(diff.hunks, 1):
                    take = (attempt.task_id, path, number)
                    item = QTreeWidgetItem([_hunk_title(number, hunk)])
                    item.setData(0, TAKE_ROLE, take)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(
                        0, Qt.CheckState.Checked if take in self.takes else Qt.CheckState.Unchecked
                    )
                    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
                    item.setFont(0, mono)
                    preview = QTreeWidgetItem([_preview(diff, number)])
                    preview.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    preview.setFont(0, mono)
                    item.addChild(preview)
                    parent.addChild(item)
                    item.setExpanded(True)
                parent.setExpanded(True)
        finally:
            self._filling = False
        self.title.setText(self._title(path))

    def say(self, text: str, error: bool = False) -> None:
        """Show a line under the code (red for an error)."""
        self.message.setStyleSheet("color: #cf222e;" if error else "")
        self.message.setText(text)

    # reading it back

    def current_path(self) -> str | None:
        item = self.files.currentItem()
        return None if item is None else str(item.data(0, PATH_ROLE))

    def select_path(self, path: str | None) -> None:
        for i in range(self.files.topLevelItemCount()):
            item = self.files.topLevelItem(i)
            if item is not None and item.data(0, PATH_ROLE) == path:
                self.files.setCurrentItem(item)
                return

    def current_mode(self) -> int:
        return self.mode.currentIndex()

    def pair(self) -> tuple[str, str]:
        """Return (left, right): attempts' task ids, or "base"."""
        return str(self.left.currentData() or BASE), str(self.right.currentData() or BASE)

    def ordered_takes(self) -> list[Take]:
        """Return the ticked hunks in the attempts' order, then by path and hunk."""
        order = {a.task_id: a.number for a in self.changes.attempts} if self.changes else {}
        return sorted(self.takes, key=lambda t: (order.get(t[0], 0), t[1], t[2]))

    # slots

    def _on_file_changed(self, *_: object) -> None:
        if not self._filling and self.current_path() is not None:
            self.file_chosen.emit(self.current_path())

    def _on_choice_changed(self, *_: object) -> None:
        if self._filling:
            return
        self._show_mode()
        path = self.current_path()
        if path is not None:
            self.file_chosen.emit(path)

    def _show_mode(self) -> None:
        mode = self.current_mode()
        self.pages.setCurrentIndex(mode)
        for widget in (self.left, self.against, self.right):
            widget.setVisible(mode == AGAINST)

    def _on_hunk_ticked(self, item: QTreeWidgetItem, _column: int) -> None:
        take = item.data(0, TAKE_ROLE)
        if self._filling or take is None:
            return
        if item.checkState(0) == Qt.CheckState.Checked:
            self.takes.add(tuple(take))  # type: ignore[arg-type]
        else:
            self.takes.discard(tuple(take))  # type: ignore[arg-type]
        self._update_combine()

    def _update_combine(self) -> None:
        n = len(self.takes)
        self.combine.setEnabled(n > 0)
        self.combine.setText(f"Combine {n} hunk{'s' if n != 1 else ''}…" if n else "Combine…")

    def _on_combine_clicked(self) -> None:
        if self.takes:
            self.combine_requested.emit(self.ordered_takes())

    def _title(self, path: str) -> str:
        return f"<b>{path}</b>"


def _mark_new_lines(pane: QPlainTextEdit, text: str, base_lines: set[str]) -> None:
    """Tint the lines of an attempt's version that the base does not have."""
    tint = QColor(46, 160, 67, 50)  # translucent: reads on light and dark
    marks = []
    block = pane.document().firstBlock()
    for line in text.splitlines():
        if line not in base_lines and block.isValid():
            mark = QTextEdit.ExtraSelection()
            mark.format.setBackground(tint)  # type: ignore[attr-defined]
            mark.format.setProperty(QTextFormat.Property.FullWidthSelection, True)  # type: ignore[attr-defined]
            mark.cursor = QTextCursor(block)  # type: ignore[attr-defined]
            marks.append(mark)
        block = block.next()
    pane.setExtraSelections(marks)


def _hunk_title(number: int, hunk: Hunk) -> str:
    lines = f"-{hunk.old_start},{hunk.old_count} +{hunk.new_start},{hunk.new_count}"
    return f"Hunk {number}  @@ {lines} @@ {hunk.header}".rstrip()


def _hunk_count(diff: FileDiff) -> str:
    if diff.placeholder:
        return diff.placeholder
    n = len(diff.hunks)
    return "no change" if n == 0 else f"{n} hunk{'s' if n != 1 else ''}"


def _preview(diff: FileDiff, number: int) -> str:
    """Return the first lines of hunk `number` as a unified diff, for its tooltip."""
    start = diff.hunks[number - 1].row + 1
    end = diff.hunks[number].row if number < len(diff.hunks) else len(diff.rows)
    lines: list[str] = []
    for row in diff.rows[start:end]:
        if row.kind is RowKind.CONTEXT:
            lines.append(f"  {row.new_text}")
            continue
        if row.old_text is not None and row.kind in (RowKind.CHANGE, RowKind.DELETE):
            lines.append(f"- {row.old_text}")
        if row.new_text is not None and row.kind in (RowKind.CHANGE, RowKind.ADD):
            lines.append(f"+ {row.new_text}")
    more = len(lines) - HUNK_PREVIEW_LINES
    shown = lines[:HUNK_PREVIEW_LINES] + ([f"… {more} more lines"] if more > 0 else [])
    return "\n".join(shown)
