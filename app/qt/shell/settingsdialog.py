"""The settings dialog: agents, triage, integrations, notifications, limits and the theme."""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.profiles import BUILTIN_NAMES, AgentProfile, OutputFormat
from app.qt.shell.settingstabs import (
    IntegrationsTab,
    LimitsTab,
    MoreSettings,
    NotificationsTab,
    TriageTab,
)

THEMES = (("System", "system"), ("Light", "light"), ("Dark", "dark"))
PROMPT_VIA = ("argv", "stdin")
MAX_TIMEOUT = 7 * 24 * 3600
_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_AGENT_NAME = re.compile(r"[A-Za-z0-9_-]+")
_ARGV_HINT = (
    "The program first, then its arguments, quoted as in a shell. Orchard fills in "
    "{prompt} (the task's prompt), {worktree} (the task's folder) and {task_id}."
)
_NEEDS_QUOTES = re.compile(r"[\s'\"\\]")


def parse_argv(text: str) -> tuple[str, ...]:
    """Return the argv of a shell-quoted command line; raise ValueError saying what is wrong."""
    try:
        args = shlex.split(text)
    except ValueError:
        raise ValueError("the command has a quote that is never closed") from None
    if not args:
        raise ValueError("the command is empty: type the program and its arguments")
    return tuple(args)


def join_argv(argv: tuple[str, ...]) -> str:
    """Return `argv` as one line, quoting only the arguments a shell would split."""
    return " ".join(shlex.quote(a) if not a or _NEEDS_QUOTES.search(a) else a for a in argv)


def parse_env(text: str) -> dict[str, str]:
    """Return KEY=VALUE lines as a dict (blank and # lines skipped); raise ValueError if bad."""
    env: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _ENV_KEY.fullmatch(key):
            raise ValueError(f"environment line {number}: expected KEY=VALUE, not {line!r}")
        if key in env:
            raise ValueError(f"environment line {number}: {key} is set twice")
        env[key] = value
    return env


@dataclass(slots=True)
class _Draft:
    """A profile as typed so far; `edited` says whether it differs from the original."""

    base: AgentProfile
    argv_text: str
    env_text: str
    edited: bool = False

    @classmethod
    def of(cls, profile: AgentProfile) -> _Draft:
        env = "\n".join(f"{k}={v}" for k, v in profile.env.items())
        return cls(profile, join_argv(profile.argv), env)

    def profile(self, name: str) -> AgentProfile:
        """Build the profile; raise ValueError if a field cannot be read."""
        argv, env = parse_argv(self.argv_text), parse_env(self.env_text)
        return replace(self.base, name=name, argv=argv, env=env)


class SettingsDialog(QDialog):
    """Edits Orchard's settings; the controller saves them and runs agent checks."""

    check_requested = Signal(str)

    def __init__(
        self,
        parallel: int,
        profiles: Mapping[str, AgentProfile],
        home: Path | str,
        theme: str = "system",
        builtins: Collection[str] | None = None,
        parent: QWidget | None = None,
        more: MoreSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.more = more or MoreSettings()
        self._builtins = frozenset(BUILTIN_NAMES if builtins is None else builtins)
        self._originals = dict(profiles)
        self._drafts = {name: _Draft.of(p) for name, p in profiles.items()}
        self._checks: dict[str, tuple[str, bool]] = {}
        self._loading = False
        self._build_general(parallel, home, theme)
        self._build_agents()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._build_layout()
        self._connect()
        self.agent_list.addItems(list(self._drafts))
        if self._drafts:
            self.agent_list.setCurrentRow(0)
        self._refresh_editor()
        self._validate()

    # building

    def _build_general(self, parallel: int, home: Path | str, theme: str) -> None:
        self.limits = LimitsTab(parallel, self.more)
        self.parallel_spin = self.limits.parallel_spin
        self.triage = TriageTab(self.more)
        self.integrations = IntegrationsTab(self.more)
        self.notifications = NotificationsTab(self.more)
        self.home_edit = QLineEdit(str(home))
        self.home_edit.setReadOnly(True)  # shown as text that can be selected, not edited
        self.home_edit.setFrame(False)
        self.home_edit.setStyleSheet("QLineEdit { background: transparent; }")
        self.home_edit.setAccessibleName("Orchard's home (read-only)")
        self.home_note = QLabel("Chosen when Orchard starts, with --home or $ORCHARD_HOME.")
        self.service_label = QLabel("Asking the background service…")
        self.service_label.setWordWrap(True)
        self.theme_combo = QComboBox()
        self.theme_combo.setAccessibleName("Theme")
        for label, value in THEMES:
            self.theme_combo.addItem(label, value)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(theme)))

    def _build_agents(self) -> None:
        self.agent_list = QListWidget()
        self.agent_list.setAccessibleName("Agents")
        self.new_name_edit = QLineEdit()
        self.new_name_edit.setPlaceholderText("new agent name")
        self.new_name_edit.setAccessibleName("New agent name")
        self.add_button = QPushButton("Add agent")
        self.add_button.setEnabled(False)
        self.remove_button = QPushButton("Remove")
        self.argv_edit = QLineEdit()
        self.argv_edit.setAccessibleName("Command")
        self.argv_edit.setPlaceholderText("mybot --yes {prompt}")
        self.argv_edit.setToolTip(_ARGV_HINT)
        self.argv_hint = QLabel(_ARGV_HINT)
        self.argv_hint.setWordWrap(True)
        self.argv_hint.setEnabled(False)  # secondary text
        self.env_edit = QPlainTextEdit()
        self.env_edit.setAccessibleName("Environment")
        self.env_edit.setPlaceholderText("KEY=VALUE, one per line")
        self.format_combo = QComboBox()
        self.format_combo.setAccessibleName("Output format")
        self.format_combo.addItems([f.value for f in OutputFormat])
        self.timeout_spin = QSpinBox()
        self.timeout_spin.setAccessibleName("Timeout")
        self.timeout_spin.setRange(0, MAX_TIMEOUT)
        self.timeout_spin.setSuffix(" s")
        self.timeout_spin.setSpecialValueText("none")
        self.prompt_via_combo = QComboBox()
        self.prompt_via_combo.setAccessibleName("Prompt via")
        self.prompt_via_combo.addItems(list(PROMPT_VIA))
        self.check_button = QPushButton("Check again")
        self.check_label = QLabel()
        self.check_label.setWordWrap(True)
        self.check_label.setAccessibleName("Installed")

    def _build_layout(self) -> None:
        general = QWidget()
        form = QFormLayout(general)
        form.addRow("T&heme", self.theme_combo)
        form.addRow("Orchard's home", self.home_edit)
        form.addRow("", self.home_note)
        form.addRow("Background service", self.service_label)
        agents = QWidget()
        row = QHBoxLayout(agents)
        left = QVBoxLayout()
        left.addWidget(self.agent_list)
        left.addWidget(self.new_name_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)
        row.addLayout(left, 1)
        self.editor = QWidget()
        editor = QFormLayout(self.editor)
        editor.setContentsMargins(0, 0, 0, 0)
        editor.addRow("&Command", self.argv_edit)
        editor.addRow("", self.argv_hint)
        editor.addRow("Installed", self.check_label)
        editor.addRow("", self.check_button)
        editor.addRow("&Environment", self.env_edit)
        editor.addRow("&Output format", self.format_combo)
        editor.addRow("T&imeout", self.timeout_spin)
        editor.addRow("&Prompt via", self.prompt_via_combo)
        row.addWidget(self.editor, 3)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        self.tabs.addTab(agents, "&Agents")
        self.tabs.addTab(self.triage, "T&riage")
        self.tabs.addTab(self.integrations, "Integrations")
        self.tabs.addTab(self.notifications, "&Notifications")
        self.tabs.addTab(self.limits, "&Limits")
        self.tabs.addTab(general, "&General")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        self.agent_list.currentRowChanged.connect(self._on_agent_list_current_row_changed)
        self.new_name_edit.textChanged.connect(self._on_new_name_edit_text_changed)
        self.new_name_edit.returnPressed.connect(self._on_add_button_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.argv_edit.textChanged.connect(self._on_argv_edit_text_changed)
        self.env_edit.textChanged.connect(self._on_env_edit_text_changed)
        self.format_combo.currentTextChanged.connect(self._on_format_combo_current_text_changed)
        self.timeout_spin.valueChanged.connect(self._on_timeout_spin_value_changed)
        self.prompt_via_combo.currentTextChanged.connect(
            self._on_prompt_via_combo_current_text_changed
        )
        self.check_button.clicked.connect(self._on_check_button_clicked)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    # public

    def theme(self) -> str:
        """Return the chosen theme: "system", "light" or "dark"."""
        return str(self.theme_combo.currentData())

    def current_agent(self) -> str | None:
        """Return the name of the selected profile, if any."""
        item = self.agent_list.currentItem()
        return item.text() if item is not None else None

    def select_agent(self, name: str) -> None:
        """Select the profile called `name`."""
        matches = [i for i in range(self.agent_list.count()) if self._name_at(i) == name]
        if matches:
            self.agent_list.setCurrentRow(matches[0])

    def add_agent(self, name: str) -> bool:
        """Add a new profile called `name` and select it; False if the name is unusable."""
        if not self._can_add(name):
            return False
        self._drafts[name] = _Draft(AgentProfile(name, ()), f"{name} {{prompt}}", "", True)
        self.agent_list.addItem(name)
        self.select_agent(name)
        self.new_name_edit.clear()
        self._validate()
        return True

    def remove_agent(self, name: str) -> bool:
        """Remove a profile that is not built in; False if it cannot be removed."""
        if name in self._builtins or name not in self._drafts:
            return False
        row = next(i for i in range(self.agent_list.count()) if self._name_at(i) == name)
        del self._drafts[name]
        self._originals.pop(name, None)
        self._checks.pop(name, None)
        self.agent_list.takeItem(row)
        self._validate()
        return True

    def profile(self, name: str) -> AgentProfile | None:
        """Return the profile as edited so far, or None if it is unknown or invalid."""
        draft = self._drafts.get(name)
        if draft is None:
            return None
        if not draft.edited and name in self._originals:
            return self._originals[name]
        try:
            return draft.profile(name)
        except ValueError:
            return None

    def show_service(self, text: str) -> None:
        """Say what the background service's agents can find (binaries, keys)."""
        self.service_label.setText(text)

    def show_check(self, name: str, text: str, ok: bool) -> None:
        """Show the result of checking agent `name`."""
        self._checks[name] = (text, ok)
        if name == self.current_agent():
            self._refresh_check()

    def errors(self) -> list[str]:
        """Return what keeps the settings from being saved, one message per agent."""
        problems = []
        for name, draft in self._drafts.items():
            try:
                draft.profile(name)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
        return problems

    def result_more(self) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, bool]]:
        """Return (config tables, secrets typed, notification switches); ValueError if bad."""
        tables = {
            "triage": self.triage.values(),
            **self.integrations.tables(),
            "settings": {"min_free_memory_mb": self.limits.memory_spin.value()},
        }
        return tables, self.integrations.secrets(), self.notifications.values()

    def result_settings(self) -> tuple[int, dict[str, AgentProfile], str]:
        """Return (parallel, profiles, theme) as edited; raise ValueError if any is invalid."""
        profiles: dict[str, AgentProfile] = {}
        for name in self._drafts:
            profile = self.profile(name)
            if profile is None:
                raise ValueError("; ".join(self.errors()))
            profiles[name] = profile
        return self.parallel_spin.value(), profiles, self.theme()

    def accept(self) -> None:
        """Close with OK only when every profile and every other tab is valid."""
        try:
            self.result_more()
        except ValueError as exc:
            self.error_label.setText(str(exc))
            self.error_label.setVisible(True)
            return
        if not self.errors():
            super().accept()

    # slots

    def _on_agent_list_current_row_changed(self, row: int) -> None:
        self._refresh_editor()

    def _on_new_name_edit_text_changed(self, text: str) -> None:
        self.add_button.setEnabled(self._can_add(text))

    def _on_add_button_clicked(self) -> None:
        self.add_agent(self.new_name_edit.text().strip())

    def _on_remove_button_clicked(self) -> None:
        name = self.current_agent()
        if name is not None:
            self.remove_agent(name)

    def _on_argv_edit_text_changed(self, text: str) -> None:
        self._edit(argv_text=text)

    def _on_env_edit_text_changed(self) -> None:
        self._edit(env_text=self.env_edit.toPlainText())

    def _on_format_combo_current_text_changed(self, text: str) -> None:
        self._edit(base={"output": OutputFormat(text)})

    def _on_timeout_spin_value_changed(self, value: int) -> None:
        self._edit(base={"timeout": float(value) if value else None})

    def _on_prompt_via_combo_current_text_changed(self, text: str) -> None:
        self._edit(base={"prompt_via": text})

    def _on_check_button_clicked(self) -> None:
        name = self.current_agent()
        if name is None:
            return
        self.show_check(name, "Checking…", True)
        self.check_requested.emit(name)

    # internals

    def _name_at(self, row: int) -> str:
        item = self.agent_list.item(row)
        return item.text() if item is not None else ""

    def _can_add(self, name: str) -> bool:
        return bool(_AGENT_NAME.fullmatch(name)) and name not in self._drafts

    def _edit(
        self,
        argv_text: str | None = None,
        env_text: str | None = None,
        base: dict[str, Any] | None = None,
    ) -> None:
        name = self.current_agent()
        if self._loading or name is None:
            return
        draft = self._drafts[name]
        draft.argv_text = draft.argv_text if argv_text is None else argv_text
        draft.env_text = draft.env_text if env_text is None else env_text
        draft.base = replace(draft.base, **(base or {}))
        draft.edited = True
        self._checks.pop(name, None)  # a result for the old command no longer holds
        self._refresh_check()
        self._validate()

    def _refresh_editor(self) -> None:
        name = self.current_agent()
        draft = self._drafts.get(name) if name is not None else None
        self.editor.setEnabled(draft is not None)
        self.remove_button.setEnabled(name is not None and name not in self._builtins)
        if draft is not None:
            self._loading = True
            try:
                self.argv_edit.setText(draft.argv_text)
                self.env_edit.setPlainText(draft.env_text)
                self.format_combo.setCurrentText(draft.base.output.value)
                self.timeout_spin.setValue(round(draft.base.timeout or 0))
                self.prompt_via_combo.setCurrentText(draft.base.prompt_via)
            finally:
                self._loading = False
        self._refresh_check()
        self._validate()

    def _refresh_check(self) -> None:
        name = self.current_agent()
        text, ok = self._checks.get(name or "", ("", True))
        self.check_label.setText(text)
        self.check_label.setStyleSheet("" if ok else "color: #c62828;")

    def _validate(self) -> None:
        problems = self.errors()
        self.error_label.setText("\n".join(problems))
        self.error_label.setVisible(bool(problems))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problems)
        name = self.current_agent()
        self.check_button.setEnabled(name is not None and self.profile(name) is not None)
