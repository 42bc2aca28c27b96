"""The Needs-you panel: every waiting ask, its details, and one key to answer the selection."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.inbox import Answer, Ask, AskKind, Verdict, fits, wants
from app.core.keys import INBOX, keys_of
from app.core.words import counted
from app.qt.inbox.delegate import AskDelegate
from app.qt.inbox.model import InboxModel
from app.qt.tokens import colour, spacing, state_colour

EMPTY = (
    "Nothing waits on you.\n\nWhen an agent asks to run a command, change a file or answer a "
    "question, it waits here, oldest first; the project's list (Settings ▸ Needs you) answers "
    "routine requests by itself."
)
# (verdict, button text, the key binding's text in app/core/keys.py)
BUTTONS = (
    (Verdict.ALLOW, "Allow once", "Allow once"),
    (Verdict.ALLOW_TASK, "Allow for this task", "Allow for this task"),
    (Verdict.ALLOW_PROJECT, "Always allow in this project", "Always allow in this project"),
    (Verdict.REPLY, "Reply…", "Reply to a question"),
    (Verdict.DENY, "Deny…", "Deny with a message"),
    (Verdict.RAISE, "Raise the cap", "Raise the budget and continue"),
    (Verdict.STOP, "Stop the task", "Stop the task (its work kept)"),
)
_KEY_OF = {v: QKeySequence(keys_of(INBOX, k)[0]) for v, _, k in BUTTONS}
_OPTION_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


class AskListView(QListView):
    """The asks; plain letters answer the selection, digits pick a question's option."""

    verdict_pressed = Signal(object)  # Verdict
    option_pressed = Signal(int)  # 1-based
    match_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A, T, P, D, R, +, S answer; 1-9 pick an option; M goes to the match field."""
        key, mods = Qt.Key(event.key()), event.modifiers()
        plain = not mods & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        pressed = QKeySequence(event.keyCombination())
        verdict = next((v for v, k in _KEY_OF.items() if k == pressed), None)
        if plain and key == Qt.Key.Key_Plus:
            verdict = Verdict.RAISE
        if plain and verdict is not None:
            self.verdict_pressed.emit(verdict)
        elif plain and key in _OPTION_KEYS:
            self.option_pressed.emit(_OPTION_KEYS[key])
        elif plain and key == Qt.Key.Key_M:
            self.match_pressed.emit()
        elif plain and key in (Qt.Key.Key_J, Qt.Key.Key_K):
            down = Qt.Key.Key_Down if key == Qt.Key.Key_J else Qt.Key.Key_Up
            super().keyPressEvent(QKeyEvent(QEvent.Type.KeyPress, down, mods))
        else:
            super().keyPressEvent(event)


class InboxView(QWidget):
    """The Needs-you tab: a match field, the asks, the selected ask whole, and the answers."""

    answer_requested = Signal(list, object)  # ask ids, Answer
    open_task_requested = Signal(str)  # a task id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = InboxModel(self)
        self._field_verdict: Verdict | None = None
        self._shown: tuple[object, ...] | None = None  # what the detail shows
        self._build()
        self._connect()
        self._on_selection_changed()

    # building

    def _build(self) -> None:
        self.match_edit = QLineEdit()
        self.match_edit.setPlaceholderText("Select the commands that match, e.g. npm test*  (M)")
        self.match_edit.setClearButtonEnabled(True)
        self.match_edit.setAccessibleName("Select waiting commands that match a pattern")
        self.count_label = QLabel()
        self.list = AskListView()
        self.list.setModel(self.model)
        self.list.setItemDelegate(AskDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setUniformItemSizes(True)
        self.list.setAccessibleName("Waiting requests")
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.detail = QTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("The request")
        self.buttons = {
            v: QPushButton(f"{text}  {_KEY_OF[v].toString()}") for v, text, _ in BUTTONS
        }
        for (verdict, text, _), button in zip(BUTTONS, self.buttons.values(), strict=True):
            button.setToolTip(f"{text.rstrip('…')} ({_KEY_OF[verdict].toString()})")
            button.setAccessibleName(text.rstrip("…"))
        self.buttons[Verdict.ALLOW].setDefault(True)
        self.open_button = QPushButton("Show the task")
        self.options = QWidget()
        self.options_row = QHBoxLayout(self.options)
        self.options_row.setContentsMargins(0, 0, 0, 0)
        self.field = QLineEdit()
        self.field.hide()
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: palette(placeholder-text); padding: 40px;")
        self._lay_out()

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.match_edit, 1)
        top.addWidget(self.count_label)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(spacing("gap"), 0, 0, 0)
        column.addWidget(self.heading)
        column.addWidget(self.detail, 1)
        column.addWidget(self.options)
        column.addWidget(self.field)
        row = QHBoxLayout()
        row.setSpacing(spacing("small_gap"))
        for button in self.buttons.values():
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.open_button)
        column.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(side)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([520, 760])
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.stack, 1)

    def _connect(self) -> None:
        self.list.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.list.verdict_pressed.connect(self.answer)
        self.list.option_pressed.connect(self.pick_option)
        self.list.match_pressed.connect(self.focus_match)
        self.match_edit.textChanged.connect(self._on_match_edit_text_changed)
        self.match_edit.returnPressed.connect(self.list.setFocus)
        self.field.returnPressed.connect(self._on_field_return_pressed)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        for verdict, button in self.buttons.items():
            button.clicked.connect(lambda _=False, v=verdict: self.answer(v))
        escape = QShortcut(QKeySequence("Esc"), self.field, self.close_field)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        find = QShortcut(QKeySequence.StandardKey.Find, self, self.focus_match)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # what it shows

    def set_asks(self, asks: list[Ask], titles: dict[str, str]) -> None:
        """Show the waiting asks (oldest first); a selection of asks still waiting stays."""
        self.model.set_asks(asks, titles)
        had = self.list.currentIndex().isValid()
        if not had and self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(0))
        if self.match_edit.text().strip():
            self._on_match_edit_text_changed(self.match_edit.text())
        self.stack.setCurrentIndex(1 if self.model.rowCount() else 0)
        self._on_selection_changed()

    def tick(self) -> None:
        """Move every ask's time waited on."""
        self.model.tick()

    def selected(self) -> list[Ask]:
        """Return the selected asks, oldest first (the current one when none is selected)."""
        rows = sorted(i.row() for i in self.list.selectionModel().selectedRows())
        if not rows and self.list.currentIndex().isValid():
            rows = [self.list.currentIndex().row()]
        return [a for a in (self.model.ask(r) for r in rows) if a is not None]

    def select_ask(self, ask_id: str) -> bool:
        """Make `ask_id` the one selected; False when it no longer waits."""
        row = self.model.row_of(ask_id)
        if row < 0:
            return False
        self.list.setCurrentIndex(self.model.index(row))
        self.list.selectionModel().select(
            self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        return True

    def focus_match(self) -> None:
        """Go to the match field, its text selected."""
        self.match_edit.setFocus()
        self.match_edit.selectAll()

    # answering

    def answer(self, verdict: Verdict) -> None:
        """Answer the selection; Deny and Reply open the field for their text first."""
        asks = [a for a in self.selected() if fits(verdict, a)]
        if not asks:
            return
        if verdict in (Verdict.DENY, Verdict.REPLY) and self._field_verdict is not verdict:
            self.open_field(verdict)
            return
        text = self.field.text().strip() if verdict in (Verdict.DENY, Verdict.REPLY) else ""
        if verdict is Verdict.REPLY and not text:
            return
        self.close_field()
        self.answer_requested.emit([a.id for a in asks], Answer(verdict, text))

    def pick_option(self, number: int) -> None:
        """Reply to the selected question with its option `number` (from 1)."""
        asks = self.selected()
        if len(asks) == 1 and asks[0].kind is AskKind.QUESTION and number <= len(asks[0].options):
            self.answer_requested.emit(
                [asks[0].id], Answer(Verdict.REPLY, asks[0].options[number - 1])
            )

    def open_field(self, verdict: Verdict) -> None:
        """Show the one-line field for a denial's message or a reply, focused."""
        self._field_verdict = verdict
        self.field.clear()
        self.field.setPlaceholderText(
            "Tell the agent why, or leave empty (Enter denies, Esc cancels)"
            if verdict is Verdict.DENY
            else "Your reply (Enter sends, Esc cancels)"
        )
        self.field.show()
        self.field.setFocus()

    def close_field(self) -> None:
        """Hide the field, back to the list."""
        had = self.field.hasFocus()
        self._field_verdict = None
        self.field.hide()
        if had:
            self.list.setFocus()

    def _on_field_return_pressed(self) -> None:
        if self._field_verdict is not None:
            self.answer(self._field_verdict)

    def _on_open_button_clicked(self) -> None:
        asks = self.selected()
        if asks:
            self.open_task_requested.emit(asks[0].task_id)

    # the selection

    def _on_match_edit_text_changed(self, text: str) -> None:
        rows = self.model.matching_rows(text)
        self.count_label.setText(counted(len(rows), "match", "matches") if text.strip() else "")
        if not text.strip():
            return
        chosen = QItemSelection()
        for row in rows:
            chosen.select(self.model.index(row), self.model.index(row))
        self.list.selectionModel().select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if rows:
            self.list.selectionModel().setCurrentIndex(
                self.model.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    def _on_selection_changed(self, *_: object) -> None:
        asks = self.selected()
        shown = (tuple(asks), tuple(self.model.title(a) for a in asks))
        if shown == self._shown:
            return  # the same asks again (a read of an unchanged list): keep the scroll
        self._shown = shown
        for verdict, button in self.buttons.items():
            button.setVisible(any(verdict in _shown_for(a) for a in asks) or not asks)
            button.setEnabled(any(fits(verdict, a) for a in asks))
        self.open_button.setEnabled(len(asks) == 1)
        self._show_options(asks[0] if len(asks) == 1 else None)
        self._show_detail(asks)

    def _show_options(self, ask: Ask | None) -> None:
        while (item := self.options_row.takeAt(0)) is not None:
            if item.widget() is not None:
                item.widget().deleteLater()
        shown = ask is not None and ask.kind is AskKind.QUESTION and bool(ask.options)
        self.options.setVisible(shown)
        if ask is None or not shown:
            return
        for number, text in enumerate(ask.options[:9], 1):
            button = QPushButton(f"{number}  {text}")
            button.clicked.connect(lambda _=False, n=number: self.pick_option(n))
            self.options_row.addWidget(button)
        self.options_row.addStretch(1)

    def _show_detail(self, asks: list[Ask]) -> None:
        if len(asks) != 1:
            chosen = f"<b>{counted(len(asks), 'request')} selected</b>: one key answers them all"
            self.heading.setText(chosen if asks else "")
            mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
            lines = "\n".join(html.escape(a.subject) for a in asks)
            self.detail.setHtml(f'<pre style="font-family:{mono}">{lines}</pre>')
            return
        ask = asks[0]
        self.heading.setText(heading_html(ask, self.model.title(ask)))
        self.detail.setHtml(detail_html(ask))


def _shown_for(ask: Ask) -> frozenset[Verdict]:
    if ask.kind is AskKind.QUESTION:
        return frozenset({Verdict.REPLY, Verdict.DENY})
    if ask.kind is AskKind.BUDGET:
        return frozenset({Verdict.RAISE, Verdict.STOP})
    return frozenset({Verdict.ALLOW, Verdict.ALLOW_TASK, Verdict.ALLOW_PROJECT, Verdict.DENY})


def heading_html(ask: Ask, title: str) -> str:
    """Return the selected ask's heading: the task, the agent and what it wants, and where."""
    danger = ""
    if ask.dangerous:
        red = state_colour("failed")
        danger = (
            f'<p style="color:{red}"><b>Dangerous</b>: this always asks, whatever the '
            "project's list says; it is never remembered.</p>"
        )
    dim = colour("PlaceholderText")
    why = f"<br>Why: {html.escape(ask.reason)}" if ask.reason else ""
    return (
        f"{danger}<b>{html.escape(title)}</b> · {html.escape(ask.agent)} {wants(ask)}"
        f'<br><span style="color:{dim}">in {html.escape(ask.cwd or "?")}{why}</span>'
    )


def detail_html(ask: Ask) -> str:
    """Return the ask's whole request: the command, the diff coloured, or the question."""
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
    if ask.kind is AskKind.FILE_CHANGE and ask.diff:
        lines = [_diff_line(line) for line in ask.diff.splitlines()]
        body = "<br>".join(lines)
        path = f"<p><b>{html.escape(ask.path or '')}</b></p>"
        return f'{path}<pre style="font-family:{mono}">{body}</pre>'
    if ask.kind is AskKind.QUESTION:
        options = "".join(f"<li>{html.escape(o)}</li>" for o in ask.options)
        return f"<p>{html.escape(ask.question or '')}</p>" + (
            f"<ol>{options}</ol>" if options else ""
        )
    text = ask.command or ask.path or ask.question or ask.tool or ""
    return f'<pre style="font-family:{mono}; white-space:pre-wrap">{html.escape(text)}</pre>'


def _diff_line(line: str) -> str:
    shown = html.escape(line) or "&nbsp;"
    if line.startswith("+") and not line.startswith("+++"):
        return f'<span style="color:{state_colour("succeeded")}">{shown}</span>'
    if line.startswith("-") and not line.startswith("---"):
        return f'<span style="color:{state_colour("failed")}">{shown}</span>'
    if line.startswith("@@"):
        return f'<span style="color:{colour("PlaceholderText")}">{shown}</span>'
    return shown
