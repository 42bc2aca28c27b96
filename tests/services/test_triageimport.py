"""Importing reports: GitHub's open issues from a fake API on 127.0.0.1, and CSV/JSON files."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.config.settings import Home
from app.services.orchard import Orchard, UserError
from app.services.triage.importer import ImportResult, import_file, import_github
from tests.conftest import make_repo
from tests.fakes.github_api import FakeGitHub

TOKEN = "sekrit-token-123"
ISSUES = "/repos/octo/app/issues"


@pytest.fixture
def orchard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Orchard]:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    o = Orchard(Home(tmp_path / "home"))
    asyncio.run(o.add_project(str(make_repo(tmp_path / "app")), name="app"))
    yield o
    o.close()


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo("octo/app")
        yield fake


def _import(orchard: Orchard, api: FakeGitHub, **options: object) -> ImportResult:
    return asyncio.run(import_github(orchard, "app", "octo/app", api_url=api.url, **options))  # type: ignore[arg-type]


def _refused(orchard: Orchard, api: FakeGitHub, repo: str = "octo/app") -> str:
    with pytest.raises(UserError) as caught:
        asyncio.run(import_github(orchard, "app", repo, api_url=api.url))
    return str(caught.value)


def test_fifty_pages_with_pull_requests_mixed_in(orchard: Orchard, api: FakeGitHub) -> None:
    api.add_issues("octo/app", 5000, pull_every=10)
    result = _import(orchard, api)
    assert (result.added, result.skipped_pulls, result.pages, result.complete) == (
        4500,
        500,
        50,
        True,
    )
    reports = orchard.store.reports("app")
    assert len(reports) == 4500 and len(set(result.new_ids)) == 4500
    first = reports[0]
    assert (first.external_id, first.title, first.reporter, first.source) == (
        "octo/app#1",
        "Issue 1",
        "reporter",
        "github",
    )
    assert first.url == "https://github.com/octo/app/issues/1"
    assert not any(r.external_id == "octo/app#10" for r in reports)  # a pull request
    first_call = api.calls("GET", ISSUES)[0]
    assert first_call.query["state"] == "open" and first_call.query["per_page"] == "100"
    assert first_call.headers["authorization"] == f"Bearer {TOKEN}"


def test_refresh_fetches_only_what_changed_then_nothing(orchard: Orchard, api: FakeGitHub) -> None:
    api.add_issues("octo/app", 250, pull_every=0)
    assert _import(orchard, api).added == 250
    before = len(api.calls("GET", ISSUES))
    again = _import(orchard, api)
    assert (again.added, again.updated, again.pages) == (0, 0, 1)
    asked = api.calls("GET", ISSUES)[before:]
    assert len(asked) == 1 and asked[0].query["since"] == "2024-05-01T00:04:10Z"
    third = _import(orchard, api)
    assert (third.added, third.pages, third.not_modified) == (0, 0, 1)
    assert "if-none-match" in api.calls("GET", ISSUES)[-1].headers
    api.touch("octo/app", 7, title="Issue 7, reworded")
    api.add_issues("octo/app", 2)
    fresh = _import(orchard, api)
    assert (fresh.added, fresh.updated) == (2, 1)
    assert orchard.store.report(7).title == "Issue 7, reworded"
    assert len(orchard.store.reports("app")) == 252


def test_rate_limit_mid_import_waits_and_says_so(orchard: Orchard, api: FakeGitHub) -> None:
    api.add_issues("octo/app", 500, pull_every=0)
    said: list[str] = []

    def progress(text: str) -> None:
        said.append(text)
        if text.endswith("page 2, 200 new reports so far"):
            api.rate_limit(ISSUES, reset_in=1)

    started = time.monotonic()
    result = _import(orchard, api, on_progress=progress)
    assert result.complete and result.added == 500
    waits = [s for s in said if s.startswith("GitHub rate limit reached: waiting")]
    assert len(waits) == 1 and "(until " in waits[0], said
    assert time.monotonic() - started >= 0.2  # it did wait for the reset


def test_long_rate_limit_stops_keeps_pages_and_resumes(orchard: Orchard, api: FakeGitHub) -> None:
    api.add_issues("octo/app", 1000, pull_every=10)

    def progress(text: str) -> None:
        if "page 3," in text:
            api.rate_limit(ISSUES, reset_in=3600)

    stopped = _import(orchard, api, on_progress=progress, max_wait=5)
    assert not stopped.complete and stopped.pages == 3 and stopped.added == 270
    assert "import again then to resume" in stopped.message
    assert len(orchard.store.reports("app")) == 270
    before = len(api.calls("GET", ISSUES))
    resumed = _import(orchard, api)
    assert resumed.complete and resumed.added == 630
    assert len(api.calls("GET", ISSUES)) - before == 8  # pages 3..10, not from the start
    assert len(orchard.store.reports("app")) == 900


def test_missing_repository(orchard: Orchard, api: FakeGitHub) -> None:
    message = _refused(orchard, api, "octo/nope")
    assert "not found (404)" in message and "does not exist" in message


def test_bad_token_is_named_by_its_source_not_its_value(
    orchard: Orchard, api: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "wrong-token-456")
    message = _refused(orchard, api)
    assert "refused the token from $GITHUB_TOKEN" in message and "401" in message
    assert "wrong-token-456" not in message


def test_not_a_repository_name(orchard: Orchard, api: FakeGitHub) -> None:
    assert "write it as OWNER/REPO" in _refused(orchard, api, "just-a-name")
    assert api.requests == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "surprise"}, "something that is not a list"),
        (b"<html>oops</html>", "something that is not JSON"),
        ([{"number": "1", "title": 5}], "without a number or a title"),
    ],
)
def test_malformed_answer_mid_import_keeps_what_came_before(
    orchard: Orchard, api: FakeGitHub, body: object, message: str
) -> None:
    api.add_issues("octo/app", 300)

    def progress(text: str) -> None:
        if "page 1," in text:
            api.fail("GET", ISSUES, 200, body)

    with pytest.raises(UserError) as caught:
        _import(orchard, api, on_progress=progress)
    assert message in str(caught.value) and "import again to resume" in str(caught.value)
    assert len(orchard.store.reports("app")) == 100
    assert _import(orchard, api).added == 200


def test_unknown_project(orchard: Orchard, api: FakeGitHub) -> None:
    with pytest.raises(UserError, match="no project"):
        asyncio.run(import_github(orchard, "nope", "octo/app", api_url=api.url))


def _file(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_csv_file_twice_adds_once(orchard: Orchard, tmp_path: Path) -> None:
    path = _file(tmp_path, "bugs.csv", "title,body,priority\nCrash,on save,P1\nTypo,,\n")
    first = asyncio.run(import_file(orchard, "app", path))
    assert (first.added, first.unchanged) == (2, 0)
    second = asyncio.run(import_file(orchard, "app", path))
    assert (second.added, second.unchanged) == (0, 2)
    crash = orchard.store.report(first.new_ids[0])
    assert (crash.priority, crash.status.value, crash.source) == ("P1", "triaged", "file")


def test_json_file_by_content_when_the_name_says_nothing(orchard: Orchard, tmp_path: Path) -> None:
    path = _file(tmp_path, "reports.txt", json.dumps([{"title": "One"}, {"title": "Two"}]))
    assert asyncio.run(import_file(orchard, "app", path)).added == 2


def test_ten_thousand_rows_and_a_one_megabyte_report(orchard: Orchard, tmp_path: Path) -> None:
    big = "x" * (1024 * 1024)
    rows = "".join(f"Report {i},body {i}\n" for i in range(9999))
    path = _file(tmp_path, "many.csv", f"title,body\n{rows}Huge,{big}\n")
    started = time.monotonic()
    result = asyncio.run(import_file(orchard, "app", path))
    assert result.added == 10_000 and time.monotonic() - started < 10
    assert len(orchard.store.report(result.new_ids[-1]).body) == len(big)  # nothing cut


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("gone.csv", None, "no file at"),
        ("bad.csv", b"title\n\xff\xfe\n", "is not UTF-8 text"),
        ("extra.csv", "title,os\na,linux\n", "unknown column 'os'"),
        ("list.json", '{"reports": []}', "holds an object, not a list"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_taken(
    orchard: Orchard, tmp_path: Path, name: str, data: str | bytes | None, message: str
) -> None:
    path = tmp_path / name if data is None else _file(tmp_path, name, data)
    with pytest.raises((UserError, ValueError)) as caught:
        asyncio.run(import_file(orchard, "app", path))
    assert message in str(caught.value)
    assert orchard.store.reports("app") == []


def test_a_folder_is_not_a_file(orchard: Orchard, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a folder"):
        asyncio.run(import_file(orchard, "app", tmp_path))
