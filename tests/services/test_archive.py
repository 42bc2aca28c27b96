"""Discard, restore and purge over real repositories: nothing a task made is ever lost."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.core.task import Task
from app.services.archive import (
    archive_ref,
    archive_task,
    discard_task,
    list_archives,
    purge_archives,
    restore_task,
)
from app.services.orchard import Orchard, UserError
from tests.conftest import git
from tests.services.landkit import (
    head,
    new_task,
    orchard,
    project,
    run,
    task_commit,
    tree_bytes,
    write,
)

__all__ = ["orchard", "project"]

ODD = "odd name\nwith newline é.txt"


def _messy_task(orchard: Orchard) -> Task:
    task = new_task(orchard)
    wt = Path(task.worktree)
    task_commit(task, {"committed.txt": "in a commit\n", "bin.dat": bytes(range(256)) * 4})
    write(wt, {"README.md": "unstaged edit\r\nwith CRLF\r\n", "staged.txt": "staged\n"})
    git(wt, "add", "staged.txt")
    write(wt, {"untracked dir/new.txt": "untracked\n", ODD: "odd\n", "debug.log": "ignored\n"})
    os.symlink("committed.txt", wt / "link")
    (wt / "src/app.py").unlink()
    os.chmod(wt / "committed.txt", 0o755)
    return task


def _status(wt: Path) -> str:
    return git(wt, "status", "--porcelain=v1", "-z", "--untracked-files=all")


def test_discard_then_restore_gives_back_every_byte_and_status(orchard: Orchard) -> None:
    task = _messy_task(orchard)
    wt = Path(task.worktree)
    files = {k: v for k, v in tree_bytes(wt).items() if k != "debug.log"}
    status, branch_head = _status(wt), head(wt)
    index_before = git(wt, "ls-files", "-s", "-z")

    discarded = run(discard_task(orchard, task.id))

    assert discarded.state is TaskState.DISCARDED and discarded.archived_state == "succeeded"
    assert not wt.exists()
    assert not git(Path(orchard.store.project("repo").path), "branch", "--list", task.branch)
    restored = run(restore_task(orchard, task.id))
    assert restored.state is TaskState.SUCCEEDED and restored.archived_state is None
    assert tree_bytes(wt) == files  # the ignored debug.log was not archived
    assert _status(wt) == status
    assert git(wt, "ls-files", "-s", "-z") == index_before
    assert head(wt) == branch_head and git(wt, "branch", "--show-current").strip() == task.branch


def test_archive_never_touches_the_real_index(orchard: Orchard) -> None:
    task = _messy_task(orchard)
    index = Path(git(Path(task.worktree), "rev-parse", "--git-path", "index").strip())
    before = index.read_bytes()
    commit = run(archive_task(orchard, task))
    assert index.read_bytes() == before
    repo = orchard.store.project("repo").path
    assert head(repo, archive_ref(task.id)) == commit
    assert head(repo, f"{commit}^1") == head(task.worktree)
    assert git(Path(repo), "cat-file", "-p", f"{commit}:untracked dir/new.txt") == "untracked\n"


def test_archive_with_the_worktree_deleted_by_hand_keeps_the_branch(orchard: Orchard) -> None:
    task = _messy_task(orchard)
    tip = head(task.worktree)
    shutil.rmtree(task.worktree)
    run(discard_task(orchard, task.id))
    repo = orchard.store.project("repo").path
    assert head(repo, f"{archive_ref(task.id)}^1") == tip
    run(restore_task(orchard, task.id))
    assert head(task.worktree) == tip and _status(Path(task.worktree)) == ""


def test_archive_with_the_branch_gone_uses_the_worktree_head(orchard: Orchard) -> None:
    task = _messy_task(orchard)
    tip = head(task.worktree)
    git(Path(task.worktree), "checkout", "-q", "--detach")
    git(Path(task.worktree), "branch", "-D", task.branch)
    commit = run(archive_task(orchard, task))
    repo = orchard.store.project("repo").path
    assert head(repo, f"{commit}^1") == tip


def test_discard_refuses_a_running_task_and_keeps_everything(orchard: Orchard) -> None:
    task = new_task(orchard)
    orchard.store.update(task.id, state=TaskState.RUNNING)
    with pytest.raises(UserError, match="stop it first"):
        run(discard_task(orchard, task.id))
    assert Path(task.worktree).exists()
    assert orchard.task(task.id).state is TaskState.RUNNING


def test_queued_task_is_simply_discarded_and_cannot_be_restored(orchard: Orchard) -> None:
    [task] = run(orchard.new_tasks("repo", "later", agent="shell"))
    assert run(discard_task(orchard, task.id)).state is TaskState.DISCARDED
    with pytest.raises(UserError, match="before it started"):
        run(restore_task(orchard, task.id))


def test_restore_refuses_a_taken_branch_or_folder(orchard: Orchard) -> None:
    task = _messy_task(orchard)
    run(discard_task(orchard, task.id))
    repo = Path(orchard.store.project("repo").path)
    git(repo, "branch", task.branch)
    with pytest.raises(UserError, match="exists already"):
        run(restore_task(orchard, task.id))
    git(repo, "branch", "-D", task.branch)
    Path(task.worktree).mkdir(parents=True)
    with pytest.raises(UserError, match="exists already"):
        run(restore_task(orchard, task.id))
    Path(task.worktree).rmdir()
    assert run(restore_task(orchard, task.id)).state is TaskState.SUCCEEDED


def test_restore_without_an_archive_says_so(orchard: Orchard) -> None:
    task = _messy_task(orchard)
    run(discard_task(orchard, task.id))
    assert [a.task_id for a in run(list_archives(orchard))] == [task.id]
    assert run(purge_archives(orchard, keep=0))[0].task_id == task.id
    with pytest.raises(UserError, match="no archive"):
        run(restore_task(orchard, task.id))
    assert orchard.task(task.id).state is TaskState.DISCARDED


def test_purge_removes_oldest_first(orchard: Orchard) -> None:
    tasks = []
    for i in range(3):
        task = new_task(orchard, f"task {i}")
        task_commit(task, {f"f{i}.txt": "x\n"})
        os.environ["GIT_COMMITTER_DATE"] = f"{1_700_000_000 + i * 86400} +0000"
        try:
            run(discard_task(orchard, task.id))
        finally:
            del os.environ["GIT_COMMITTER_DATE"]
        tasks.append(task)
    listed = run(list_archives(orchard))
    assert [a.task_id for a in listed] == [t.id for t in reversed(tasks)]
    with pytest.raises(UserError, match="--keep N or --older-than"):
        run(purge_archives(orchard))
    assert [a.task_id for a in run(purge_archives(orchard, keep=2))] == [tasks[0].id]
    days = (time.time() - 1_700_000_000) / 86400 - 1.5  # only the newest is younger
    assert [a.task_id for a in run(purge_archives(orchard, older_than_days=days))] == [tasks[1].id]
    assert [a.task_id for a in run(list_archives(orchard))] == [tasks[2].id]
