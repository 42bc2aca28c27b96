"""What an empty view says: a centred line over its viewport telling what to do next."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLabel


class EmptyHintView(QLabel):
    """A word-wrapped hint over a scroll area's viewport, shown while the view has nothing."""

    def __init__(self, view: QAbstractScrollArea, text: str = "") -> None:
        super().__init__(text, view.viewport())
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setFont(QApplication.font())  # prose, not the view's (a log's is monospace)
        self.setStyleSheet("color: palette(placeholder-text);")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAccessibleName("Empty view hint")
        view.viewport().installEventFilter(self)
        self._fit()
        self.hide()

    def show_hint(self, text: str | None) -> None:
        """Show `text` over the view, or hide the hint when None."""
        if text is not None:
            self.setText(text)
            self._fit()
        self.setVisible(text is not None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow the viewport's size."""
        if event.type() == QEvent.Type.Resize:
            self._fit()
        return super().eventFilter(watched, event)

    def _fit(self) -> None:
        area = self.parentWidget().rect()
        self.setGeometry(area.adjusted(24, 24, -24, -24))
