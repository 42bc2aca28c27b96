"""`orchard task merge|discard|restore|archives|purge-archives` as a user runs them."""

from __future__ import annotations

from pathlib import Path

from app.services.store.database import Store
from tests.conftest import Cli, git


def _task(cli: Cli, repo: Path, prompt: str) -> dict:
    assert cli("project", "add", str(repo)).code == 0
    task_id = cli("task", "new", "repo", prompt, "--agent", "shell").out.strip()
    assert cli("run").code == 0
    task = cli("task", "show", task_id, "--json").json()
    assert task["state"] == "succeeded", task
    return task


def test_check_then_squash_land(cli: Cli, repo: Path) -> None:
    task = _task(cli, repo, "printf 'hi\\n' > feature.txt")
    check = cli("task", "merge", task["id"], "--check")
    assert check.code == 0 and "ready to land" in check.out and "checked out in" in check.out
    landed = cli("task", "merge", task["id"][:8], "--strategy", "squash", "--json")
    assert landed.code == 0, landed.err
    result = landed.json()
    assert result["strategy"] == "squash" and result["checkout"] == str(repo)
    assert git(repo, "rev-parse", "HEAD").strip() == result["commit"]
    assert (repo / "feature.txt").read_text() == "hi\n"
    assert cli("task", "show", task["id"], "--json").json()["state"] == "merged"
    again = cli("task", "merge", task["id"])
    assert again.code == 1 and "landed already" in again.err


def test_conflict_refused_then_agent_asked(cli: Cli, repo: Path) -> None:
    task = _task(cli, repo, "printf 'agent\\n' > README.md")
    (repo / "README.md").write_text("user\n")
    git(repo, "commit", "-qam", "user edits README")
    head = git(repo, "rev-parse", "HEAD")
    refused = cli("task", "merge", task["id"])
    assert refused.code == 1
    assert "conflicts with main" in refused.err and "'README.md'" in refused.out
    assert "<<<<<<<" in refused.out and "agent" in refused.out  # the hunk is shown
    assert "--ask-agent" in refused.err and git(repo, "rev-parse", "HEAD") == head
    asked = cli("task", "merge", task["id"], "--ask-agent")
    assert asked.code == 1 and "asked the agent" in asked.err
    shown = cli("task", "show", task["id"], "--json").json()
    assert shown["state"] == "queued" and "git rebase main" in shown["next_prompt"]


def test_dirty_target_named(cli: Cli, repo: Path) -> None:
    task = _task(cli, repo, "printf 'x\\n' > new.txt")
    (repo / "src/app.py").write_text("user's edit\n")
    refused = cli("task", "merge", task["id"])
    assert refused.code == 1 and "'src/app.py'" in refused.err
    assert (repo / "src/app.py").read_text() == "user's edit\n"


def test_discard_restore_archives_purge(cli: Cli, repo: Path) -> None:
    task = _task(cli, repo, "printf 'x\\n' > new.txt")
    wt = Path(task["worktree"])
    (wt / "scratch note.txt").write_text("untracked, not committed\n")
    discarded = cli("task", "discard", task["id"], "--yes")
    assert discarded.code == 0, discarded.err
    assert "refs/orchard/archive/" in discarded.out and "'scratch note.txt'" in discarded.out
    assert f"orchard task restore {task['id'][:8]}" in discarded.out and not wt.exists()
    [listed] = cli("task", "archives", "--json").json()
    assert listed["task_id"] == task["id"]
    restored = cli("task", "restore", task["id"])
    assert restored.code == 0, restored.err
    assert (wt / "scratch note.txt").read_text() == "untracked, not committed\n"
    assert git(wt, "status", "--porcelain") == '?? "scratch note.txt"\n'
    assert cli("task", "restore", task["id"]).code == 1
    assert cli("task", "purge-archives").code == 2
    purged = cli("task", "purge-archives", "--keep", "0")
    assert purged.code == 0 and "1 archive purged" in purged.out
    assert cli("task", "archives", "--json").json() == []


def test_discard_prompt_at_end_of_input_means_no(cli: Cli, repo: Path, home: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    from tests.conftest import ROOT, child_env

    task = _task(cli, repo, "printf 'x\\n' > x.txt")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(home), "task", "discard", task["id"]],
        stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=child_env(None), cwd=ROOT,
    )  # fmt: skip
    os.close(slave)
    os.write(master, b"\x04")  # Ctrl-D: end of input at the prompt
    _out, err = proc.communicate(timeout=60)
    os.close(master)
    assert proc.returncode == 1 and "not discarded" in err and "Traceback" not in err
    assert cli("task", "show", task["id"], "--json").json()["state"] == "succeeded"
    assert Path(task["worktree"]).exists()


def test_conflicts_for_a_task_of_another_project_is_a_clear_error(cli: Cli, repo: Path) -> None:
    task = _task(cli, repo, "printf 'x\\n' > x.txt")
    result = cli("task", "conflicts", task["id"], "--project", "other")
    assert result.code == 1 and "Traceback" not in result.err
    assert "belongs to project 'repo', not 'other'" in result.err


def test_discard_cleans_up_a_merged_task_which_stays_merged(cli: Cli, repo: Path) -> None:
    task = _task(cli, repo, "printf 'x\\n' > x.txt")
    assert cli("task", "merge", task["id"], "--no-tests").code == 0
    cleaned = cli("task", "discard", task["id"], "--yes")
    assert cleaned.code == 0, cleaned.err
    assert "it stays merged" in cleaned.out
    assert cli("task", "show", task["id"], "--json").json()["state"] == "merged"
    assert not Path(task["worktree"]).exists()


def _comment(cli: Cli, task: dict, where: str, text: str) -> None:
    added = cli("task", "comment", task["id"][:8], where, text)
    assert added.code == 0, added.err


def _stored_comments(home: Path, task_id: str) -> list:
    store = Store(home / "orchard.db")
    try:
        return store.comments(task_id)
    finally:
        store.close()


def test_merge_with_an_unsent_comment_is_refused_until_dropped(
    cli: Cli, repo: Path, home: Path
) -> None:
    task = _task(cli, repo, "printf 'hi\\n' > feature.txt")
    _comment(cli, task, "feature.txt:1", "say hello instead")
    before = git(repo, "rev-parse", "HEAD")
    refused = cli("task", "merge", task["id"])
    assert refused.code == 1 and refused.out == "" and "Traceback" not in refused.err
    assert "1 unsent comment (feature.txt:1 “say hello instead”)" in refused.err
    assert "--drop-comments" in refused.err and len(refused.err.strip().splitlines()) == 1
    assert git(repo, "rev-parse", "HEAD") == before  # nothing landed
    assert cli("task", "show", task["id"], "--json").json()["state"] == "succeeded"

    landed = cli("task", "merge", task["id"], "--drop-comments", "--json")
    assert landed.code == 0, landed.err
    assert "dropped 1 unsent comment: feature.txt:1" in landed.json()["notes"]
    (kept,) = _stored_comments(home, task["id"])  # kept, marked dropped, never sent
    assert kept.text == "say hello instead" and kept.dropped_at and kept.sent_at is None
    assert cli("task", "comments", task["id"], "--json").json() == []


def test_discard_with_an_unsent_comment_is_refused_before_asking(
    cli: Cli, repo: Path, home: Path
) -> None:
    task = _task(cli, repo, "printf 'hi\\n' > feature.txt")
    _comment(cli, task, "feature.txt:1", "one")
    _comment(cli, task, "feature.txt:1", "two")
    refused = cli("task", "discard", task["id"], "--yes")
    assert refused.code == 1 and "2 unsent comments" in refused.err
    assert Path(task["worktree"]).is_dir()  # nothing removed
    done = cli("task", "discard", task["id"], "--yes", "--drop-comments")
    assert done.code == 0, done.err
    assert cli("task", "show", task["id"], "--json").json()["state"] == "discarded"
    assert all(c.dropped_at for c in _stored_comments(home, task["id"]))


def test_a_sent_comment_does_not_stop_a_merge(cli: Cli, repo: Path, home: Path) -> None:
    task = _task(cli, repo, "printf 'hi\\n' > feature.txt")
    _comment(cli, task, "feature.txt:1", "fine")
    store = Store(home / "orchard.db")  # as a follow-up turn that answered it would leave it
    store.mark_comments_sent([c.id for c in store.comments(task["id"]) if c.id], 1.0)
    store.close()
    landed = cli("task", "merge", task["id"])
    assert landed.code == 0, landed.err
