"""Settings ▸ Needs you: each project's allowed and denied command patterns."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)

from app.client import Refused
from app.core.inbox import Policy
from app.qt.shell import WindowHost

log = logging.getLogger(__name__)
NOTE = (
    "One shell glob a line, matched against the command as the agent runs it (its `bash -lc` "
    "wrapper stripped): `npm test*`, `git status*`. Allowed commands run without asking; denied "
    "ones are refused at once. Dangerous commands (rm -rf, git push --force, git reset --hard, "
    "writes outside the worktree) always ask, whatever the lists say."
)


def patterns(text: str) -> tuple[str, ...]:
    """Return the patterns of a list: one a line, blank lines and repeats left out."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        if line.strip():
            seen.setdefault(line.strip(), None)
    return tuple(seen)


class RulesView(QWidget):
    """A project picker and its two lists; the dialog's OK saves them."""

    project_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.project_combo = QComboBox()
        self.project_combo.setAccessibleName("Project")
        self.allow_edit = QPlainTextEdit()
        self.deny_edit = QPlainTextEdit()
        for edit, name in ((self.allow_edit, "Allowed"), (self.deny_edit, "Denied")):
            edit.setFont(mono)
            edit.setAccessibleName(f"{name} command patterns, one a line")
        self.note = QLabel(NOTE)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(placeholder-text);")
        form = QFormLayout(self)
        form.addRow("&Project", self.project_combo)
        form.addRow("&Allowed", self.allow_edit)
        form.addRow("&Denied", self.deny_edit)
        form.addRow("", self.note)
        self._loaded: dict[str, Policy] = {}  # as read, by project
        self._drafts: dict[str, Policy] = {}  # as edited, of the projects picked before
        self._current = ""
        self.deny_edit.setMaximumHeight(8 * self.deny_edit.fontMetrics().lineSpacing())
        self.project_combo.currentTextChanged.connect(self._on_project_combo_current_text_changed)

    def set_projects(self, names: list[str]) -> None:
        """Offer these projects (the first is shown)."""
        self.project_combo.addItems(names)
        self.setEnabled(bool(names))

    def show_policy(self, project: str, policy: Policy) -> None:
        """Show a project's lists (as read), when it is the one picked."""
        self._loaded[project] = policy
        if project == self.project_combo.currentText():
            self._show(self._drafts.get(project, policy))

    def _show(self, policy: Policy) -> None:
        self.allow_edit.setPlainText("\n".join(policy.allow))
        self.deny_edit.setPlainText("\n".join(policy.deny))

    def policy(self) -> Policy:
        """Return the picked project's lists as edited."""
        return Policy(
            patterns(self.allow_edit.toPlainText()), patterns(self.deny_edit.toPlainText())
        )

    def changed(self) -> dict[str, Policy]:
        """Return the lists edited, by project: the one picked and any picked before."""
        self._keep_draft()
        return {name: p for name, p in self._drafts.items() if self._loaded.get(name) != p}

    def _keep_draft(self) -> None:
        if self._current in self._loaded:  # edits of a list never read would replace it blind
            self._drafts[self._current] = self.policy()

    def _on_project_combo_current_text_changed(self, name: str) -> None:
        self._keep_draft()
        self._current = name
        if name in self._loaded:
            self._show(self._drafts.get(name, self._loaded[name]))
        else:
            self.allow_edit.clear()
            self.deny_edit.clear()
        self.project_changed.emit(name)


class RulesController:
    """Adds the Needs-you tab to a Settings dialog, reads the lists, and saves them on OK."""

    def __init__(self, main: WindowHost) -> None:
        self.main = main
        self.view: RulesView | None = None

    def add_tab(self, dialog: QDialog) -> None:
        """Give `dialog` its Needs-you tab; the lists are read as it opens."""
        view = self.view = RulesView()
        tabs = dialog.findChild(QTabWidget)
        if tabs is None:
            return
        tabs.insertTab(tabs.count() - 1, view, "Needs &you")  # before General
        view.project_changed.connect(lambda name: self.main.spawn(self._read(view, name)))
        dialog.accepted.connect(lambda: self._on_dialog_accepted(view))
        self.main.spawn(self._load(view))

    async def _load(self, view: RulesView) -> None:
        projects = await self.main.ops.projects()
        view.set_projects([p.name for p in projects])

    async def _read(self, view: RulesView, project: str) -> None:
        if not project:
            return
        try:
            view.show_policy(project, await self.main.ops.inbox_rules(project))
        except Refused as exc:
            view.note.setText(str(exc))

    def _on_dialog_accepted(self, view: RulesView) -> None:
        for project, policy in view.changed().items():
            self.main.spawn(self._save(project, policy))

    async def _save(self, project: str, policy: Policy) -> None:
        try:
            await self.main.ops.set_inbox_rules(project, policy)
        except Refused as exc:
            self.main.announce(str(exc))
            return
        self.main.say(f"Saved what {project} allows and denies without asking")
