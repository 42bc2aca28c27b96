"""Reports in and out of the Triage tab: capture, paste, file and GitHub imports, exports."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from app.core.triage import ImportResult
from app.qt.confirm import confirm
from app.qt.placement import place
from app.qt.triage.controller import TriageController
from app.qt.triage.dialogs import GitHubImportDialog, PasteDialog, QuickCaptureDialog


class TriageIntakeController:
    """Owns the awaits of intake and export; the live refresh re-runs the GitHub import."""

    def __init__(self, triage: TriageController) -> None:
        self.triage, self.main = triage, triage.main
        self.orchard = triage.orchard
        self.capture: QuickCaptureDialog | None = None
        self.github: GitHubImportDialog | None = None
        self._import_job: asyncio.Task[Any] | None = None
        self._captured: list[tuple[str, str, str]] = []  # stored in the order typed
        self._capture_job: asyncio.Task[None] | None = None
        self._refresh = QTimer(self.main.window)
        self._refresh.setInterval(self.orchard.settings.triage.refresh_seconds * 1000)
        self._refresh.timeout.connect(self._on_refresh_timeout)
        a = self.main.window.actions
        for name, slot in (
            ("triage_capture", self.open_capture),
            ("triage_paste", self.open_paste),
            ("triage_import_file", self.import_file),
            ("triage_import_github", self.open_github),
            ("triage_export_csv", self.export_csv),
            ("triage_export_github", self.export_github),
        ):
            a[name].triggered.connect(slot)
        a["triage_refresh"].toggled.connect(self.set_refreshing)
        triage.view.refresh_toggled.connect(self.set_refreshing)

    def stop(self) -> None:
        """Stop the live refresh, any import, and close the dialogs."""
        self._refresh.stop()
        if self._import_job is not None:
            self._import_job.cancel()
        for dialog in (self.capture, self.github):
            if dialog is not None:
                dialog.close()

    def _project(self) -> str | None:
        project = self.triage.project
        if project is None:
            self.main.say("Open the Triage tab on a project first", error=True)
        return project

    def _when_ready(self, then: Any) -> None:
        """Call `then(project)` once the Triage tab has loaded a project."""

        async def wait() -> None:
            project = await self.triage.ready()
            if project is not None:
                then(project)

        self.main.spawn(wait())

    # quick capture and paste

    def open_capture(self) -> None:
        """Open (or raise) the quick capture dialog (Ctrl+Shift+N)."""
        if self.capture is not None:
            self.capture.raise_()
            self.capture.activateWindow()
            return
        self._when_ready(self._open_capture)

    def _open_capture(self, project: str) -> None:
        if self.capture is not None:
            return
        dialog = QuickCaptureDialog(project, self.main.window)
        dialog.captured.connect(lambda t, b: self._on_capture_captured(project, t, b))
        dialog.finished.connect(self._on_capture_finished)
        self.capture = dialog
        place(dialog)
        dialog.show()

    def _on_capture_finished(self) -> None:
        if self.capture is not None:
            self.capture.deleteLater()
        self.capture = None

    def _on_capture_captured(self, project: str, title: str, body: str) -> None:
        self._captured.append((project, title, body))
        if self._capture_job is None or self._capture_job.done():
            self._capture_job = self.main.spawn(self._store_captured())

    async def _store_captured(self) -> None:
        while self._captured:
            await self.capture_report(*self._captured.pop(0))

    async def capture_report(self, project: str, title: str, body: str) -> None:
        """Save one captured report and show it."""
        report = await self.main.ops.capture_report(project, title, body)
        if project == self.triage.project:
            self.triage.show_reports([report])
            self.triage.view.model.unmark(report.id)  # typed here: not news to the person
        if self.capture is not None:
            self.capture.show_saved(f"Saved #{report.id}: {report.title}")

    def open_paste(self) -> None:
        """Open the paste dialog; adding takes in every report of the list."""
        self._when_ready(self._open_paste)

    def _open_paste(self, project: str) -> None:
        dialog = PasteDialog(project, self.main.window)
        dialog.accepted.connect(
            lambda: self.main.spawn(self.paste(project, dialog.text.toPlainText()))
        )
        dialog.finished.connect(dialog.deleteLater)
        place(dialog)
        dialog.open()

    async def paste(self, project: str, text: str) -> None:
        """Take in a pasted list."""
        await self._after_import(await self.main.ops.paste_reports(project, text))

    # files and GitHub

    def import_file(self) -> None:
        """Ask for a CSV or JSON file and import it."""
        self._when_ready(self._ask_file)

    def _ask_file(self, project: str) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.main.window, "Import reports", "", "Reports (*.csv *.json);;All files (*)"
        )
        if path:
            self.main.spawn(self._import_file(project, path))

    async def _import_file(self, project: str, path: str) -> None:
        await self._after_import(await self.main.ops.import_report_file(project, path))

    def open_github(self) -> None:
        """Open the GitHub import dialog (remembers the last repository)."""
        self._when_ready(self._open_github)

    def _open_github(self, _project: str) -> None:
        if self.github is None:
            self.github = GitHubImportDialog(self.last_repo(), self.main.window)
            self.github.import_requested.connect(self._on_github_import_requested)
            self.github.cancel_requested.connect(self._cancel_import)
            self.github.finished.connect(self._on_github_finished)
            place(self.github)
        self.github.set_running(self._importing())
        self.github.show()
        self.github.raise_()

    def _on_github_finished(self) -> None:
        if self.github is not None:
            self.github.deleteLater()
        self.github = None

    def last_repo(self) -> str:
        """Return the repository last imported into the shown project."""
        return str(self.main.settings.value(f"triage/github/{self.triage.project}") or "")

    def _importing(self) -> bool:
        return self._import_job is not None and not self._import_job.done()

    def _on_github_import_requested(self, repo: str) -> None:
        project = self._project()
        if project is None or self._importing():
            return
        self.main.settings.setValue(f"triage/github/{project}", repo)
        self._import_job = self.main.spawn(self.import_github(project, repo))

    def _cancel_import(self) -> None:
        if self._import_job is not None:
            self._import_job.cancel()

    async def import_github(self, project: str, repo: str, own: bool = True) -> ImportResult:
        """Import a repository's issues, saying when it starts and ends; cancellable.

        A refresh (`own` False) marks what it brings; an import the person asked for does not.
        """
        self._say_progress(f"Importing {repo}…")
        if self.github is not None:
            self.github.set_running(True)
        try:
            result = await self.main.ops.import_github_issues(
                project,
                repo,
                api_url=self.orchard.settings.github_api_url,
                on_progress=self._say_progress,
            )
        except asyncio.CancelledError:
            self._say_progress("Import cancelled; what was read so far is kept.")
            raise
        except Exception as exc:
            self._say_progress(f"Import failed: {exc}")
            raise
        finally:
            if self.github is not None:
                self.github.set_running(False)
        self._say_progress(f"{repo}: {result.summary()}")
        await self._after_import(result, own)
        return result

    def _say_progress(self, text: str) -> None:
        if self.github is not None:
            self.github.set_progress(text)
        self.main.say(text)

    async def _after_import(self, result: ImportResult, own: bool = True) -> None:
        """Show what an import brought; mark it new only when it came by itself (a refresh)."""
        model = self.triage.view.model
        await self.triage.reload(fresh=not own)
        if own:  # the person brought these in: they are not news, but the cursor goes there
            for report_id in result.new_ids:
                model.unmark(report_id)
            if result.new_ids:
                self.triage.view.select_report(result.new_ids[0])
        else:
            model.mark_fresh(result.new_ids)
        self.main.say(result.summary())

    # live refresh

    def set_refreshing(self, on: bool) -> None:
        """Re-run the last GitHub import every refresh_seconds while on."""
        action = self.main.window.actions["triage_refresh"]
        for toggle in (action, self.triage.view.refresh):
            if toggle.isChecked() != on:
                toggle.blockSignals(True)
                toggle.setChecked(on)
                toggle.blockSignals(False)
        if not on:
            self._refresh.stop()
            return
        if not self.last_repo():
            self.main.say(
                "Import from GitHub once first; the refresh repeats that import", error=True
            )
            self.set_refreshing(False)
            return
        self._refresh.start()
        self._on_refresh_timeout()

    def _on_refresh_timeout(self) -> None:
        project, repo = self.triage.project, self.last_repo()
        if project is None or not repo or self._importing():
            return
        self._import_job = self.main.spawn(self.import_github(project, repo, own=False))

    # export

    def export_csv(self) -> None:
        """Ask where, then write the shown project's reports as CSV."""
        project = self._project()
        if project is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self.main.window, "Export reports", f"{project}-reports.csv", "CSV (*.csv)"
        )
        if path:
            self.main.spawn(self._export_csv(project, path))

    async def _export_csv(self, project: str, path: str) -> None:
        count = await self.main.ops.export_reports_csv(project, path)
        self.main.say(f"Exported {count} reports to {path}")

    def export_github(self) -> None:
        """After confirming, send triage back to GitHub (the selection, or every report)."""
        project = self._project()
        if project is None:
            return
        ids = self.triage.view.selected_ids()
        what = f"{len(ids)} selected reports" if len(ids) > 1 else "every imported report"
        if confirm(
            self.main.window,
            "Export to GitHub",
            f"Send {what} of {project} back to GitHub?",
            "Their labels, open or closed state and comments are written on GitHub.",
            "Send to GitHub",
        ):
            self.main.spawn(self._export_github(project, ids if len(ids) > 1 else None))

    async def _export_github(self, project: str, ids: list[int] | None) -> None:
        self.main.say(f"Exporting {project} to GitHub…")
        result = await self.main.ops.export_triage_to_github(
            project, ids, api_url=self.orchard.settings.github_api_url
        )
        self.main.say(f"Exported to GitHub: {result.summary()}")
        await self.triage.reload()
