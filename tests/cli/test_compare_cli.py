"""`orchard task compare` and `orchard task pick` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.services.test_compare import prompt_for

pytestmark = pytest.mark.timeout(180)


def _group(cli: Cli, repo: Path, tmp_path: Path, *project: str) -> dict[str, str]:
    """Run three shell attempts to the end; return their ids by what they changed."""
    assert cli("project", "add", str(repo), *project).code == 0
    slots = tmp_path / "slots"
    slots.mkdir()
    new = cli("task", "new", "repo", prompt_for(slots), "--agent", "shell", "--attempts", "3")
    assert new.code == 0, new.err
    run = cli("run")
    assert run.code == 0, run.err
    roles = {}
    for task in cli("task", "list", "--json").json():
        wt = Path(task["worktree"])
        role = "good" if (wt / "good.txt").exists() else "two" if (wt / "a.txt").exists() else "x"
        roles[role] = task["id"]
    assert sorted(roles) == ["good", "two", "x"]
    return roles


def test_compare_runs_tests_and_prints_the_best_first(cli: Cli, repo: Path, tmp_path: Path) -> None:
    ids = _group(cli, repo, tmp_path, "--test", "test -f good.txt")
    result = cli("task", "compare", ids["two"], "--run-tests")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "test command: test -f good.txt" in lines[0]
    rows = [line for line in lines if line[:1].isdigit()]
    assert len(rows) == 3
    assert rows[0].split()[:3] == ["1", ids["good"][:8], "succeeded"]  # a tie: no star
    assert "passed in" in rows[0] and rows[0].endswith("*")  # the best test result
    two = next(r for r in rows if ids["two"][:8] in r)
    assert "+3 -0" in two and "failed (exit 1)" in two
    assert f"orchard task pick {ids['good'][:8]}" in result.out
    progress = sorted(line.split(" (")[0] for line in result.err.splitlines())
    assert progress == sorted(
        [
            f"{ids['good'][:8]}: tests passed",
            f"{ids['two'][:8]}: tests failed",
            f"{ids['x'][:8]}: tests failed",
        ]
    )


def test_compare_json_reuses_results_and_pick_says_what_next(
    cli: Cli, repo: Path, tmp_path: Path
) -> None:
    ids = _group(cli, repo, tmp_path, "--test", "test -f good.txt")
    assert cli("task", "compare", ids["good"], "--run-tests").code == 0
    data = cli("task", "compare", ids["good"], "--json").json()
    first = data["attempts"][0]
    assert first["id"] == ids["good"] and first["test"]["passed"] is True
    assert "tests" in first["best"] and first["test_stale"] is False
    assert (first["files_changed"], first["insertions"], first["deletions"]) == (1, 1, 0)
    pick = cli("task", "pick", ids["good"])
    assert pick.code == 0, pick.err
    assert f"orchard task diff {ids['good'][:8]}" in pick.out
    assert f"orchard task merge {ids['good'][:8]}" in pick.out
    data = cli("task", "compare", ids["good"], "--json").json()
    assert [a["picked"] for a in data["attempts"]] == [True, False, False]
    discard = cli("task", "pick", ids["good"], "--discard-others")
    assert discard.code == 0, discard.err
    assert sorted(line.split()[1] for line in discard.out.splitlines() if "discarded" in line) == (
        sorted([ids["two"][:8], ids["x"][:8]])
    )
    states = {t["id"]: t["state"] for t in cli("task", "list", "--json").json()}
    assert states == {ids["good"]: "succeeded", ids["two"]: "discarded", ids["x"]: "discarded"}


def test_bad_input_gets_one_line(cli: Cli, repo: Path, tmp_path: Path) -> None:
    ids = _group(cli, repo, tmp_path)
    unknown = cli("task", "compare", "nope")
    assert unknown.code == 1 and unknown.err.startswith("orchard: no task or group 'nope'")
    no_test = cli("task", "compare", ids["good"], "--run-tests")
    assert no_test.code == 1 and "has no test command" in no_test.err
    assert "Traceback" not in no_test.err + unknown.err
    jobs = cli("task", "compare", ids["good"], "--run-tests", "--jobs", "0")
    assert jobs.code == 1 and "--jobs must be at least 1" in jobs.err
