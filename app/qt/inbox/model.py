"""The inbox's list: every waiting Ask, oldest first, kept in place as asks come and go."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.core.inbox import Ask, AskKind, matches, wants

ASK_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's Ask
TITLE_ROLE = Qt.ItemDataRole.UserRole + 2  # its task's title (the task id's start if unknown)
WAITED_ROLE = Qt.ItemDataRole.UserRole + 3  # how long it has waited, as text
AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


def waited_text(seconds: float) -> str:
    """Return how long an ask has waited: "12s", "3m 05s", "2h 04m"."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole // 60 % 60:02d}m"


def _order(ask: Ask) -> tuple[float, str]:
    return ask.asked_at, ask.id


class InboxModel(QAbstractListModel):
    """Waiting asks, oldest first. An update inserts and removes rows, so a selection stays."""

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.time):
        super().__init__(parent)
        self._clock = clock
        self._asks: list[Ask] = []
        self._keys: list[tuple[float, str]] = []
        self._titles: dict[str, str] = {}

    def set_asks(self, asks: Sequence[Ask], titles: Mapping[str, str] | None = None) -> None:
        """Show `asks`: rows of asks gone are removed, new ones inserted in their place."""
        if titles is not None:
            self._titles = dict(titles)
        wanted = {a.id: a for a in asks}
        for row in range(len(self._asks) - 1, -1, -1):
            if self._asks[row].id not in wanted:
                self.beginRemoveRows(_ROOT, row, row)
                del self._asks[row], self._keys[row]
                self.endRemoveRows()
        shown = {a.id for a in self._asks}
        for ask in sorted(wanted.values(), key=_order):
            if ask.id in shown:
                continue
            row = bisect_left(self._keys, _order(ask))
            self.beginInsertRows(_ROOT, row, row)
            self._asks.insert(row, ask)
            self._keys.insert(row, _order(ask))
            self.endInsertRows()
        for row, ask in enumerate(self._asks):
            if wanted[ask.id] != ask:  # the same id, changed (a title, a diff that arrived)
                self._asks[row] = wanted[ask.id]
        self.tick()

    def tick(self) -> None:
        """Tell views that every row's time waited moved on (and titles may have changed)."""
        if self._asks:
            self.dataChanged.emit(self.index(0), self.index(len(self._asks) - 1))

    def asks(self) -> list[Ask]:
        """Return the asks shown, oldest first."""
        return list(self._asks)

    def ask(self, row: int) -> Ask | None:
        """Return the ask in `row`, if any."""
        return self._asks[row] if 0 <= row < len(self._asks) else None

    def row_of(self, ask_id: str) -> int:
        """Return the row of the ask `ask_id`, or -1."""
        return next((r for r, a in enumerate(self._asks) if a.id == ask_id), -1)

    def matching_rows(self, pattern: str) -> list[int]:
        """Return the rows of commands that the glob `pattern` matches (shell wrapper stripped)."""
        if not pattern.strip():
            return []
        return [
            row
            for row, ask in enumerate(self._asks)
            if ask.kind is AskKind.COMMAND and ask.command and matches(pattern, ask.command)
        ]

    def title(self, ask: Ask) -> str:
        """Return the title of the ask's task, or its id's start when the board has not it."""
        return self._titles.get(ask.task_id) or ask.task_id[:8]

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        """Return the number of asks (a list: no children)."""
        return 0 if parent.isValid() else len(self._asks)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Return the row's ask, its task's title, its time waited, or its one-line text."""
        ask = self.ask(index.row()) if index.isValid() else None
        if ask is None:
            return None
        if role == ASK_ROLE:
            return ask
        if role == TITLE_ROLE:
            return self.title(ask)
        if role == WAITED_ROLE:
            return waited_text(self._clock() - ask.asked_at)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            danger = "Dangerous: " if ask.dangerous else ""
            return f"{danger}{self.title(ask)}: {ask.agent} {wants(ask)} {ask.subject}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(x for x in (ask.subject, ask.cwd, ask.reason) if x)
        return None
