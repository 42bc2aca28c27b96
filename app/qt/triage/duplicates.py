"""The Triage tab's duplicate clusters: kept fresh, split and merged by key, sent as one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from app.client import Refused
from app.core.clusters import Cluster, cluster_of
from app.core.triage import Report
from app.qt.triage.controller import TriageController


class TriageDuplicatesController:
    """Owns the awaits behind the Clusters pane and the table's m (merge) and s (split) keys."""

    def __init__(self, triage: TriageController) -> None:
        self.triage, self.main, self.view = triage, triage.main, triage.view
        self.clusters: list[Cluster] = []
        self._job: asyncio.Task[None] | None = None
        tree = self.view.clusters.tree
        tree.split_pressed.connect(lambda rid: self.main.spawn(self.split(rid)))
        tree.merge_pressed.connect(lambda rid: self.main.spawn(self.merge(rid)))
        tree.send_pressed.connect(lambda rid: self.main.spawn(self.send(rid)))
        tree.open_pressed.connect(self._on_tree_open_pressed)
        self.view.table.cluster_pressed.connect(self._on_table_cluster_pressed)
        triage.reports_listeners.append(self.refresh)
        self.view.selection_changed.connect(self._on_view_selection_changed)

    def stop(self) -> None:
        """Cancel a clusters load (the window is closing)."""
        if self._job is not None:
            self._job.cancel()

    def refresh(self) -> None:
        """Load the shown project's clusters again; a newer load cancels an older one."""
        if self._job is not None:
            self._job.cancel()
        if self.triage.project is not None:
            self._job = self.main.spawn(self.load(self.triage.project))

    async def load(self, project: str) -> list[Cluster]:
        """Ask for the project's clusters and show them collapsed under their originals."""
        try:
            found = await self.main.ops.clusters(project)
        except Refused as exc:
            self.main.say(str(exc), error=True)
            return []
        if project == self.triage.project:
            self.clusters = found
            self.view.clusters.show_clusters(found, self.view.model.report)
        return found

    async def split(self, report_id: int) -> list[Report]:
        """Take a report out of its cluster for good."""
        return await self._change(self.main.ops.split_report, report_id, "split out")

    async def merge(self, report_id: int) -> list[Report]:
        """Mark a report (or, for an original, its whole cluster) duplicate of the original."""
        found = cluster_of(self.clusters, report_id)
        if found is None or self.triage.project is None:
            self.main.say(f"#{report_id} is in no cluster: d picks its original", error=True)
            return []
        members = [m.report for m in found.members if not m.confirmed]
        ids = members if report_id == found.original else [report_id]
        if not ids:
            return []
        try:
            changed = await self.main.ops.merge_reports(self.triage.project, ids, found.original)
        except Refused as exc:
            self.main.say(str(exc), error=True)
            return []
        self.main.say(f"Marked {', '.join(f'#{i}' for i in ids)} duplicate of #{found.original}")
        self._shown(changed)
        return changed

    async def send(self, original: int) -> None:
        """Merge the cluster into its original, then ask how to send the original to agents."""
        await self.merge(original)
        if self.view.select_report(original):
            self.main.window.actions["triage_dispatch"].trigger()

    async def _change(
        self, call: Callable[[str, int], Awaitable[list[Report]]], report_id: int, done: str
    ) -> list[Report]:
        project = self.triage.project
        if project is None:
            return []
        try:
            changed = await call(project, report_id)
        except Refused as exc:
            self.main.say(str(exc), error=True)
            return []
        self.main.say(f"#{report_id} {done}: never proposed with that cluster again")
        self._shown(changed)
        return changed

    def _shown(self, changed: list[Report]) -> None:
        self.triage.show_reports(changed)
        self.refresh()

    def _on_table_cluster_pressed(self, action: str) -> None:
        report = self.view.current_report()
        if report is None:
            return
        if action == "split":
            self.main.spawn(self.split(report.id))
            return
        if cluster_of(self.clusters, report.id) is not None:
            self.view.advance(skip=[report.id])
        self.main.spawn(self.merge(report.id))

    def _on_view_selection_changed(self, _ids: list[int]) -> None:
        report = self.view.current_report()
        if report is not None and not self.view.clusters.tree.hasFocus():
            self.view.clusters.select(report.id)

    def _on_tree_open_pressed(self, report_id: int) -> None:
        self.view.select_report(report_id)
        self.view.side.setCurrentWidget(self.view.detail)
        self.view.table.setFocus()
