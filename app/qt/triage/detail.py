"""One report in full: text, reporter, source, similar reports, linked tasks, suggestions."""

from __future__ import annotations

import html
import time
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.states import TaskState, state_label
from app.core.triage import Report

BODY_LIMIT = 200_000  # characters shown of a body; a 1 MB paste must not freeze the pane
_VALUE = Qt.ItemDataRole.UserRole
_CHIP = (
    "QPushButton { border: 1px solid #8250df; border-radius: 9px; padding: 1px 8px;"
    " color: #8250df; background: #fbefff; }"
)
SUGGESTED_FIELDS = ("category", "priority", "owner", "duplicate_of")


def body_text(body: str) -> str:
    """Return the part of a body the pane shows, with a note when it is cut."""
    if len(body) <= BODY_LIMIT:
        return body or "(no description)"
    note = f"[… showing the first {BODY_LIMIT // 1000} KB of {len(body) // 1000} KB]"
    return f"{body[:BODY_LIMIT]}\n\n{note}"


class TriageDetailView(QWidget):
    """The selected report; clicking a similar report marks a duplicate or jumps to it."""

    duplicate_requested = Signal(int)  # the original
    jump_requested = Signal(int)
    task_opened = Signal(str)
    suggestion_accepted = Signal(str, object)  # field, value
    accept_all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: Report | None = None
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta = QLabel()
        self.meta.setWordWrap(True)
        self.meta.setOpenExternalLinks(True)
        self.chips = QHBoxLayout()
        self.accept_all = QPushButton("Accept all (a)")
        self.accept_all.clicked.connect(self.accept_all_requested)
        self.body = QPlainTextEdit()
        self.body.setReadOnly(True)
        self.similar = QListWidget()
        self.similar.setMaximumHeight(80)
        self.similar.itemActivated.connect(self._on_similar_item_activated)
        self.mark_duplicate = QPushButton("Mark as duplicate of the selected")
        self.mark_duplicate.clicked.connect(self._on_mark_duplicate_clicked)
        self.tasks = QListWidget()
        self.tasks.setMaximumHeight(70)
        self.tasks.itemDoubleClicked.connect(self._on_tasks_item_double_clicked)
        self._layout()
        self.show_report(None)

    def _layout(self) -> None:
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 4, 6, 4)
        box.addWidget(self.title)
        box.addWidget(self.meta)
        chips = QWidget()
        chips.setLayout(self.chips)
        self.chips.setContentsMargins(0, 0, 0, 0)
        box.addWidget(chips)
        box.addWidget(self.body, 1)
        similar_row = QHBoxLayout()
        similar_row.addWidget(QLabel("<b>Similar</b> (Enter or double-click jumps)"), 1)
        similar_row.addWidget(self.mark_duplicate)
        box.addLayout(similar_row)
        box.addWidget(self.similar)
        box.addWidget(QLabel("<b>Tasks</b> (double-click opens in Tasks)"))
        box.addWidget(self.tasks)

    def show_report(
        self,
        report: Report | None,
        similar: Sequence[tuple[Report, float]] = (),
        states: Mapping[str, TaskState] | None = None,
        suggestion: Any = None,
    ) -> None:
        """Show one report (None: nothing selected)."""
        self.report = report
        self.setEnabled(report is not None)
        if report is None:
            self.title.setText("<i>Select a report</i>")
            for widget in (self.meta, self.body, self.similar, self.tasks):
                widget.clear()
            self.show_suggestion(None)
            return
        self.title.setText(f"<h3>#{report.id} {html.escape(report.title)}</h3>")
        self.meta.setText(self._meta(report))
        if self.body.toPlainText() != (text := body_text(report.body)):
            self.body.setPlainText(text)
        self._fill_similar(similar)
        self._fill_tasks(report, states or {})
        self.show_suggestion(suggestion)

    def _meta(self, r: Report) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created_at))
        source = html.escape(r.source)
        if r.url:
            source = f'<a href="{html.escape(r.url)}">{html.escape(r.external_id or r.url)}</a>'
        fields = [
            f"by <b>{html.escape(r.reporter or 'unknown')}</b>",
            when,
            source,
            f"status <b>{r.status.label}</b>",
            f"category <b>{html.escape(r.category or '—')}</b>",
            f"priority <b>{r.priority or '—'}</b>",
            f"owner <b>{html.escape(r.owner or '—')}</b>",
        ]
        if r.duplicate_of:
            fields.append(f"duplicate of <b>#{r.duplicate_of}</b>")
        if r.labels:
            fields.append("labels " + html.escape(", ".join(r.labels)))
        return " · ".join(fields)

    def _fill_similar(self, similar: Sequence[tuple[Report, float]]) -> None:
        self.similar.clear()
        for other, score in similar:
            item = QListWidgetItem(f"#{other.id}  {score:.2f}  {other.title}")
            item.setData(_VALUE, other.id)
            self.similar.addItem(item)
        self.mark_duplicate.setEnabled(bool(similar))
        if similar:
            self.similar.setCurrentRow(0)

    def _fill_tasks(self, report: Report, states: Mapping[str, TaskState]) -> None:
        self.tasks.clear()
        for task_id in report.tasks:
            state = states.get(task_id)
            item = QListWidgetItem(f"{task_id}  {state_label(state) if state else 'unknown'}")
            item.setData(_VALUE, task_id)
            self.tasks.addItem(item)

    def similar_ids(self) -> list[int]:
        """Return the ids of the similar reports shown."""
        return [self.similar.item(n).data(_VALUE) for n in range(self.similar.count())]

    def show_suggestion(self, suggestion: Any) -> None:
        """Show a suggestion's fields as chips; clicking one accepts it."""
        while self.chips.count():
            widget = self.chips.takeAt(0).widget()
            if widget is not None and widget is not self.accept_all:
                widget.deleteLater()
        shown = self.suggested(suggestion)
        for name, value in shown.items():
            label = f"#{value}" if name == "duplicate_of" else str(value)
            chip = QPushButton(f"{name.replace('_of', '')}: {label} ✓")
            chip.setStyleSheet(_CHIP)
            chip.setToolTip(getattr(suggestion, "reason", "") or "")
            chip.clicked.connect(
                lambda _=False, n=name, v=value: self.suggestion_accepted.emit(n, v)
            )
            self.chips.addWidget(chip)
        if shown:
            self.chips.addWidget(self.accept_all)
        self.chips.addStretch(1)
        self.accept_all.setVisible(bool(shown))

    def suggested(self, suggestion: Any) -> dict[str, Any]:
        """Return the suggestion's fields the shown report does not have yet.

        A value the person set is never offered for replacement: accepting is for filling in.
        """
        if suggestion is None or self.report is None:
            return {}
        out = {}
        for name in SUGGESTED_FIELDS:
            value = getattr(suggestion, name, None)
            if value is not None and getattr(self.report, name) is None:
                out[name] = value
        return out

    def _on_similar_item_activated(self, item: QListWidgetItem) -> None:
        self.jump_requested.emit(int(item.data(_VALUE)))

    def _on_mark_duplicate_clicked(self) -> None:
        item = self.similar.currentItem()
        if item is not None:
            self.duplicate_requested.emit(int(item.data(_VALUE)))

    def _on_tasks_item_double_clicked(self, item: QListWidgetItem) -> None:
        self.task_opened.emit(str(item.data(_VALUE)))
