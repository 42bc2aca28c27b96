"""Discard, restore and purge over real repositories: nothing a task made is ever lost."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.core.task import Task
from app.services.land.archive import (
    archive_ref,
    archive_task,
    discard_task,
    list_archives,
    purge_archives,
    restore_task,
)
from app.services.orchard import Orchard, UserError
from app.services.repo.git import GitError
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
    write(wt, {".env": "SECRET=1\n", "build/out.log": "built\n"})
    (wt / ".gitignore").write_text("*.log\n.env\n")
    files = tree_bytes(wt)
    status, branch_head = _status(wt), head(wt)
    index_before = git(wt, "ls-files", "-s", "-z")

    discarded = run(discard_task(orchard, task.id))

    assert discarded.state is TaskState.DISCARDED and discarded.archived_state == "succeeded"
    assert not wt.exists()
    assert not git(Path(orchard.store.project("repo").path), "branch", "--list", task.branch)
    restored = run(restore_task(orchard, task.id))
    assert restored.state is TaskState.SUCCEEDED and restored.archived_state is None
    assert tree_bytes(wt) == files  # ignored files (.env, debug.log, build/) came back too
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


def test_discard_refuses_big_ignored_files_unless_forced(orchard: Orchard) -> None:
    task = new_task(orchard)
    wt = Path(task.worktree)
    write(wt, {"cache/big.log": b"x" * (21 * 1024 * 1024), "note.log": "small\n"})
    with pytest.raises(UserError, match=r"ignored files.*cache/.*--force"):
        run(discard_task(orchard, task.id))
    assert (wt / "cache/big.log").exists() and orchard.task(task.id).state is TaskState.SUCCEEDED
    discarded = run(discard_task(orchard, task.id, force=True))
    assert discarded.state is TaskState.DISCARDED and not wt.exists()


def test_discard_refuses_dirty_submodule_unless_forced(orchard: Orchard, tmp_path: Path) -> None:
    from tests.conftest import make_repo

    sub = make_repo(tmp_path / "sub", {"lib.txt": "lib\n"})
    task = new_task(orchard)
    wt = Path(task.worktree)
    git(wt, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor")
    git(wt, "commit", "-qm", "add submodule")
    (wt / "vendor/lib.txt").write_text("edited inside\n")
    with pytest.raises(UserError, match=r"a submodule vendor.*--force"):
        run(discard_task(orchard, task.id))
    assert (wt / "vendor/lib.txt").read_text() == "edited inside\n"
    assert run(discard_task(orchard, task.id, force=True)).state is TaskState.DISCARDED
    assert not wt.exists()


def test_discard_keeps_a_branch_that_moved_and_a_folder_that_is_not_the_worktree(
    orchard: Orchard,
) -> None:
    task = new_task(orchard)
    repo = Path(orchard.store.project("repo").path)
    commit = run(archive_task(orchard, task))
    task_commit(task, {"later.txt": "after the archive\n"})
    moved = head(repo, task.branch)
    from app.services.land.archive import remove_checkout

    run(remove_checkout(orchard, task, commit))
    assert head(repo, task.branch) == moved  # not deleted: it moved since the archive
    stranger = Path(task.worktree + "-copy")
    stranger.mkdir()
    (stranger / "keep.txt").write_text("mine\n")
    run(remove_checkout(orchard, dataclasses.replace(task, worktree=str(stranger)), commit))
    assert (stranger / "keep.txt").exists()


def test_discard_of_a_queued_task_that_ran_archives_and_restores_as_stopped(
    orchard: Orchard,
) -> None:
    task = new_task(orchard)
    task_commit(task, {"turn1.txt": "first turn\n"})
    write(task.worktree, {"wip.txt": "uncommitted\n"})
    orchard.store.update(task.id, state=TaskState.QUEUED, turns=1)
    discarded = run(discard_task(orchard, task.id))
    assert discarded.archived_state == "stopped" and not Path(task.worktree).exists()
    restored = run(restore_task(orchard, task.id))
    assert restored.state is TaskState.STOPPED
    assert (Path(task.worktree) / "wip.txt").read_text() == "uncommitted\n"


def test_a_failed_restore_leaves_nothing_behind_so_a_retry_works(orchard: Orchard) -> None:
    task = new_task(orchard)
    task_commit(task, {"a.txt": "a\n"})
    run(discard_task(orchard, task.id))
    repo = Path(orchard.store.project("repo").path)
    real = git(repo, "rev-parse", archive_ref(task.id)).strip()
    # An archive naming a blob the object store lacks makes read-tree fail midway.
    ghost = "100644 blob " + "1" * 40 + "\tghost.txt\n"
    tree = (
        subprocess.run(
            ["git", "mktree", "--missing"], cwd=repo, input=ghost.encode(), capture_output=True
        )
        .stdout.decode()
        .strip()
    )
    parent = f"{real}^1"
    bogus = git(repo, "commit-tree", tree, "-p", parent, "-p", parent, "-m", "x").strip()
    git(repo, "update-ref", archive_ref(task.id), bogus)
    with pytest.raises(GitError):
        run(restore_task(orchard, task.id))
    assert not git(repo, "branch", "--list", task.branch)
    assert not Path(task.worktree).exists()
    git(repo, "update-ref", archive_ref(task.id), real)
    assert run(restore_task(orchard, task.id)).state is TaskState.SUCCEEDED


def test_a_merged_task_can_be_cleaned_up_and_stays_merged(orchard: Orchard) -> None:
    from app.services.land.landing import land_task

    task = new_task(orchard)
    task_commit(task, {"feature.txt": "done\n"})
    run(land_task(orchard, task.id, run_tests=False))
    cleaned = run(discard_task(orchard, task.id))
    repo = Path(orchard.store.project("repo").path)
    assert cleaned.state is TaskState.MERGED and not Path(task.worktree).exists()
    assert not git(repo, "branch", "--list", task.branch)
    assert git(repo, "rev-parse", archive_ref(task.id)).strip()
