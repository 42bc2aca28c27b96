"""A label of a fixed number of lines: longer text ends in "…" and shows whole in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

_TOOLTIP_CHARS = 4000


class ElidedLabel(QLabel):
    """Plain text wrapped on at most `lines` lines, the last one elided; one height always.

    The task header keeps one height whatever its task says, so the log below it does not
    jump as the selection changes.
    """

    def __init__(self, lines: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines = lines
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:
        """Show `text` (cut to the label's lines) with all of it in the tooltip when cut."""
        super().setText(text)
        self.setToolTip(text[:_TOOLTIP_CHARS] if text else "")

    def sizeHint(self) -> QSize:
        """Return the height of the label's lines, whatever the text."""
        return QSize(80, self._lines * self.fontMetrics().lineSpacing())

    def minimumSizeHint(self) -> QSize:
        """Return the same height as sizeHint: the label never shrinks a line."""
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the text's first lines, the last one ending in '…' when there is more."""
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        metrics, width = self.fontMetrics(), self.contentsRect().width()
        text = " ".join(self.text().split())  # newlines would waste the few lines there are
        layout = QTextLayout(text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        left, top, spacing = self.contentsRect().left(), self.contentsRect().top(), 0.0
        for number in range(self._lines):
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QPointF(0, spacing))
            start = line.textStart()
            if number == self._lines - 1 and start + line.textLength() < len(text):
                last = metrics.elidedText(text[start:], Qt.TextElideMode.ElideRight, width)
                painter.drawText(QPointF(left, top + spacing + metrics.ascent()), last)
            else:
                line.draw(painter, QPointF(left, top))
            spacing += metrics.lineSpacing()
        layout.endLayout()
