"""The banner over the window's tabs: results that matter (landed, failed, refused) stay there
until dismissed, newest first; the same message again counts instead of stacking."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from app.core.states import TaskState
from app.core.task import Task
from app.qt.notice import NoticeFrame
from app.qt.tokens import margins, spacing

MAX_ROWS = 3  # more wait below a "Dismiss all" line, never dropped unseen


@dataclass(slots=True)
class Notice:
    text: str
    tone: str  # "error", "ok" or "info"
    count: int = 1

    def shown(self) -> str:
        return self.text if self.count == 1 else f"{self.text}  (×{self.count})"


class BannerView(QWidget):
    """Stacks notices, each with its own dismiss button; hidden when there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notices: list[Notice] = []  # newest first
        self.rows: list[NoticeFrame] = []
        self.dismiss_buttons: list[QToolButton] = []  # one per row
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(*margins("banner_margins"))
        self._column.setSpacing(spacing("small_gap"))
        self.more = QWidget()
        line = QHBoxLayout(self.more)
        line.setContentsMargins(4, 0, 0, 0)
        self.more_label = QLabel()
        self.dismiss_all = QPushButton("Dismiss all")
        self.dismiss_all.clicked.connect(self.clear)
        line.addWidget(self.more_label, 1)
        line.addWidget(self.dismiss_all)
        self._column.addWidget(self.more)
        self._refresh()

    def show_message(self, text: str, tone: str = "error") -> None:
        """Show `text` until dismissed; the same message again raises its count."""
        same = next((n for n in self.notices if (n.text, n.tone) == (text, tone)), None)
        if same is not None:
            self.notices.remove(same)
            same.count += 1
        self.notices.insert(0, same or Notice(text, tone))
        self._refresh()

    def dismiss(self, index: int) -> None:
        """Dismiss the `index`th notice shown (0: the newest)."""
        del self.notices[index]
        self._refresh()

    def clear(self) -> None:
        """Dismiss every notice."""
        self.notices.clear()
        self._refresh()

    def texts(self) -> list[str]:
        """Return the notices' texts, newest first, as shown."""
        return [n.shown() for n in self.notices]

    def _refresh(self) -> None:
        shown = self.notices[:MAX_ROWS]
        while len(self.rows) < len(shown):
            self._add_row()
        while len(self.rows) > len(shown):
            self.rows.pop().deleteLater()
            self.dismiss_buttons.pop()
        for row, notice in zip(self.rows, shown, strict=True):
            row.set_message(notice.shown(), notice.tone)
        hidden = len(self.notices) - len(shown)
        self.more_label.setText(f"{hidden} more below these" if hidden else "")
        self.more.setVisible(len(self.notices) > 1)
        self.setVisible(bool(self.notices))

    def _add_row(self) -> None:
        row = NoticeFrame()
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss")
        close.clicked.connect(lambda: self.dismiss(self.rows.index(row)))
        row.add_button(close)
        self._column.insertWidget(len(self.rows), row)
        self.rows.append(row)
        self.dismiss_buttons.append(close)


def outcome_text(before: Task | None, task: Task) -> str | None:
    """Return what the banner says when `task` has just failed, else None."""
    if before is None or before.state is task.state or task.state is not TaskState.FAILED:
        return None
    why = f": {task.error.splitlines()[0][:160]}" if task.error else ""
    return f"Task {task.short_id} failed ({task.title}){why}"
