"""The Triage tab's controller: loads a project's reports and triages them by keyboard."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QTabWidget

from app.client import Refused
from app.core.messages import Message, ReportsChanged
from app.core.similarity import SimilarityIndex
from app.core.task import Task
from app.core.triage import Report, ReportStatus, missing_fields
from app.core.triagestats import status_line, triage_stats
from app.qt.shell import WindowHost
from app.qt.triage.pickers import Choice, PickerPopup
from app.qt.triage.view import TriageView

TICK_MS = 1000  # highlight expiry and the status line
SIMILAR = 3


class TriageController:
    """Owns every await behind the Triage tab: loading, triage keys, detail, stats."""

    def __init__(self, main: WindowHost, view: TriageView, tabs: QTabWidget) -> None:
        self.main, self.view, self.tabs = main, view, tabs
        self.orchard = main.orchard
        self.project: str | None = None
        self.index = SimilarityIndex()
        self.suggestions: dict[int, Any] = {}
        self.picker: PickerPopup | None = None
        self._load_job: asyncio.Task[None] | None = None
        self._first_load: asyncio.Task[None] | None = None
        self._live_job: asyncio.Task[None] | None = None
        self._live_again = False  # reports changed again while a live reload ran
        self.staged: dict[int, dict[str, Any]] = {}  # fields sent but not yet stored
        self._writes = asyncio.Lock()  # one change at a time, in key order: each sees the last
        self.reports_listeners: list[Any] = []  # told the project's reports may have changed
        self._stats_due = True
        self._tick = QTimer(main.window)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick_timeout)
        main.task_listeners.append(self._on_main_tasks_changed)
        self._unsubscribe = main.orchard.supervisor.subscribe(self._on_supervisor_message)
        self._connect()

    def _connect(self) -> None:
        v, t = self.view, self.view.table
        v.project_changed.connect(self.load)
        v.selection_changed.connect(self._on_view_selection_changed)
        t.priority_pressed.connect(lambda p: self.field_key(priority=p))
        t.wontfix_pressed.connect(lambda: self.triage_key(status=ReportStatus.WONT_FIX))
        t.next_pressed.connect(self.accept_and_next)
        t.picker_pressed.connect(self.open_picker)
        t.open_pressed.connect(self._on_table_open_pressed)
        t.accept_pressed.connect(self.accept_suggestions)
        d = v.detail
        d.duplicate_requested.connect(self._on_detail_duplicate_requested)
        d.jump_requested.connect(v.select_report)
        d.task_opened.connect(self.open_task)
        d.suggestion_accepted.connect(lambda name, value: self._accept({name: value}))
        d.accept_all_requested.connect(self.accept_suggestions)
        v.dashboard.p0_clicked.connect(v.select_report)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.main.window.actions["filter"].triggered.connect(self._on_filter_triggered)
        self.view.set_refresh_seconds(self.orchard.settings.triage.refresh_seconds)

    def stop(self) -> None:
        """Stop the timers and close a picker (the window is closing)."""
        self._tick.stop()
        self._unsubscribe()
        if self.picker is not None:
            self.picker.close()
        for job in (self._load_job, self._live_job):
            if job is not None:
                job.cancel()

    def show_tab(self) -> None:
        """Bring the Triage tab to the front."""
        self.tabs.setCurrentWidget(self.view)

    def shown(self) -> bool:
        """Return whether the Triage tab is the one shown."""
        return self.tabs.currentWidget() is self.view

    # loading

    def _on_tabs_current_changed(self, _index: int) -> None:
        if self.shown():
            self.view.model.renew_fresh()  # what arrived while away stays marked until seen
            self._tick.start()
            if self._first_load is None:
                self._first_load = self.main.spawn(self.load_projects())
            self.view.table.setFocus()
        else:
            self._tick.stop()

    async def ready(self) -> str | None:
        """Show the tab, wait for its first load, and return the project shown (if any)."""
        self.show_tab()
        if self._first_load is not None:
            await asyncio.shield(self._first_load)
        if self._load_job is not None and not self._load_job.done():
            await asyncio.shield(self._load_job)
        if self.project is None:
            self.main.say("Add a repository first: reports belong to a project", error=True)
        return self.project

    async def load_projects(self) -> None:
        """Offer the projects and load the first (or the one shown)."""
        projects = [p.name for p in await self.main.ops.projects()]
        current = self.project or (projects[0] if projects else None)
        self.view.set_projects(projects, current)
        if not projects:
            self.view.status_line.setText("Add a repository first: reports belong to a project.")
        elif current is not None:
            self.load(current)

    def load(self, project: str) -> None:
        """Show a project's reports; a newer load cancels an older one."""
        if self._load_job is not None:
            self._load_job.cancel()
        self.project = project
        self._load_job = self.main.spawn(self._load(project))

    async def _load(self, project: str) -> None:
        reports = await self.main.ops.reports(project)
        if project != self.project:
            return
        self.index, self.suggestions = SimilarityIndex(), {}
        self.view.model.set_reports(reports)
        self.view.fit_columns()
        self.view.model.update_task_states({k: t.state for k, t in self.main.tasks.items()})
        self._stats_due = True
        self._update_stats()
        if reports and not self.view.table.currentIndex().isValid():
            self.view.advance()
        index = await self.main.off_thread(_build_index, reports)  # ~1 s for 10,000
        if project == self.project:
            for report in self.view.model.reports():
                if report.id not in index:  # arrived while the index was built
                    index.add(report.id, report.title, report.body)
            self.index = index
            self._show_detail()
        self._reports_changed()

    async def reload(self, fresh: bool = False) -> list[Report]:
        """Read the project's reports again; show changed rows, append (and highlight) new ones."""
        project = self.project
        if project is None:
            return []
        reports = await self.main.ops.reports(project)
        if project != self.project:
            return []
        self.show_reports(reports, fresh)
        return reports

    # live: reports added or changed elsewhere (the CLI, another window, a landed fix)

    def _on_supervisor_message(self, message: Message) -> None:
        if isinstance(message, ReportsChanged) and message.project == self.project:
            if self._live_job is not None and not self._live_job.done():
                self._live_again = True
            else:
                self._live_job = self.main.spawn(self._live_reload())

    async def _live_reload(self) -> None:
        """Reload until no change came in meanwhile; new reports are marked until seen."""
        loading = self._load_job
        if loading is not None and not loading.done():  # it may have read before the change
            await asyncio.wait([loading])
        self._live_again = True
        while self._live_again:
            self._live_again = False
            await self.reload(fresh=True)
        self._reports_changed()

    def _reports_changed(self) -> None:
        for listener in self.reports_listeners:
            listener()

    def show_reports(self, reports: list[Report], fresh: bool = False) -> list[Report]:
        """Show changed reports by row; index new and reworded ones; return the new ones."""
        model = self.view.model
        before = {r.id: model.report(r.id) for r in reports}
        new = model.upsert(reports, fresh=fresh)
        for report in reports:
            old = before[report.id]
            if old is None or (old.title, old.body) != (report.title, report.body):
                self.index.add(report.id, report.title, report.body)  # replaces its old text
        self._stats_due = True
        self.view.fit_columns()
        self._show_detail()
        return new

    # triage

    def targets(self) -> list[int]:
        """Return the selected reports, or the one under the cursor."""
        ids = self.view.selected_ids()
        current = self.view.current_report()
        return ids or ([current.id] if current is not None else [])

    def triage_key(self, **changes: Any) -> None:
        """Apply a key that closes the selection (won't fix) and move on to the next report."""
        ids = self.targets()
        if not ids:
            return
        self.view.advance(skip=ids)
        self.main.spawn(self.set_reports(ids, **changes))

    def field_key(self, ids: list[int] | None = None, **changes: Any) -> None:
        """Set a field on the selection and stay: Space accepts it and moves on."""
        ids = self.targets() if ids is None else ids
        for report_id in ids:
            self.staged.setdefault(report_id, {}).update(changes)
        if ids:
            self.main.spawn(self.set_reports(ids, **changes))

    def accept_and_next(self) -> None:
        """Move on to the next report needing triage once this one has its required fields."""
        report = self.view.current_report()
        if report is None:
            return
        missing = missing_fields(report, self.staged.get(report.id))
        if report.status is ReportStatus.NEW and missing:
            keys = {"category": "c", "priority": "0-3"}
            needs = ", ".join(f"{name} ({keys[name]})" for name in missing)
            self.main.say(f"#{report.id} still needs {needs}; j skips it", error=True)
            return
        self.view.advance(skip=[report.id])

    async def set_reports(self, ids: list[int], **changes: Any) -> list[Report]:
        """Change reports through the triage operations and show every changed row."""
        try:
            async with self._writes:
                changed = await self.main.ops.set_reports(ids, **changes)
        except Refused as exc:
            self.main.say(str(exc), error=True)
            return []
        finally:
            for report_id in ids:
                staged = self.staged.get(report_id, {})
                for name in changes:
                    staged.pop(name, None)
                if not staged:
                    self.staged.pop(report_id, None)
        self.show_reports(changed)
        self._reports_changed()
        return changed

    def open_picker(self, kind: str) -> None:
        """Open the category, owner or duplicate picker for the selection."""
        ids = self.targets()
        if not ids:
            return
        if kind == "duplicate":
            popup = self._duplicate_picker(ids[0])
        else:
            popup = PickerPopup(kind.capitalize(), self._choices(kind), self.view)
        popup.picked.connect(lambda value: self._on_picker_picked(kind, ids, value))
        mine = id(popup)  # a closed picker's late destroyed() must not forget a newer one
        popup.destroyed.connect(lambda: self._forget_picker(mine))
        self.picker = popup
        rect = self.view.table.visualRect(self.view.table.currentIndex())
        popup.open_at(self.view.table.viewport().mapToGlobal(rect.bottomLeft() + QPoint(40, 2)))

    def _forget_picker(self, popup_id: int) -> None:
        if self.picker is not None and id(self.picker) == popup_id:
            self.picker = None

    def _choices(self, kind: str) -> list[Choice]:
        triage = self.orchard.settings.triage
        if kind == "category":
            return [(c, c) for c in triage.categories]
        return [
            (name, f"{name} — {areas}" if areas else name) for name, areas in triage.owners.items()
        ]

    def _duplicate_picker(self, report_id: int) -> PickerPopup:
        def label(hit: tuple[int, float]) -> Choice:
            report = self.view.model.report(hit[0])
            return hit[0], f"#{hit[0]}  {report.title if report else ''}  ({hit[1]:.2f})"

        top = [label(h) for h in self.index.similar(report_id, 5)]
        search = lambda text: [  # noqa: E731
            label(h) for h in self.index.search(text, k=12, exclude={report_id})
        ]
        return PickerPopup(f"Duplicate of (#{report_id})", top, self.view, search=search)

    def _on_picker_picked(self, kind: str, ids: list[int], value: Any) -> None:
        self.picker = None  # closing: the next key may open another at once
        self.view.table.setFocus()
        if kind != "duplicate":  # a field: stay, so that another can be set before Space
            self.field_key(ids, **{kind: value})
            return
        self.view.advance(skip=ids)
        self.main.spawn(self.set_reports(ids, duplicate_of=value))

    def _on_detail_duplicate_requested(self, original: int) -> None:
        report = self.view.detail.report
        if report is not None:
            self.main.spawn(self.set_reports([report.id], duplicate_of=original))

    def _on_table_open_pressed(self) -> None:
        self.view.side.setCurrentWidget(self.view.detail)
        self.view.detail.body.setFocus()

    def _on_filter_triggered(self) -> None:
        if self.shown():
            self.view.focus_filter()

    # suggestions

    def add_suggestion(self, suggestion: Any) -> None:
        """Keep a suggestion and show its chips if its report is shown."""
        self.suggestions[suggestion.report_id] = suggestion
        shown = self.view.detail.report
        if shown is not None and shown.id == suggestion.report_id:
            self.view.detail.show_suggestion(suggestion)

    def accept_suggestions(self) -> None:
        """Accept every suggestion chip shown for the current report (a)."""
        report = self.view.detail.report
        if report is None:
            return
        fields = self.view.detail.suggested(self.suggestions.get(report.id))
        if fields:
            self._accept(fields)
            self.view.advance(skip=[report.id])

    def _accept(self, fields: dict[str, Any]) -> None:
        report = self.view.detail.report
        if report is not None:
            self.main.spawn(self.set_reports([report.id], **fields))

    # detail, tasks, stats

    def _on_view_selection_changed(self, _ids: list[int]) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        report = self.view.current_report()
        similar: list[tuple[Report, float]] = []
        if report is not None:
            for other_id, score in self.index.similar(report.id, SIMILAR):
                other = self.view.model.report(other_id)
                if other is not None:
                    similar.append((other, score))
        suggestion = self.suggestions.get(report.id) if report is not None else None
        self.view.detail.show_report(report, similar, self.view.model.task_states(), suggestion)

    def open_task(self, task_id: str) -> None:
        """Show a linked task in the Tasks tab."""
        if task_id not in self.main.tasks:
            self.main.say(f"Task {task_id} is not on the board", error=True)
            return
        self.tabs.setCurrentIndex(0)
        self.main.window.board.set_filter_text("")
        self.main.window.board.select_task(task_id)

    def _on_main_tasks_changed(self, tasks: list[Task]) -> None:
        self.view.model.update_task_states({t.id: t.state for t in tasks})

    def _on_tick_timeout(self) -> None:
        self.view.model.expire_fresh()
        self._update_stats()

    def _update_stats(self) -> None:
        if not self._stats_due:
            return
        self._stats_due = False
        reports = self.view.model.reports()
        # The session is derived from the reports (the first triage in the last hours), so a
        # window opened mid bug-bash counts what was triaged before it opened.
        stats = triage_stats(reports, time.time())
        self.view.status_line.setText(status_line(stats))
        p0_titles = {r.id: r.title for r in reports if r.priority == "P0"}
        self.view.dashboard.show_stats(stats, p0_titles)


def _build_index(reports: list[Report]) -> SimilarityIndex:
    return SimilarityIndex.build((r.id, r.title, r.body) for r in reports)
