"""`orchard triage …` end to end: the real command line, a real repository, a fake GitHub."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, Cli, CliResult, child_env
from tests.fakes.github_api import FakeGitHub

TOKEN = "cli-triage-token"
ENV = {"GITHUB_TOKEN": TOKEN, "GH_TOKEN": ""}


@pytest.fixture
def project(cli: Cli, repo: Path) -> str:
    assert cli("project", "add", str(repo), "--name", "app").code == 0
    return "app"


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo("octo/app")
        fake.add_issues("octo/app", 250, pull_every=5)
        yield fake


def _paste(home: Path, project: str, text: str) -> CliResult:
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--home", str(home), "triage", "paste", project, "--json"],
        input=text,
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=ROOT,
        timeout=60,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _failed(result: CliResult, *words: str) -> None:
    assert result.code == 1, result
    assert result.err.startswith("orchard: ") and "Traceback" not in result.err, result.err
    assert len(result.err.strip().splitlines()) <= 2, result.err
    for word in words:
        assert word in result.err, result.err


def test_import_github_list_and_refresh(cli: Cli, project: str, api: FakeGitHub) -> None:
    first = cli("triage", "import", project, "--github", "octo/app", "--api-url", api.url, env=ENV)
    assert first.code == 0, first.err
    assert "200 new" in first.out and "50 pull requests skipped" in first.out
    again = cli(
        "triage", "import", project, "--github", "octo/app", "--api-url", api.url, "--json",
        env=ENV,
    )  # fmt: skip
    assert again.json()["added"] == 0 and again.json()["complete"] is True
    listed = cli("triage", "list", project, "--json").json()
    assert len(listed) == 200
    keys = {"id", "title", "body", "reporter", "source", "external_id", "category", "priority"}
    assert keys | {"owner", "status", "duplicate_of", "tasks"} <= set(listed[0])
    assert listed[0]["external_id"] == "octo/app#1" and listed[0]["status"] == "new"
    text = cli("triage", "list", project).out.splitlines()
    assert len(text) == 200 and text[0].startswith("#1 ") and "Issue 1" in text[0]


def test_import_github_bad_input(cli: Cli, project: str, api: FakeGitHub) -> None:
    base = ("triage", "import", project, "--api-url", api.url)
    _failed(cli(*base, "--github", "octo/nope", env=ENV), "not found (404)", "does not exist")
    bad = cli(*base, "--github", "octo/app", env={"GITHUB_TOKEN": "wrong-one", "GH_TOKEN": ""})
    _failed(bad, "refused the token from $GITHUB_TOKEN")
    assert "wrong-one" not in bad.err
    _failed(cli(*base, "--github", "nonsense", env=ENV), "OWNER/REPO")
    api.rate_limit("/repos/octo/app/issues", reset_in=3600)
    limited = cli(*base, "--github", "octo/app", env=ENV)
    assert limited.code == 1 and "rate limit reached" in limited.out
    assert "import again then to resume" in limited.out


def test_import_files_and_their_bad_input(cli: Cli, project: str, tmp_path: Path) -> None:
    good = tmp_path / "bugs.csv"
    good.write_text("title,body,priority,category\nCrash,on save,P1,crash\nTypo,,,\n")
    result = cli("triage", "import", project, "--file", str(good), "--json")
    assert result.json()["added"] == 2
    assert cli("triage", "import", project, "--file", str(good), "--json").json()["added"] == 0
    cases = {
        "extra.csv": ("title,severity\nx,high\n", "unknown column 'severity'"),
        "notitle.csv": ("name,body\nx,y\n", "no `title` column"),
        "ragged.csv": ("title,body\na,b\nc,d,e\n", "ragged.csv line 3"),
        "obj.json": ('{"title": "x"}', "not a list of reports"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_text(data)
        _failed(cli("triage", "import", project, "--file", str(tmp_path / name)), message)
    _failed(cli("triage", "import", project, "--file", str(tmp_path / "gone.csv")), "no file at")
    assert len(cli("triage", "list", project, "--json").json()) == 2


def test_capture_paste_set_dispatch_and_export(
    cli: Cli, project: str, home: Path, repo: Path, tmp_path: Path
) -> None:
    crash = cli("triage", "capture", project, "Crash on save", "--body", "Steps: save").out
    pasted = _paste(home, project, "## Typo\nin the menu\n## Slow start\n")
    assert pasted.code == 0 and pasted.json()["added"] == 2
    _failed(_paste(home, project, "  \n"), "the paste is empty")
    a, b, c = int(crash), *pasted.json()["new_ids"]
    changed = cli("triage", "set", str(a), "--priority", "p0", "--category", "Crash", "--json")
    assert changed.json()[0]["priority"] == "P0" and changed.json()[0]["category"] == "crash"
    dup = cli("triage", "set", str(c), "--duplicate-of", f"#{b}", "--json").json()
    assert dup[0]["status"] == "duplicate" and dup[0]["duplicate_of"] == b
    _failed(cli("triage", "set", str(b), "--duplicate-of", str(c)), "already a duplicate of")
    _failed(cli("triage", "set", str(a), "--priority", "urgent"), "not a priority")
    _failed(cli("triage", "set", "77", "--owner", "x"), "no report with id 77")
    _failed(cli("triage", "set", str(a)), "nothing to set")
    _failed(cli("triage", "dispatch", str(c), "--agent", "shell"), "is a duplicate of")

    sent = cli("triage", "dispatch", str(a), str(b), "--agent", "shell", "--json")
    assert sent.code == 0, sent.err
    assert [len(item["tasks"]) for item in sent.json()] == [1, 1]
    assert {item["report"]["status"] for item in sent.json()} == {"dispatched"}
    task = cli("task", "list", "--json").json()
    assert sorted(t["title"] for t in task) == ["Crash on save", "Typo"]

    out = tmp_path / "export.csv"
    exported = cli("triage", "export", project, "--csv", str(out))
    assert exported.code == 0 and "wrote 3 reports" in exported.out
    rows = list(csv.DictReader(out.open()))
    assert [r["status"] for r in rows] == ["dispatched", "dispatched", "duplicate"]
    _failed(cli("triage", "export", "nope", "--csv", str(out)), "no project")
    _failed(cli("triage", "list", "nope"), "no project")


def test_export_github(cli: Cli, project: str, api: FakeGitHub) -> None:
    cli("triage", "import", project, "--github", "octo/app", "--api-url", api.url, env=ENV)
    assert cli("triage", "set", "1", "2", "--priority", "P1", "--owner", "lee").code == 0
    result = cli("triage", "export", project, "--github", "--api-url", api.url, "--json", env=ENV)
    assert result.code == 0, result.err
    assert result.json()["labeled"] == 2 and result.json()["assigned"] == 2
    issue = api.repos["octo/app"].issues[0]
    assert [label["name"] for label in issue["labels"]] == ["priority: P1"]
    again = cli("triage", "export", project, "--github", "--api-url", api.url, env=ENV)
    assert "0 labeled, 0 assigned, 0 commented, 200 already up to date" in again.out
    no_token = cli(
        "triage", "export", project, "--github", "--api-url", api.url,
        env={"GITHUB_TOKEN": "", "GH_TOKEN": ""},
    )  # fmt: skip
    _failed(no_token, "no GitHub token")


def test_import_watch_refreshes_until_stopped(
    home: Path, cli: Cli, project: str, api: FakeGitHub
) -> None:
    argv = [sys.executable, "-m", "app", "--home", str(home), "triage", "import", project]
    argv += ["--github", "octo/app", "--api-url", api.url, "--watch", "1"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=child_env(ENV), cwd=ROOT)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        api.add_issues("octo/app", 1)
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.terminate()
        proc.wait(10)
    assert "200 new" in first
    assert any(" 1 new" in line for line in lines), lines


def test_triage_help_lists_every_command(cli: Cli) -> None:
    out = cli("triage", "--help").out
    for action in ("import", "capture", "paste", "list", "set", "dispatch", "export"):
        assert action in out
