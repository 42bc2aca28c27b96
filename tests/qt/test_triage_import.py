"""The Triage tab against a fake GitHub and real agents: import, live refresh, dispatch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.core.triage import ReportDraft, ReportStatus
from app.qt.triage.dialogs import DispatchDialog
from app.qt.triage.model import TriageColumn
from tests.fakes.github_api import FakeGitHub
from tests.qt.conftest import run, until
from tests.qt.test_triage_window import agents_of, intake_of, open_triage, stored, triage_of

pytestmark = pytest.mark.timeout(180)


def test_import_from_github_then_refresh_highlights_the_new(
    loop: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.delenv("GH_TOKEN", raising=False)

    async def scenario() -> None:
        with FakeGitHub(token="t0ken") as api:
            api.add_repo("octo/app")
            api.add_issues("octo/app", 7, pull_every=4)  # issues 4 is a pull request
            config = f'[github]\napi_url = "{api.url}"\n'
            s = await open_triage(tmp_path, [ReportDraft("Local report")], config)
            intake, view = intake_of(s), triage_of(s).view
            s.window.actions["triage_import_github"].trigger()
            dialog = await until(lambda: intake.github, what="import dialog")
            dialog.repo.setText("octo/app")
            dialog.start.click()
            await until(lambda: view.model.rowCount() == 7, what="6 issues imported")
            await until(lambda: not dialog.running, what="import finished")
            assert "6 new" in dialog.progress.text()
            assert {r.external_id for r in stored(s).values()} >= {"octo/app#1", "octo/app#7"}
            dialog.close()
            assert intake.last_repo() == "octo/app"
            api.add_issues("octo/app", 1)  # issue 8 arrives during the bug bash
            view.refresh.click()  # refreshes now, then every refresh_seconds
            await until(lambda: view.model.rowCount() == 8, what="the new issue")
            new = next(r for r in stored(s).values() if r.external_id == "octo/app#8")
            assert view.model.is_fresh(new.id)
            row = view.model.row_of(new.id)
            font = view.model.index(row, TriageColumn.TITLE).data(Qt.ItemDataRole.FontRole)
            assert font.bold()
            assert not view.model.is_fresh(1)  # the report that was there before
            view.select_report(new.id)
            assert not view.model.is_fresh(new.id)  # seen
            view.refresh.click()
            await s.close()

    run(loop, scenario)


def test_dispatch_two_reports_creates_real_tasks(loop: Any, tmp_path: Path) -> None:
    drafts = [
        ReportDraft("Crash on save", "Steps:\n1. save", category="crash", priority="P0"),
        ReportDraft("Typo in the About box", category="docs", priority="P3"),
        ReportDraft("Left alone"),
    ]

    async def scenario() -> None:
        s = await open_triage(tmp_path, drafts)
        view = triage_of(s).view
        view.clear_filters()
        view.select_report(1)
        view.table.selectRow(view.proxy.mapFromSource(view.model.index(1, 0)).row())
        view.table.selectionModel().select(
            view.proxy.mapFromSource(view.model.index(0, 0)),
            view.table.selectionModel().SelectionFlag.Select
            | view.table.selectionModel().SelectionFlag.Rows,
        )
        assert sorted(view.selected_ids()) == [1, 2]
        s.window.actions["triage_dispatch"].trigger()
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, DispatchDialog))
        assert dialog.templates.count() == 2  # crash and docs
        dialog.agent.setCurrentText("demo")
        dialog.accept()
        agents_of(s)  # built with the window
        await until(lambda: all(stored(s)[i].tasks for i in (1, 2)), what="tasks linked")
        reports = stored(s)
        assert reports[1].status is ReportStatus.DISPATCHED
        assert reports[3].tasks == ()
        task_ids = [reports[i].tasks[0] for i in (1, 2)]
        tasks = {t.id: t for t in s.orchard.store.tasks()}
        assert all(tasks[t].agent == "demo" for t in task_ids)
        assert "Crash on save" in tasks[task_ids[0]].prompt
        await until(lambda: all(t in s.controller.tasks for t in task_ids), what="on the board")
        row = view.model.row_of(1)
        await until(
            lambda: task_ids[0][:6] in str(view.model.index(row, TriageColumn.TASKS).data()),
            what="tasks column",
        )
        await s.close()

    run(loop, scenario)
