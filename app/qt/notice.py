"""A tinted notice: a line of text and its buttons, coloured from the palette in light and dark.

The new-task dialog shows its refusals in one; the main window's banner stacks them.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractButton, QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget

# The accent of each tone; the fill is the accent faded into the window's own colour.
TONES = {"error": "#cf222e", "ok": "#1a7f37", "info": "#0969da"}
_FILL = 0.14  # how much accent the fill takes: readable text in light and dark alike


class NoticeFrame(QFrame):
    """A rounded box tinted by its tone, with a word-wrapped message and optional buttons."""

    def __init__(self, tone: str = "error", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tone = tone
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(12, 6, 6, 6)
        self.row.addWidget(self.label, 1)

    def add_button(self, button: QAbstractButton) -> None:
        """Put `button` at the end of the notice."""
        self.row.addWidget(button)

    def set_message(self, text: str, tone: str | None = None) -> None:
        """Show `text` (plain), in `tone` if given."""
        self.tone = tone or self.tone
        self.label.setText(text)
        self.update()

    def text(self) -> str:
        """Return the message shown."""
        return self.label.text()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Fill with the tone faded into the window colour, edged with the tone itself."""
        accent = QColor(TONES.get(self.tone, TONES["info"]))
        window = self.palette().color(QPalette.ColorRole.Window)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(accent)
        painter.setBrush(_mix(accent, window, _FILL))
        box = QRect(self.rect()).adjusted(0, 0, -1, -1)
        painter.drawRoundedRect(box, 4, 4)
        painter.fillRect(QRect(box.left(), box.top() + 1, 4, box.height() - 1), accent)
        painter.end()


def _mix(accent: QColor, base: QColor, share: float) -> QColor:
    return QColor(
        round(accent.red() * share + base.red() * (1 - share)),
        round(accent.green() * share + base.green() * (1 - share)),
        round(accent.blue() * share + base.blue() * (1 - share)),
    )
