"""Git faults done by hand: a worktree folder and a branch deleted, a stale index.lock, a moved
repository. `orchard doctor` reports each with its repair, the repair loses nothing, and Orchard
works afterwards."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from tests.conftest import Cli, git


def _ran_task(cli: Cli, prompt: str) -> dict:
    task_id = cli("task", "new", "repo", prompt, "--agent", "shell").out.strip()
    assert cli("run").code == 0
    task = cli("task", "show", task_id, "--json").json()
    assert task["state"] == "succeeded"
    return task


def _doctor(cli: Cli, *args: str) -> tuple[int, dict]:
    result = cli("doctor", "--json", *args)
    return result.code, result.json()


def test_worktree_and_branch_deleted_by_hand_are_restored(cli: Cli, repo: Path) -> None:
    cli("project", "add", str(repo))
    gone = _ran_task(cli, "echo kept > kept.txt")
    cut = _ran_task(cli, "echo also > also.txt")
    assert cli("doctor").code == 0
    shutil.rmtree(gone["worktree"])  # the folder, deleted by hand
    git(repo, "update-ref", "-d", f"refs/heads/{cut['branch']}")  # the branch too

    code, report = _doctor(cli)
    assert code == 1
    kinds = {(f["kind"], f["task_id"]) for f in report["findings"]}
    assert kinds == {("worktree_missing", gone["id"]), ("branch_missing", cut["id"])}
    text = cli("doctor").out
    assert f"orchard doctor --repair {gone['id'][:8]}" in text and "is gone" in text
    assert Path(cut["worktree"], "also.txt").exists()  # nothing was changed by looking

    code, report = _doctor(cli, "--repair")
    assert code == 0 and report["findings"] == [] and len(report["repaired"]) == 2
    assert Path(gone["worktree"], "kept.txt").read_text() == "kept\n"
    assert git(repo, "show", f"{cut['branch']}:also.txt") == "also\n"
    # usable: the restored task takes a follow-up turn on its restored branch
    assert cli("task", "retry", gone["id"]).code == 0
    assert cli("run").code == 0
    assert cli("task", "show", gone["id"], "--json").json()["state"] == "succeeded"


def test_a_stale_index_lock_is_reported_then_removed_and_the_task_commits(
    cli: Cli, repo: Path
) -> None:
    cli("project", "add", str(repo))
    task = _ran_task(cli, "date +%s%N >> out.txt")
    admin = Path(git(Path(task["worktree"]), "rev-parse", "--absolute-git-dir").strip())
    lock = admin / "index.lock"
    lock.write_bytes(b"half an index")  # what a git killed mid-write leaves
    assert cli("doctor").code == 0  # a young lock may belong to a git still at work
    old = time.time() - 600
    os.utime(lock, (old, old))

    code, report = _doctor(cli)
    assert code == 1
    [finding] = report["findings"]
    assert finding["kind"] == "index_lock" and finding["path"] == str(lock)
    assert "crashed" in finding["message"]
    assert lock.exists()

    code, report = _doctor(cli, "--repair", "index_lock")
    assert code == 0 and not lock.exists()
    before = git(repo, "rev-parse", task["branch"])
    cli("task", "retry", task["id"])
    assert cli("run").code == 0
    assert git(repo, "rev-parse", task["branch"]) != before  # Orchard committed the turn


def test_a_moved_repository_is_found_and_moved_back_with_its_worktrees(
    cli: Cli, repo: Path, tmp_path: Path
) -> None:
    cli("project", "add", str(repo))
    task = _ran_task(cli, "echo moved > moved.txt")
    new_home = tmp_path / "elsewhere" / "repo"
    new_home.parent.mkdir()
    repo.rename(new_home)

    code, report = _doctor(cli)
    assert code == 1
    [finding] = report["findings"]
    assert (
        finding["kind"] == "repo_moved" and finding["repair"] == "orchard project move repo NEWPATH"
    )
    assert cli("task", "list").code == 0  # listing still works

    moved = cli("project", "move", "repo", str(new_home))
    assert moved.code == 0, moved.err
    assert cli("doctor").code == 0
    assert "moved.txt" in cli("task", "diff", task["id"], "--stat").out
    assert git(Path(task["worktree"]), "status", "--porcelain") == ""  # reconnected by repair
    assert _ran_task(cli, "echo again > again.txt")["state"] == "succeeded"


def test_an_unrecorded_worktree_is_adopted_not_deleted(cli: Cli, repo: Path, home: Path) -> None:
    cli("project", "add", str(repo))
    _ran_task(cli, "true")
    stray = home / "worktrees" / "repo" / "deadbeef-left-behind"
    git(repo, "worktree", "add", "-q", "-b", "orchard/deadbeef-left-behind", str(stray))
    (stray / "work.txt").write_text("mine\n")

    code, report = _doctor(cli)
    assert code == 1
    [finding] = report["findings"]
    assert finding["kind"] == "worktree_unrecorded" and finding["path"] == str(stray)
    code, report = _doctor(cli, "--repair", "worktree_unrecorded")
    assert code == 0, report
    adopted = [t for t in cli("task", "list", "--json").json() if t["worktree"] == str(stray)]
    assert adopted[0]["state"] == "interrupted" and adopted[0]["title"] == "left behind"
    assert (stray / "work.txt").read_text() == "mine\n"
