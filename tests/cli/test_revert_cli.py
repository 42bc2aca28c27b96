"""`orchard task revert`: drop a file or a hunk of a task's change before landing, and undo it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli, git, make_repo

TWENTY = "".join(f"line {n}\n" for n in range(1, 21))


def _task(cli: Cli, repo: Path, prompt: str) -> dict:
    assert cli("project", "add", str(repo)).code == 0
    task_id = cli("task", "new", "repo", prompt, "--agent", "shell").out.strip()
    assert cli("run").code == 0
    task = cli("task", "show", task_id, "--json").json()
    assert task["state"] == "succeeded", task
    return task


def _fails(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.code == 1 and "Traceback" not in result.err, (result.code, result.err)
    assert len(result.err.strip().splitlines()) == 1
    return result.err.strip()


def test_drop_one_hunk_then_a_file_then_undo(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": TWENTY, "g.txt": "keep\n"})
    edit = "sed -i -e 's/^line 2$/LINE 2/' -e 's/^line 19$/LINE 19/' f.txt && echo new > g.txt"
    task = _task(cli, repo, edit)
    branch, short = task["branch"], task["id"][:8]

    dropped = cli("task", "revert", short, "f.txt", "--hunk", "2")
    assert dropped.code == 0, dropped.err
    assert dropped.out.startswith(f"dropped hunk 2 of f.txt from task {short} (commit ")
    shown = git(repo, "show", f"{branch}:f.txt")
    assert "LINE 2\n" in shown and "line 19\n" in shown  # only the second hunk went back
    message = git(repo, "log", "-1", "--format=%B", branch)
    assert (
        message.startswith("Drop hunk 2 of f.txt (review)")
        and "Orchard-Dropped: f.txt#2" in message
    )

    assert cli("task", "revert", short, "g.txt").code == 0
    assert git(repo, "show", f"{branch}:g.txt") == "keep\n"
    assert git(repo, "diff", "--stat", task["base_commit"], branch, "--", "g.txt") == ""

    undone = cli("task", "revert", short, "--undo")
    assert undone.code == 0, undone.err
    assert git(repo, "show", f"{branch}:g.txt") == "new\n"  # the latest drop is back
    assert "line 19\n" in git(repo, "show", f"{branch}:f.txt")  # the earlier one stays


def test_the_next_turn_is_told_what_was_dropped(cli: Cli, repo: Path) -> None:
    task = _task(cli, repo, "echo one > a.txt && echo two > b.txt")
    assert cli("task", "revert", task["id"], "b.txt").code == 0
    assert cli("task", "followup", task["id"], "true").code == 0
    queued = cli("task", "show", task["id"], "--json").json()
    assert queued["next_prompt"].startswith("The reviewer dropped these parts of your change")
    assert "- Drop b.txt (review) (commit " in queued["next_prompt"]
    assert queued["next_prompt"].endswith("true")


def test_what_cannot_be_dropped_is_refused_in_one_line(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": TWENTY})
    task = _task(cli, repo, "sed -i 's/^line 2$/LINE 2/' f.txt")
    head = git(repo, "rev-parse", task["branch"])
    assert "did not change README.md" in _fails(cli, "task", "revert", task["id"], "README.md")
    assert "f.txt has 1 hunk in task" in _fails(
        cli, "task", "revert", task["id"], "f.txt", "--hunk", "3"
    )
    assert "numbered from 1" in _fails(cli, "task", "revert", task["id"], "f.txt", "--hunk", "0")
    assert "not a path inside" in _fails(cli, "task", "revert", task["id"], "../f.txt")
    assert "no dropped part" in _fails(cli, "task", "revert", task["id"], "--undo")
    assert git(repo, "rev-parse", task["branch"]) == head  # nothing changed

    cli("task", "followup", task["id"], "sleep 30")  # queued: its turn is about to run
    assert "queued; wait for its turn" in _fails(cli, "task", "revert", task["id"], "f.txt")
    assert git(repo, "rev-parse", task["branch"]) == head


def test_only_one_committed_file_is_dropped(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n", "keep.txt": "keep\n", "d/x.txt": "x\n"})
    task = _task(cli, repo, "echo A > a.txt && echo X > d/x.txt && git mv keep.txt kept.txt")
    head = git(repo, "rev-parse", task["branch"])
    assert "did not change *.txt" in _fails(cli, "task", "revert", task["id"], "*.txt")
    assert "is a folder" in _fails(cli, "task", "revert", task["id"], "d")
    assert "part of a rename" in _fails(cli, "task", "revert", task["id"], "kept.txt")
    (Path(task["worktree"]) / "a.txt").write_text("edited by hand\n")
    assert "uncommitted changes" in _fails(cli, "task", "revert", task["id"], "a.txt")
    assert git(repo, "rev-parse", task["branch"]) == head  # nothing changed
    assert (Path(task["worktree"]) / "a.txt").read_text() == "edited by hand\n"


def test_undo_brings_back_each_drop_in_turn_and_the_agent_hears_only_live_ones(
    cli: Cli, repo: Path
) -> None:
    task = _task(cli, repo, "echo one > a.txt && echo two > b.txt")
    assert cli("task", "revert", task["id"], "a.txt").code == 0
    assert cli("task", "revert", task["id"], "b.txt").code == 0
    assert cli("task", "revert", task["id"], "--undo").code == 0  # b.txt is back
    assert cli("task", "revert", task["id"], "--undo").code == 0  # then a.txt
    assert git(repo, "show", f"{task['branch']}:a.txt") == "one\n"
    assert "no dropped part" in _fails(cli, "task", "revert", task["id"], "--undo")
    assert cli("task", "revert", task["id"], "b.txt").code == 0
    assert cli("task", "followup", task["id"], "true").code == 0
    prompt = cli("task", "show", task["id"], "--json").json()["next_prompt"]
    assert "Drop b.txt" in prompt and "Drop a.txt" not in prompt
