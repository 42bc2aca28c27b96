"""Writing triage back to a fake GitHub on 127.0.0.1: labels, assignee, one fix comment."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.config.settings import Home
from app.services.orchard import Orchard, UserError
from app.services.triage.export import ExportResult, export_github
from app.services.triage.importer import import_github
from app.services.triage.reports import capture_report, set_reports
from tests.conftest import make_repo
from tests.fakes.github_api import FakeGitHub

TOKEN = "export-token-789"


@pytest.fixture
def orchard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Orchard]:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    o = Orchard(Home(tmp_path / "home"))
    asyncio.run(o.add_project(str(make_repo(tmp_path / "app")), name="app"))
    yield o
    o.close()


@pytest.fixture
def api(orchard: Orchard) -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo("octo/app")
        fake.add_issues("octo/app", 3)
        asyncio.run(import_github(orchard, "app", "octo/app", api_url=fake.url))
        yield fake


def _export(orchard: Orchard, api: FakeGitHub) -> ExportResult:
    return asyncio.run(export_github(orchard, "app", api_url=api.url))


def _issue(api: FakeGitHub, number: int) -> dict[str, object]:
    return next(i for i in api.repos["octo/app"].issues if i["number"] == number)


def test_labels_assignee_and_one_fix_comment(orchard: Orchard, api: FakeGitHub) -> None:
    one, two, _ = (r.id for r in orchard.store.reports("app"))
    capture_report(orchard, "app", "Not from GitHub")
    set_reports(orchard, [one], category="ui", priority="P1", owner="lee")
    set_reports(orchard, [two], status="fixed")
    orchard.store.update_reports({two: {"fix_commit": "abc1234"}})

    first = _export(orchard, api)
    assert (first.labeled, first.assigned, first.commented, first.skipped) == (1, 1, 1, 1)
    labels = {label["name"] for label in _issue(api, 1)["labels"]}  # type: ignore[attr-defined]
    assert labels == {"category: ui", "priority: P1"}
    assert [a["login"] for a in _issue(api, 1)["assignees"]] == ["lee"]  # type: ignore[attr-defined]
    comments = api.repos["octo/app"].comments
    assert [(c["issue_number"], c["body"]) for c in comments] == [(2, "Fixed in commit abc1234.")]

    posts = len(api.calls("POST")) + len(api.calls("PATCH"))
    second = _export(orchard, api)
    assert (second.labeled, second.commented, second.unchanged) == (0, 0, 3)
    assert len(api.calls("POST")) + len(api.calls("PATCH")) == posts  # nothing sent twice

    set_reports(orchard, [one], priority="P0")
    third = _export(orchard, api)
    assert third.labeled == 1
    assert api.calls("POST", "/repos/octo/app/issues/1/labels")[-1].body == {
        "labels": ["priority: P0"]
    }


def test_export_without_a_token_says_where_to_put_one(
    orchard: Orchard, api: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    with pytest.raises(UserError, match="no GitHub token: set GITHUB_TOKEN"):
        _export(orchard, api)


def test_a_failure_half_way_keeps_what_was_sent(orchard: Orchard, api: FakeGitHub) -> None:
    ids = [r.id for r in orchard.store.reports("app")]
    set_reports(orchard, ids, priority="P2")
    api.fail("POST", "/repos/octo/app/issues/2/labels", 404)
    with pytest.raises(UserError) as caught:
        _export(orchard, api)
    assert "not found (404)" in str(caught.value) and "1 of 3 exported" in str(caught.value)
    assert TOKEN not in str(caught.value)
    finish = _export(orchard, api)
    assert (finish.labeled, finish.unchanged) == (2, 1)  # issue 1 was not labeled again
    assert len(api.calls("POST", "/repos/octo/app/issues/1/labels")) == 1
