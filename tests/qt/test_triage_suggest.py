"""Suggestions on the Triage tab from a real chat-completions server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.core.triage import ReportDraft, ReportStatus
from tests.fakes.chat_api import FakeChat
from tests.qt.conftest import run, until
from tests.qt.test_triage_window import REPORTS, current_id, open_triage, stored, triage_of

pytestmark = pytest.mark.timeout(180)


def llm_config(api: FakeChat) -> str:
    return f'[llm]\nbase_url = "{api.url}"\nmodel = "triager"\napi_key = "sk-test"\n'


def test_suggestions_show_as_chips_and_one_key_accepts_them(
    loop: Any, tmp_path: Path, qtbot: QtBot
) -> None:
    async def scenario() -> None:
        with FakeChat(key="sk-test") as api:
            s = await open_triage(tmp_path, REPORTS, config=llm_config(api))
            triage = triage_of(s)
            action = s.window.actions["triage_suggest"]
            assert action.isEnabled()
            action.trigger()
            await until(lambda: len(triage.suggestions) == len(REPORTS), what="suggestions")
            assert len(api.calls) >= 1
            assert all(c.headers.get("authorization") == "Bearer sk-test" for c in api.calls)
            detail = triage.view.detail
            await until(lambda: detail.chips.count() > 1, what="chips shown")
            chips = [
                detail.chips.itemAt(i).widget().text()
                for i in range(detail.chips.count())
                if detail.chips.itemAt(i).widget() is not None
            ]
            assert any(text.startswith("priority: P0") for text in chips), chips
            assert current_id(s) == 1
            table = triage.view.table
            table.setFocus()
            qtbot.keyClick(table, "a")
            await until(lambda: stored(s)[1].priority == "P0", what="accepted")
            first = stored(s)[1]
            assert first.status is ReportStatus.TRIAGED
            assert first.category == "crash"
            assert current_id(s) == 2  # on to the next report
            # a person's own choice is never overwritten by accepting later
            await triage.set_reports([3], priority="P3")
            triage.view.select_report(3)
            await until(lambda: current_id(s) == 3)
            qtbot.keyClick(table, "a")
            await until(lambda: stored(s)[3].category is not None, what="3 accepted")
            assert stored(s)[3].priority == "P3"
            await s.close()

    run(loop, scenario)


def test_a_failing_endpoint_says_so_and_leaves_reports_alone(
    loop: Any, tmp_path: Path, qtbot: QtBot
) -> None:
    async def scenario() -> None:
        with FakeChat(key="sk-other") as api:  # refuses Orchard's key
            drafts = [ReportDraft("Crash on start")]
            s = await open_triage(tmp_path, drafts, config=llm_config(api))
            s.window.actions["triage_suggest"].trigger()
            banner = s.window.banner  # a refusal stays until dismissed
            await until(lambda: "refused" in " ".join(banner.texts()), what="error shown")
            assert "sk-test" not in " ".join(banner.texts())
            assert stored(s)[1].status is ReportStatus.NEW
            await s.close()

    run(loop, scenario)
