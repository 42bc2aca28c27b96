"""The review window: layout and wiring only; ReviewController owns every await."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.diff import FileEntry
from app.core.keys import REVIEW, keys_of
from app.core.states import LANDABLE_STATES, state_label
from app.core.task import Task
from app.qt.review.commentsview import CommentsPanelView
from app.qt.review.diffview import DiffView
from app.qt.review.filelistview import FileListView, added_binaries, describe

KEYS_HELP = (
    "Keys: ] / [ or Alt+↓ / Alt+↑ next/previous file · j / k next/previous hunk · "
    "click a line number or press c to comment · t threads · u unified · w ignore whitespace"
)


class ReviewWindow(QWidget):
    """Files on the left, the selected file's diff in the centre, comments on the right."""

    merge_requested = Signal(str)  # task id
    train_requested = Signal(str)  # task id: put it on the land train
    discard_requested = Signal(str)  # task id
    next_requested = Signal(str)  # the id of the next task ready for review
    drop_requested = Signal(str, int)  # path, hunk number from 1 (0: the whole file)
    undo_drop_requested = Signal()
    more_context_clicked = Signal()
    full_file_clicked = Signal()
    ignore_whitespace_toggled = Signal(bool)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Review")
        self.task_id = ""
        self.title = QLabel(self)
        title_font = self.title.font()  # larger than the system font, in step with it
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(title_font)
        self.facts = QLabel(self)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome = QLabel(self)  # what happened to the task: landed, discarded, running
        self.outcome.setWordWrap(True)
        self.outcome.setVisible(False)
        self._next_id = ""
        self._asking = True  # closing asks first when words would be lost
        self._totals: tuple[str, list[FileEntry], bool] | None = None
        self.files = FileListView(self)
        self.file_header = QLabel(self)  # above the diff: which file, its status and size
        self.file_header.setTextFormat(Qt.TextFormat.RichText)
        self.file_header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file_header.setContentsMargins(6, 4, 6, 4)
        self.diff = DiffView(self)
        self.comments = CommentsPanelView(self)
        self.status = QLabel(KEYS_HELP, self)
        self.status.setWordWrap(True)
        self.unified = QCheckBox("Unified", self)
        self.unified.setToolTip("One column instead of old and new side by side (u)")
        self.whitespace = QCheckBox("Ignore whitespace", self)
        self.whitespace.setToolTip("Hide changes that only touch whitespace (w)")
        self.threads = QCheckBox("Threads", self)
        self.threads.setChecked(True)
        self.threads.setToolTip("Show each comment and the agent's answer under its line (t)")
        self._build_layout()
        self._connect()
        self.resize(1360, 860)

    # layout

    def _button(self, text: str, tip: str, slot: Callable[[], None]) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _build_layout(self) -> None:
        self.merge_button = QPushButton("Merge…", self)
        self.merge_button.clicked.connect(lambda: self.merge_requested.emit(self.task_id))
        self.train_button = QPushButton("Land train", self)
        self.train_button.setToolTip(
            "Put the task on the land train: it lands after the cars ahead, proven by the tests"
        )
        self.train_button.clicked.connect(lambda: self.train_requested.emit(self.task_id))
        self.discard_button = QPushButton("Discard…", self)
        self.discard_button.clicked.connect(lambda: self.discard_requested.emit(self.task_id))
        self.next_button = QPushButton("Review next", self)
        self.next_button.setVisible(False)
        self.next_button.clicked.connect(lambda: self.next_requested.emit(self._next_id))
        top = QHBoxLayout()
        heading = QVBoxLayout()
        heading.addWidget(self.title)
        heading.addWidget(self.facts)
        heading.addWidget(self.outcome)
        top.addLayout(heading, 1)
        top.addWidget(self.merge_button)
        top.addWidget(self.train_button)
        top.addWidget(self.discard_button)
        top.addWidget(self.next_button)
        self.drop_hunk_button = self._button(
            "Drop hunk",
            "Drop the current hunk from the task's change: a commit on its branch that the "
            "agent is told of; Undo drop brings it back",
            self._drop_hunk,
        )
        self.drop_file_button = self._button(
            "Drop file", "Drop this file's whole change (a commit; Undo drop)", self._drop_file
        )
        self.undo_drop_button = self._button(
            "Undo drop", "Bring the latest dropped part back", self.undo_drop_requested.emit
        )
        self.undo_drop_button.setVisible(False)
        tools = QHBoxLayout()
        for widget in (
            self._button("◀ File", "Previous file ([ or Alt+Up)", self.previous_file),
            self._button("File ▶", "Next file (] or Alt+Down)", self.next_file),
            self._button("▲ Hunk", "Previous hunk (k or ,)", self.previous_hunk),
            self._button("▼ Hunk", "Next hunk (j or .)", self.next_hunk),
            self._button("More context", "Show 20 more lines around each hunk", self._more),
            self._button("Full file", "Show the whole file", self._full),
            self.drop_hunk_button,
            self.drop_file_button,
            self.undo_drop_button,
            self.unified,
            self.whitespace,
            self.threads,
        ):
            tools.addWidget(widget)
        tools.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        centre = QWidget(self)
        centre_box = QVBoxLayout(centre)
        centre_box.setContentsMargins(0, 0, 0, 0)
        centre_box.setSpacing(0)
        centre_box.addWidget(self.file_header)
        centre_box.addWidget(self.diff, 1)
        for pane in (self.files, centre, self.comments):
            splitter.addWidget(pane)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 740, 260])
        self.splitter = splitter
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addLayout(tools)
        box.addWidget(splitter, 1)
        box.addWidget(self.status)

    def _connect(self) -> None:
        self.unified.toggled.connect(self.diff.set_unified)
        self.whitespace.toggled.connect(self.ignore_whitespace_toggled)
        self.threads.toggled.connect(self.diff.set_threads_shown)
        for keys, slot in (
            (keys_of(REVIEW, "Next file"), self.next_file),
            (keys_of(REVIEW, "Previous file"), self.previous_file),
            (keys_of(REVIEW, "Next hunk"), self.next_hunk),
            (keys_of(REVIEW, "Previous hunk"), self.previous_hunk),
            (keys_of(REVIEW, "Unified or side by side"), self.unified.toggle),
            (keys_of(REVIEW, "Ignore whitespace"), self.whitespace.toggle),
            (keys_of(REVIEW, "Show comment threads"), self.threads.toggle),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
        close = QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self)  # Ctrl+W
        close.setContext(Qt.ShortcutContext.WindowShortcut)
        close.activated.connect(self.close)

    # what it shows

    def set_task(self, task: Task) -> None:
        """Say which task is under review, in its current state; offer only what it allows."""
        self.task_id = task.id
        self.setWindowTitle(f"Review — {task.title}")
        self.title.setText(task.title)
        landable = task.state in LANDABLE_STATES
        for button in (
            self.merge_button,
            self.train_button,
            self.discard_button,
            self.drop_hunk_button,
            self.drop_file_button,
        ):
            button.setVisible(landable)  # a landed, discarded or running task: none apply
        if self._totals is None:
            state = state_label(task.state)
            self.facts.setText(f"{task.branch} vs {task.base_ref} · {state} · {task.agent}")
        else:
            self.show_totals(task, *self._totals)

    def show_outcome(self, text: str, next_id: str = "", next_title: str = "") -> None:
        """Say what happened to the task, and offer the next task ready for review, if any."""
        self.outcome.setText(text)
        self.outcome.setVisible(bool(text))
        self._next_id = next_id
        self.next_button.setText(f"Review next: {next_title[:40]}" if next_id else "Review next")
        self.next_button.setVisible(bool(next_id))

    def set_files(
        self, task: Task, base: str, files: list[FileEntry], viewed: set[str], counted: bool = True
    ) -> None:
        """Show the changed files and their totals (unless not counted yet); none selected."""
        self.show_totals(task, base, files, counted)
        self.files.set_files(files, viewed)

    def show_totals(
        self, task: Task, base: str, files: list[FileEntry], counted: bool = True
    ) -> None:
        """Say which task this is, against what, and how much it changed."""
        self._totals = (base, files, counted)
        plus = sum(f.insertions for f in files)
        minus = sum(f.deletions for f in files)
        n = len(files)
        lines = f"+{plus} −{minus}" if counted else "counting lines…"
        state = state_label(task.state)
        binaries = added_binaries(files)
        flag = (
            f" · ⚠ adds {len(binaries)} binary file{'s' if len(binaries) != 1 else ''}: "
            f"{', '.join(binaries[:3])}{'…' if len(binaries) > 3 else ''}"
            if binaries
            else ""
        )
        self.facts.setText(
            f"{task.branch} vs {task.base_ref} (merge-base {base[:10]}) · {state} · "
            f"{n} file{'s' if n != 1 else ''}, {lines}{flag}"
        )

    def show_file_header(self, entry: FileEntry | None) -> None:
        """Name the file shown in full (both names for a rename), its status and +/-."""
        if entry is None:
            self.file_header.clear()
            return
        name = html.escape(entry.path)
        if entry.old_path and entry.old_path != entry.path:
            name = f"{html.escape(entry.old_path)} → {name}"
        counts = (
            ""
            if entry.binary
            else f' · <span style="color:#1a7f37">+{entry.insertions}</span> '
            f'<span style="color:#cf222e">−{entry.deletions}</span>'
        )
        self.file_header.setText(f"<b><tt>{name}</tt></b> · {html.escape(describe(entry))}{counts}")

    def say(self, text: str, error: bool = False) -> None:
        """Show a message under the diff; red for an error."""
        self.status.setStyleSheet("color: #cf222e;" if error else "")
        self.status.setText(text)

    # navigation

    def next_file(self) -> None:
        """Select the next file."""
        self.files.step(1)

    def previous_file(self) -> None:
        """Select the previous file."""
        self.files.step(-1)

    def next_hunk(self) -> None:
        """Go to the next hunk, or the next file's first hunk after the last one."""
        if not self.diff.next_hunk() and self.files.step(1):
            self.diff.setFocus()

    def previous_hunk(self) -> None:
        """Go to the previous hunk."""
        self.diff.next_hunk(backwards=True)

    def _drop_hunk(self) -> None:
        shown = self.diff.diff()
        hunk = self.diff.current_hunk()
        if shown is None or hunk < 0:
            self.say("Go to a hunk first (j / k), then drop it", error=True)
        elif not self.diff.usual_hunks:
            self.say("Show the usual context (reopen the file) to drop one hunk", error=True)
        else:
            self.drop_requested.emit(shown.entry.path, hunk + 1)

    def _drop_file(self) -> None:
        shown = self.diff.diff()
        if shown is not None:
            self.drop_requested.emit(shown.entry.path, 0)

    def _more(self) -> None:
        self.more_context_clicked.emit()

    def _full(self) -> None:
        self.full_file_clicked.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc closes the review, unless it would throw away words being written."""
        if event.key() != Qt.Key.Key_Escape:
            super().keyPressEvent(event)
        elif self.unsent_words():
            self.say("Send or clear what you are writing first; Ctrl+W closes anyway (it asks)")
        else:
            self.close()

    def unsent_words(self) -> bool:
        """Say whether a comment or a message is being written and would be lost on closing."""
        editor = self.diff.editor
        writing = editor.isVisible() and editor.edit.toPlainText().strip()
        return bool(writing or self.comments.message.toPlainText().strip())

    def close_for_good(self) -> None:
        """Close without asking (Orchard is quitting)."""
        self._asking = False
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._asking and self.unsent_words():
            answer = QMessageBox.question(
                self,
                "Close the review?",
                "What you are writing has not been saved or sent. Close and lose it?",
                QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Close:
                event.ignore()
                return
        self.closed.emit()
        super().closeEvent(event)
