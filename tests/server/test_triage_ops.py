"""Triage through the real service: a command's import is the service's, a refusal one line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.client import Operations, Refused, ServiceClient, client_call
from app.core.triage import ReportStatus
from tests.conftest import Cli
from tests.fakes.github_api import FakeGitHub

TOKEN = "the-service-token"
NO_TOKEN = {"GITHUB_TOKEN": "", "GH_TOKEN": ""}


def test_an_import_from_the_command_line_is_performed_by_the_service(
    on: Cli, project: str, home: Path
) -> None:
    with FakeGitHub(token=TOKEN) as api:
        api.add_repo("octo/app")
        api.add_issues("octo/app", 3)
        # The service keeps the environment of the command that started it: only it has the
        # token, so an import asked from a shell without one succeeds only if it imports.
        started = on("service", "start", env={"GITHUB_TOKEN": TOKEN, "GH_TOKEN": ""})
        assert started.code == 0, started.err
        pid = ServiceClient(home).status()["pid"]
        asked = ("triage", "import", project, "--github", "octo/app", "--api-url", api.url)
        alone = on(*asked, env={**NO_TOKEN, "ORCHARD_SERVICE": "off"})  # this process itself
        assert alone.code == 1 and "refused the token from nowhere" in alone.err, alone.err
        imported = on(*asked, "--json", env=NO_TOKEN)
        assert imported.code == 0, imported.err
        assert imported.json()["added"] == 3
        # A shell's own token goes with its request and wins over the service's.
        refused = on(*asked, env={"GITHUB_TOKEN": "not-the-token", "GH_TOKEN": ""})
        assert refused.code == 1 and refused.err.count("\n") == 1, refused.err
        assert "refused the token from $GITHUB_TOKEN" in refused.err
        assert "not-the-token" not in refused.err
    assert ServiceClient(home).status()["pid"] == pid  # one service did it all
    listed = on("triage", "list", project, "--json").json()
    assert [r["external_id"] for r in listed] == ["octo/app#1", "octo/app#2", "octo/app#3"]


def test_a_refused_triage_change_is_one_line_and_changes_nothing(
    on: Cli, project: str, home: Path
) -> None:
    assert on("service", "start").code == 0
    captured = on("triage", "capture", project, "Coupons vanish at checkout")
    assert captured.code == 0, captured.err
    report = int(captured.out)
    # A triage rule's refusal (not a priority) crosses the API as the person's one line.
    bad = on("triage", "set", str(report), "--priority", "urgent")
    assert (bad.code, bad.err) == (
        1,
        "orchard: 'urgent' is not a priority (use P0, P1, P2 or P3)\n",
    )
    ops = Operations(client_call(ServiceClient(home)))
    with pytest.raises(Refused, match="needs 'ids' as a list of report ids"):
        asyncio.run(ops.do("triage.set", ids=report, changes={"priority": "P1"}))
    with pytest.raises(Refused, match="'coupons' is not a category"):
        asyncio.run(ops.set_reports([report], category="coupons"))
    (unchanged,) = asyncio.run(ops.reports(project))
    assert (unchanged.priority, unchanged.category) == (None, None)
    assert unchanged.status is ReportStatus.NEW
    (changed,) = asyncio.run(ops.set_reports([report], priority="p1", status=ReportStatus.NEW))
    assert (changed.priority, changed.status) == ("P1", ReportStatus.NEW)
    assert on("triage", "list", project).out.startswith(f"#{report:<5} new        P1")


def test_suggestions_stream_through_the_service_with_the_askers_key(
    on: Cli, project: str, home: Path
) -> None:
    from app.core.triage import ReportDraft
    from app.services.store.database import Store
    from tests.fakes.chat_api import FakeChat

    key = "sk-the-askers-own-0123456789"
    with FakeChat(key=key, model="m") as api:
        (home / "config.toml").write_text(
            f'[llm]\nbase_url = "{api.url}"\nmodel = "m"\nbatch_size = 1\nconcurrency = 1\n'
        )
        store = Store(home / "orchard.db")
        try:
            store.add_reports(
                project, [ReportDraft(f"Crash {i}", "it crashes", "ann") for i in range(3)]
            )
        finally:
            store.close()
        started = on("service", "start", env={"ORCHARD_LLM_API_KEY": "", "OPENAI_API_KEY": ""})
        assert started.code == 0, started.err
        pid = ServiceClient(home).status()["pid"]
        asked = on("triage", "suggest", project, env={"ORCHARD_LLM_API_KEY": key})
        assert asked.code == 0, asked.err
        assert len(asked.out.splitlines()) == 3 and len(api.calls) == 3  # one per batch, streamed
        assert ServiceClient(home).status()["pid"] == pid  # the service asked the model
        assert key not in asked.out + asked.err
        keyless = on("triage", "suggest", project, env={"ORCHARD_LLM_API_KEY": ""})
        assert keyless.code == 1 and keyless.err.count("\n") == 1, keyless.err


def test_a_rate_limit_pause_is_said_as_it_happens_through_the_service(
    on: Cli, project: str, home: Path
) -> None:
    with FakeGitHub(token=TOKEN) as api:
        api.add_repo("octo/app")
        api.add_issues("octo/app", 3)
        api.rate_limit(r"/repos/octo/app/issues", reset_in=1)
        assert on("service", "start").code == 0
        asked = ("triage", "import", project, "--github", "octo/app", "--api-url", api.url)
        imported = on(*asked, env={"GITHUB_TOKEN": TOKEN, "GH_TOKEN": ""})
        assert imported.code == 0, imported.err
        assert "GitHub rate limit reached: waiting" in imported.err  # streamed from the service
        assert "3 new" in imported.out
