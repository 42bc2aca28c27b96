"""A small type-ahead popup: a line edit over a filtered list; Enter picks, Esc cancels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

# A choice: the value picked and the line that shows it.
Choice = tuple[Any, str]
_VALUE = Qt.ItemDataRole.UserRole
_NAVIGATION = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


class PickerPopup(QFrame):
    """Pick one of `choices` by typing; `search` (if given) answers each text instead."""

    picked = Signal(object)

    def __init__(
        self,
        title: str,
        choices: Sequence[Choice],
        parent: QObject | None = None,
        search: Callable[[str], Sequence[Choice]] | None = None,
    ) -> None:
        super().__init__(None, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._choices, self._search = list(choices), search
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(QLabel(f"<b>{title}</b> — type to filter, Enter picks, Esc cancels"))
        self.edit = QLineEdit()
        self.edit.installEventFilter(self)
        self.list = QListWidget()
        self.list.itemActivated.connect(self._on_list_item_activated)
        box.addWidget(self.edit)
        box.addWidget(self.list)
        self.edit.textChanged.connect(self._on_edit_text_changed)
        self.resize(420, 300)
        self._fill(self._choices)

    def open_at(self, where: QPoint) -> None:
        """Show the popup at a global position with the line edit focused."""
        self.move(where)
        self.show()
        self.edit.setFocus()

    def shown_values(self) -> list[Any]:
        """Return the values the list shows, in order."""
        return [self.list.item(n).data(_VALUE) for n in range(self.list.count())]

    def _fill(self, choices: Sequence[Choice]) -> None:
        self.list.clear()
        for value, label in choices:
            item = QListWidgetItem(label)
            item.setData(_VALUE, value)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _on_edit_text_changed(self, text: str) -> None:
        if self._search is not None:
            self._fill(self._search(text) if text.strip() else self._choices)
            return
        words = text.casefold().split()
        self._fill([c for c in self._choices if all(w in c[1].casefold() for w in words)])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Send arrows to the list; Enter picks; Esc closes."""
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in _NAVIGATION:
                self.list.keyPressEvent(event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._accept_current()
                return True
            if key == Qt.Key.Key_Escape:
                self.close()
                return True
        return super().eventFilter(watched, event)

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        self.list.setCurrentItem(item)
        self._accept_current()

    def _accept_current(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        value = item.data(_VALUE)
        self.close()
        self.picked.emit(value)
