"""`orchard triage similar|clusters|split|merge` and `import --file` on a small fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, CliResult

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "triage" / "dupes.json"


@pytest.fixture
def project(cli: Cli, repo: Path) -> str:
    assert cli("project", "add", str(repo), "--name", "app").code == 0
    assert cli("triage", "import", "app", "--file", str(FIXTURE)).code == 0
    return "app"


def _refused(result: CliResult, *words: str) -> None:
    assert result.code == 1, result
    assert "Traceback" not in result.err, result.err
    for word in words:
        assert word in result.err, result.err


def test_similar_lists_candidates_best_first_never_itself(cli: Cli, project: str) -> None:
    found = cli("triage", "similar", project, "1", "--k", "3", "--json")
    assert found.code == 0, found.err
    candidates = found.json()
    assert [c["id"] for c in candidates][:2] in ([2, 3], [3, 2])
    assert all(c["id"] != 1 for c in candidates)
    assert set(candidates[0]) == {"id", "external_id", "title", "score"}
    assert candidates[0]["external_id"] in ("102", "103")
    scores = [c["score"] for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert len(cli("triage", "similar", project, "1", "--k", "1", "--json").json()) == 1
    text = cli("triage", "similar", project, "#4").out
    assert text.splitlines()[0].startswith("#5 ")


def test_similar_refuses_a_report_of_another_project_sharing_the_repository(
    cli: Cli, project: str, repo: Path
) -> None:
    assert cli("project", "add", str(repo), "--name", "web").code == 0
    _refused(cli("triage", "similar", "web", "1"), "report #1 is in project app, not web")
    _refused(cli("triage", "similar", project, "99"), "no report with id 99")
    _refused(cli("triage", "similar", project, "1", "--k", "0"), "--k must be at least 1")


def test_clusters_group_duplicates_under_the_earliest(cli: Cli, project: str) -> None:
    found = cli("triage", "clusters", project, "--json")
    assert found.code == 0, found.err
    clusters = {c["original"]: sorted(m["id"] for m in c["members"]) for c in found.json()}
    assert clusters == {1: [2, 3], 4: [5]}
    assert all(0 < m["confidence"] <= 1 for c in found.json() for m in c["members"])
    strict = cli("triage", "clusters", project, "--min-score", "0.99", "--json").json()
    assert strict == []
    text = cli("triage", "clusters", project).out
    assert text.startswith("#1 ") and "└ #2" in text
    _refused(cli("triage", "clusters", project, "--min-score", "2"), "between 0 and 1")
    listed = {r["id"]: r["status"] for r in cli("triage", "list", project, "--json").json()}
    assert set(listed.values()) == {"new"}  # nothing is closed by proposing clusters


def test_split_and_merge_are_kept(cli: Cli, project: str) -> None:
    assert cli("triage", "split", project, "3").code == 0
    clusters = cli("triage", "clusters", project, "--json").json()
    assert {c["original"]: [m["id"] for m in c["members"]] for c in clusters} == {1: [2], 4: [5]}
    merged = cli("triage", "merge", project, "2")
    assert merged.code == 0, merged.err and "#2 duplicate of #1" in merged.out
    reports = {r["id"]: r for r in cli("triage", "list", project, "--json").json()}
    assert reports[2]["duplicate_of"] == 1 and reports[2]["status"] == "duplicate"
    assert reports[1]["status"] == "new"  # the original stays open
    again = cli("triage", "clusters", project, "--json").json()
    first = next(c for c in again if c["original"] == 1)
    assert first["members"] == [{"id": 2, "like": 1, "confidence": 1.0, "confirmed": True}]
    _refused(cli("triage", "split", project, "7"), "in no cluster")


def test_import_file_keeps_ids_and_adds_nothing_twice(cli: Cli, project: str) -> None:
    again = cli("triage", "import", project, "--file", str(FIXTURE), "--json").json()
    assert (again["added"], again["unchanged"]) == (0, 8)
    first = cli("triage", "list", project, "--json").json()[0]
    assert first["external_id"] == "101"
    assert first["url"] == "https://example.org/app/issues/101"


def test_a_malformed_file_is_refused_whole(cli: Cli, project: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json at all")
    _refused(cli("triage", "import", project, "--file", str(bad)), "bad.json is not valid JSON")
    records = [
        {"title": "fine", "body": "ok"},
        {"body": "a record without a title"},
        {"title": "a pasted log", "body": "x" * (10 * 1024 * 1024)},
    ]
    bad.write_text(json.dumps(records))
    result = cli("triage", "import", project, "--file", str(bad))
    _refused(result, "item 2: no title", "item 3: the body is 10.0 MB", "nothing taken in")
    assert len(result.err.strip().splitlines()) == 3, result.err  # one line per problem
    assert len(cli("triage", "list", project, "--json").json()) == 8  # nothing half-imported
