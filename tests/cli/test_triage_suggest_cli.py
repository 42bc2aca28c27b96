"""`orchard triage suggest` end to end: a real Orchard process against a fake chat API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.triage import ReportDraft
from app.services.store.database import Store
from tests.conftest import Cli
from tests.fakes.chat_api import FakeChat

KEY = "sk-cli-secret-0123456789"
ENV = {"ORCHARD_LLM_API_KEY": KEY}
DRAFTS = [
    ReportDraft("App crashes when saving a file", "Click save and it crashes.", "ann"),
    ReportDraft("Diff view misaligned", "The lines in the diff view shift.", "bo"),
    ReportDraft("Crash when saving file", "Pressing save crashes the app.", "cy"),
    ReportDraft("Typo in docs", "teh manual", "di", priority="P3"),
]


@pytest.fixture
def api() -> Iterator[FakeChat]:
    with FakeChat(key=KEY, model="test-model") as fake:
        yield fake


def _project(cli: Cli, repo: Path, home: Path, llm: str) -> None:
    result = cli("project", "add", str(repo))
    assert result.code == 0, result.err
    (home / "config.toml").write_text(
        f'{llm}\n[triage]\nowners = {{ maya = "ui, diff view", li = "crash, storage" }}\n'
    )
    store = Store(home / "orchard.db")
    try:
        store.add_reports("repo", DRAFTS)
    finally:
        store.close()


def _llm(api: FakeChat, batch_size: int = 2) -> str:
    return (
        f'[llm]\nbase_url = "{api.url}"\nmodel = "test-model"\nbatch_size = {batch_size}\n'
        "concurrency = 2\ntimeout = 10\n"
    )


def test_suggest_prints_a_line_per_new_report_with_a_duplicate(
    cli: Cli, repo: Path, home: Path, api: FakeChat
) -> None:
    _project(cli, repo, home, _llm(api))
    result = cli("triage", "suggest", "repo", env=ENV)
    assert result.code == 0, result.err
    lines = sorted(result.out.splitlines())
    assert len(lines) == 3 and len(api.calls) == 2  # #4 came in triaged: it has a priority
    assert lines[0].startswith("#1     P0 crash li  App crashes when saving a file")
    assert lines[1].startswith("#2     P2 bug maya  Diff view misaligned")
    assert lines[2].startswith("#3     P0 crash li dup of #1?  Crash when saving file")
    data = cli("triage", "suggest", "repo", "--json", env=ENV).json()
    assert [(s["report_id"], s["duplicate_of"], s["applied"]) for s in data] == [
        (1, None, []),
        (2, None, []),
        (3, 1, []),
    ]
    assert data[0]["reason"] == "keywords in report 1"
    listed = cli("triage", "list", "repo", "--json").json()
    assert [(r["category"], r["status"]) for r in listed] == [(None, "new")] * 3 + [
        (None, "triaged")
    ]  # without --apply nothing changes


def test_apply_fills_only_what_nobody_set(cli: Cli, repo: Path, home: Path, api: FakeChat) -> None:
    _project(cli, repo, home, _llm(api))
    data = cli("triage", "suggest", "repo", "--status", "open", "--apply", "--json", env=ENV).json()
    assert {s["report_id"]: s["applied"] for s in data} == {
        1: ["category", "priority", "owner"],
        2: ["category", "priority", "owner"],
        3: ["category", "priority", "owner"],
        4: ["category"],  # the person's P3 stays; the fake would say P2
    }
    listed = {r["id"]: r for r in cli("triage", "list", "repo", "--json").json()}
    assert (listed[4]["priority"], listed[4]["category"], listed[4]["owner"]) == (
        "P3",
        "docs",
        None,
    )
    assert (listed[1]["category"], listed[1]["owner"], listed[1]["status"]) == (
        "crash",
        "li",
        "triaged",
    )
    assert listed[3]["duplicate_of"] is None  # a duplicate is suggested, never applied
    again = cli("triage", "suggest", "repo", "--apply", env=ENV)
    assert (again.code, again.out.strip()) == (0, "no new reports in repo")
    opened = cli("triage", "suggest", "repo", "--status", "open", "--apply", env=ENV)
    assert opened.code == 0 and opened.out.splitlines()[-1] == (
        "applied 0 suggested fields to 0 reports"
    )


def test_suggestions_off_say_what_to_set(cli: Cli, repo: Path, home: Path) -> None:
    _project(cli, repo, home, "")
    result = cli("triage", "suggest", "repo")
    assert result.code == 1 and result.out == ""
    assert result.err.strip() == (
        "orchard: suggestions are off: set base_url and model under [llm] in config.toml "
        "(and api_key there or in $ORCHARD_LLM_API_KEY)"
    )
    assert cli("triage", "suggest", "nope").err.strip().startswith("orchard: ")


def test_a_refused_key_is_named_nowhere(cli: Cli, repo: Path, home: Path, api: FakeChat) -> None:
    _project(cli, repo, home, _llm(api))
    wrong = "sk-wrong-cli-secret-987654"
    result = cli("triage", "suggest", "repo", env={"ORCHARD_LLM_API_KEY": wrong})
    assert result.code == 1 and "Traceback" not in result.err
    assert "refused the API key (401: Incorrect API key provided: ***.)" in result.err
    assert api.calls[0].headers["authorization"] == f"Bearer {wrong}"
    ok = cli("triage", "suggest", "repo", "--apply", env=ENV)
    assert ok.code == 0, ok.err
    for secret in (wrong, KEY):
        assert secret not in result.out + result.err + ok.out + ok.err
        for path in home.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def test_a_malformed_batch_is_reported_and_the_rest_applied(
    cli: Cli, repo: Path, home: Path, api: FakeChat
) -> None:
    _project(cli, repo, home, _llm(api, batch_size=2).replace("concurrency = 2", "concurrency = 1"))
    api.malformed("Sure! Here you go.")
    result = cli("triage", "suggest", "repo", "--apply", env=ENV)
    assert result.code == 1
    assert result.err.strip() == (
        "orchard: batch 1/2 (reports #1–#2): the model's answer is not valid JSON "
        "(Expecting value: line 1 column 1 (char 0); it starts 'Sure! Here you go.')"
    )
    assert result.out.splitlines()[-1] == "applied 3 suggested fields to 1 report"
    listed = {r["id"]: r for r in cli("triage", "list", "repo", "--json").json()}
    assert listed[1]["category"] is None and listed[3]["category"] == "crash"
