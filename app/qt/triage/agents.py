"""Agents on the Triage tab: send reports to agents, and ask a model for suggestions."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from typing import Any

from app.core.suggestion import KEY_VARIABLES
from app.core.task import Task
from app.core.triage import DEFAULT_TEMPLATE, Report, ReportStatus
from app.core.words import counted
from app.qt.triage.controller import TriageController
from app.qt.triage.dialogs import DispatchRequest, ask_dispatch


class TriageAgentsController:
    """Owns the awaits of dispatching reports and of a suggestion run."""

    def __init__(self, triage: TriageController) -> None:
        self.triage, self.main = triage, triage.main
        self.orchard = triage.orchard
        self._suggesting: asyncio.Task[Any] | None = None
        a = self.main.window.actions
        a["triage_dispatch"].triggered.connect(self.open_dispatch)
        a["triage_suggest"].triggered.connect(self.suggest)
        a["triage_suggest"].setEnabled(self.orchard.settings.llm.enabled)
        a["triage_suggest"].setToolTip(
            "Suggest category, priority, owner and duplicates"
            if self.orchard.settings.llm.enabled
            else "Set [llm] base_url and model in config.toml to get suggestions"
        )

    def stop(self) -> None:
        """Cancel a running suggestion run."""
        if self._suggesting is not None:
            self._suggesting.cancel()

    # dispatch

    def open_dispatch(self) -> None:
        """Ask agent, attempts and templates for the selected reports (Ctrl+Shift+D)."""
        reports = [r for r in map(self.triage.view.model.report, self.triage.targets()) if r]
        if not reports:
            self.main.say("Select the reports to send to agents", error=True)
            return
        templates = self.orchard.settings.triage.templates
        categories = sorted({r.category or "uncategorized" for r in reports})
        shown = {c: templates.get(c, DEFAULT_TEMPLATE) for c in categories}
        counts = Counter(r.category or "uncategorized" for r in reports)
        summary = f"{counted(len(reports), 'report')}: " + ", ".join(
            f"{n} {c}" for c, n in counts.items()
        )
        agents = sorted(self.orchard.settings.profiles)
        agent = str(self.main.settings.value("last_agent") or "codex")
        ask_dispatch(
            self.main.window,
            summary,
            agents,
            shown,
            agent,
            lambda request: self.main.spawn(self.dispatch(reports, request, shown)),
        )

    async def dispatch(
        self, reports: list[Report], request: DispatchRequest, shown: dict[str, str]
    ) -> list[tuple[Report, list[Task]]]:
        """Dispatch each category's reports with its (possibly edited) template."""
        self.main.settings.setValue("last_agent", request.agent)
        groups: dict[str, list[int]] = {}
        for report in reports:
            groups.setdefault(report.category or "uncategorized", []).append(report.id)
        results: list[tuple[Report, list[Task]]] = []
        for category, ids in groups.items():
            edited = request.templates.get(category)
            template = edited if edited is not None and edited != shown.get(category) else None
            results += await self.main.ops.dispatch_reports(
                ids, agent=request.agent, attempts=request.attempts, template=template
            )
        tasks = [task for _report, made in results for task in made]
        self.main.show_new_tasks(tasks)
        self.triage.show_reports([report for report, _made in results])
        sent = counted(len(results), "report")
        self.main.say(f"Sent {sent} to {request.agent}: {counted(len(tasks), 'task')}")
        return results

    # suggestions

    def suggest(self) -> None:
        """Ask the model about the open new reports, in the background; again cancels."""
        if self._suggesting is not None and not self._suggesting.done():
            self._suggesting.cancel()
            self.main.say("Suggestions cancelled")
            return
        reports = [r for r in self.triage.view.model.reports() if r.status is ReportStatus.NEW]
        if not reports:
            self.main.say("No new reports to suggest for")
            return
        self._suggesting = self.main.spawn(self._suggest(reports))

    async def _suggest(self, reports: list[Report]) -> None:
        # The supervising process asks the model; each batch's chips show as it comes back.
        # The key of this window's environment, if any, goes with the request.
        index = self.triage.index
        # Only earlier reports can be a report's original, as `triage suggest` has it.
        candidates = {
            r.id: [(i, score) for i, score in index.similar(r.id, 6) if i < r.id][:3]
            for r in reports
        }
        key = next((os.environ[n] for n in KEY_VARIABLES if os.environ.get(n, "").strip()), None)
        run = await self.main.ops.suggest(
            self.triage.project or reports[0].project,
            [r.id for r in reports],
            candidates,
            on_suggestion=self.triage.add_suggestion,
            on_progress=self.main.say,
            api_key=key,
        )
        failed = (
            f", {counted(len(run.failures), 'batch', 'batches')} failed: {run.failures[0]}"
            if run.failures
            else ""
        )
        self.main.say(
            f"{counted(len(run.suggestions), 'suggestion')}; a accepts them{failed}",
            error=bool(failed),
        )
