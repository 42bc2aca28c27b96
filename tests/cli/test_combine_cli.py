"""`orchard task combine` as a user runs it: through the real command, over real attempts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli, git, make_repo
from tests.services.test_combine import BASE, FILES, prompt_for

pytestmark = pytest.mark.timeout(180)


def _group(cli: Cli, tmp_path: Path, *project: str) -> tuple[Path, dict[str, str], dict[str, int]]:
    """Run three shell attempts to the end; return the repo, their ids and numbers by role."""
    repo = make_repo(tmp_path / "repo", FILES)
    assert cli("project", "add", str(repo), *project).code == 0
    slots = tmp_path / "slots"
    slots.mkdir()
    new = cli("task", "new", "repo", prompt_for(slots), "--agent", "shell", "--attempts", "3",
              "--title", "Fix")  # fmt: skip
    assert new.code == 0, new.err
    assert cli("run").code == 0
    ids, numbers = {}, {}
    for n, task in enumerate(cli("task", "list", "--json").json(), 1):
        text = (Path(task["worktree"]) / "src/a.py").read_text()
        role = "one" if "one 3" in text else "two" if "two 3" in text else "three"
        ids[role], numbers[role] = task["id"], n
    assert sorted(ids) == ["one", "three", "two"]
    return repo, ids, numbers


def test_combine_makes_a_task_ready_for_review(cli: Cli, tmp_path: Path) -> None:
    repo, ids, n = _group(cli, tmp_path)
    one, two = ids["one"], ids["two"]
    result = cli("task", "combine", two[:8], "--take", f"{one[:6]}:src/a.py:2",
                 "--take", f"{two}:src/a.py:2", "--take", f"{one}:one.txt")  # fmt: skip
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    short = lines[0].split()[0]
    low, high = sorted((n["one"], n["two"]))
    assert lines[0].startswith(f"{short} Fix (combined from #{low}, #{high}): ready for review")
    assert lines[1:4] == [
        f"  took hunk 2 of src/a.py in #{n['one']} ({one[:8]})",
        f"  took hunk 2 of src/a.py in #{n['two']} ({two[:8]})",
        f"  took one.txt in #{n['one']} ({one[:8]})",
    ]
    assert f"orchard task merge {short}" in result.out
    shown = cli("task", "show", short, "--json").json()
    assert (
        shown["state"] == "succeeded"
        and shown["group"] == cli("task", "show", one, "--json").json()["group"]
    )
    text = (Path(shown["worktree"]) / "src/a.py").read_text()
    assert text == BASE.replace("line 12\n", "two 12\n").replace("line 25\n", "one 25\n")
    board = cli("task", "compare", one, "--json").json()
    assert short in [a["short_id"] for a in board["attempts"]]
    as_json = cli(
        "task", "combine", one, "--take", f"{one}:one.txt", "--title", "Just one", "--json"
    )
    assert as_json.code == 0, as_json.err
    data = as_json.json()
    assert data["task"]["title"] == "Just one"
    assert data["takes"] == [{"task": one, "path": "one.txt", "hunk": None, "attempt": n["one"]}]
    assert git(repo, "rev-parse", data["task"]["branch"]).strip() == data["commit"]


def test_refusals_are_one_line_and_make_nothing(cli: Cli, tmp_path: Path) -> None:
    repo, ids, n = _group(cli, tmp_path)
    one, two = ids["one"], ids["two"]
    branches = git(repo, "branch")
    overlap = cli(
        "task", "combine", one, "--take", f"{one}:src/a.py:1", "--take", f"{two}:src/a.py:1"
    )
    assert overlap.code == 1 and overlap.out == ""
    assert overlap.err == (
        f"orchard: hunk 1 of src/a.py in #{n['one']} ({one[:8]}) overlaps "
        f"hunk 1 of src/a.py in #{n['two']} ({two[:8]}); nothing was made\n"
    )
    missing = cli("task", "combine", one, "--take", f"{one}:src/a.py:9")
    assert missing.code == 1
    assert (
        missing.err
        == f"orchard: src/a.py has 2 hunks in attempt #{n['one']} ({one[:8]}); no hunk 9\n"
    )
    assert len(cli("task", "list", "--json").json()) == 3
    assert git(repo, "branch") == branches
    for bad, why in [
        ("nocolon", "is not ID:PATH[:HUNK]"),
        (f"{one}:src/a.py:0", "numbered from 1"),
    ]:
        parsed = cli("task", "combine", one, "--take", bad)
        assert parsed.code == 2 and "argument --take" in parsed.err and why in parsed.err
    none = cli("task", "combine", one)
    assert none.code == 2 and "--take" in none.err
    assert "Traceback" not in overlap.err + missing.err
