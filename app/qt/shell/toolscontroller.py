"""Controllers for the window's tools: search across logs, and settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QSettings, Qt

from app.core.profiles import BUILTIN_NAMES, AgentProfile
from app.core.states import state_label
from app.qt.log import LogSearchPanel
from app.qt.placement import place
from app.qt.shell.host import WindowHost
from app.qt.shell.settingsdialog import SettingsDialog
from app.qt.shell.settingstabs import NOTIFY_KINDS, MoreSettings
from app.qt.shell.theme import apply_theme

SEARCH_LIMIT = 1000


class SearchController:
    """Ctrl+Shift+F: search every task's log off the GUI thread; a newer query cancels."""

    def __init__(self, main: WindowHost) -> None:
        self.main = main
        self.panel: LogSearchPanel | None = None
        self._searching: asyncio.Task[None] | None = None
        self._query = ""
        main.window.actions["search_logs"].triggered.connect(self.open)

    def open(self) -> None:
        """Show the search panel, docked under the log."""
        if self.panel is None:
            self.panel = LogSearchPanel(self.main.window)
            self.panel.search_requested.connect(self._on_panel_search_requested)
            self.panel.hit_activated.connect(self._on_panel_hit_activated)
            self.main.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.panel)
        self.panel.open()

    def _on_panel_search_requested(self, query: str) -> None:
        if self._searching is not None:
            self._searching.cancel()  # the newest search wins; the old one stops where it runs
        self._query = query
        self._searching = self.main.spawn(self._search(query))

    async def _search(self, query: str) -> None:
        tasks = list(self.main.tasks.values())
        heads = {t.id: (t.title, state_label(t.state)) for t in tasks}
        ids = [t.id for t in sorted(tasks, key=lambda t: -t.created_at)]
        hits = await self.main.ops.search_logs(query, ids, SEARCH_LIMIT)
        if self.panel is not None:
            self.panel.show_results(query, hits, heads, more=len(hits) >= SEARCH_LIMIT)

    def _on_panel_hit_activated(self, task_id: str, seq: int) -> None:
        self.main.show_event(task_id, seq, self._query)  # the panel stays, docked


class SettingsController:
    """File ▸ Settings: agents (each checked on open), triage, integrations, notifications,
    limits and the theme."""

    def __init__(
        self,
        main: WindowHost,
        settings: QSettings,
        on_notify_changed: Callable[[], None] | None = None,
    ) -> None:
        self.main = main
        self.settings = settings
        self.on_notify_changed = on_notify_changed
        self.dialog: SettingsDialog | None = None
        # Other features' tabs: each is called with a new dialog and adds its own.
        self.tab_hooks: list[Callable[[SettingsDialog], None]] = []
        main.window.actions["settings"].triggered.connect(self.open)

    def open(self) -> None:
        """Show the settings dialog."""
        o = self.main.orchard
        self.dialog = SettingsDialog(
            o.settings.parallel,
            dict(o.settings.profiles),
            o.home.root,
            theme=self.main.orchard.settings.theme,
            builtins=BUILTIN_NAMES,
            parent=self.main.window,
            more=MoreSettings.of(o.settings, self._notify()),
        )
        self.dialog.check_requested.connect(self._on_dialog_check_requested)
        self.dialog.accepted.connect(self._on_dialog_accepted)
        self.dialog.finished.connect(self._on_dialog_finished)
        for hook in self.tab_hooks:
            hook(self.dialog)
        place(self.dialog)
        self.dialog.open()
        self.main.spawn(self._show_service(self.dialog))
        for name in o.settings.profiles:  # installed or not, with the version, without a click
            self.dialog.show_check(name, "Checking…", True)
            self._on_dialog_check_requested(name)

    def _notify(self) -> dict[str, bool]:
        value = self.settings.value
        return {k: str(value(f"notify/{k}", "true")).lower() == "true" for k, _ in NOTIFY_KINDS}

    async def _show_service(self, dialog: SettingsDialog) -> None:
        """Show which agents and keys the service sees: its environment, not this window's."""
        from app.client import ServiceClient, ServiceError, what_agents_see

        root = self.main.orchard.home.root
        try:
            status = await asyncio.to_thread(ServiceClient(root).status)
        except ServiceError:
            text = (
                "Not running here: this window runs its own agents."
                if not self.main.orchard.lock.held_by_other()
                else "Not running; it starts when needed, with the environment of what starts it."
            )
        else:
            text = (
                f"pid {status['pid']}; {what_agents_see(status)}. It took its environment from "
                "what started it: `orchard service restart` refreshes it."
            )
        if self.dialog is dialog:
            dialog.show_service(text)

    def _on_dialog_check_requested(self, name: str) -> None:
        dialog = self.dialog
        profile = dialog.profile(name) if dialog is not None else None
        if profile is not None:
            self.main.spawn(self._check(dialog, name, profile))

    async def _check(self, dialog: SettingsDialog | None, name: str, profile: AgentProfile) -> None:
        result = await self.main.ops.check_agent(profile)
        if dialog is not None and dialog is self.dialog:  # not closed (and deleted) meanwhile
            dialog.show_check(name, result.message, result.ok)

    def _on_dialog_accepted(self) -> None:
        if self.dialog is None:
            return
        parallel, profiles, theme = self.dialog.result_settings()
        tables, secrets, notify = self.dialog.result_more()
        apply_theme(theme)  # at once; the file follows
        for key, on in notify.items():
            self.settings.setValue(f"notify/{key}", on)
        if self.on_notify_changed is not None:
            self.on_notify_changed()
        self.main.spawn(self._save(parallel, profiles, theme, tables, secrets))

    async def _save(
        self,
        parallel: int,
        profiles: dict[str, AgentProfile],
        theme: str,
        tables: dict[str, dict[str, Any]],
        secrets: dict[str, str],
    ) -> None:
        """Have the supervising process write the settings and use them; show them here too."""
        o = self.main.orchard
        await self.main.ops.save_settings(parallel, profiles, theme)
        o.settings = replace(o.settings, parallel=parallel, profiles=profiles, theme=theme)
        where = await self.main.ops.save_more_settings(tables, secrets)
        o.settings = _with_tables(o.settings, tables)
        stored = f"; {', '.join(where)}" if where else ""
        self.main.say(f"Settings saved to {o.home.config}{stored}")

    def _on_dialog_finished(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None


def _with_tables(settings: Any, tables: dict[str, dict[str, Any]]) -> Any:
    """Return the window's copy of the settings with the tables just saved."""
    triage = tables["triage"]
    return replace(
        settings,
        triage=replace(
            settings.triage,
            categories=tuple(triage["categories"]),
            owners=triage["owners"],
            templates=triage["templates"],
        ),
        github_api_url=tables["github"]["api_url"] or None,
        llm=replace(
            settings.llm,
            base_url=tables["llm"]["base_url"] or None,
            model=tables["llm"]["model"] or None,
        ),
        min_free_memory_mb=tables["settings"]["min_free_memory_mb"],
    )
