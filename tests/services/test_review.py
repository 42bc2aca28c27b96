"""The review service on real repositories: snapshot, file list, one file's rows."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import replace
from pathlib import Path

import pytest

from app.core.diff import MAX_ROW_CHARS, FileDiff, FileEntry, FileStatus, RowFlag, RowKind
from app.core.task import Task
from app.services.land.review import (
    ReviewSnapshot,
    changed_files,
    file_diff,
    list_files,
    review_base,
    review_task,
)
from app.services.repo.git import GitError
from tests.conftest import git, make_repo
from tests.taskkit import make_task

TEN = "".join(f"line {n}\n" for n in range(1, 11))
NAMES = ("sp ace ü.txt", "nl\nname.txt")


def run[T](coro: Awaitable[T]) -> T:
    """Run one coroutine to completion."""

    async def wrap() -> T:
        return await coro

    return asyncio.run(wrap())


def worktree_task(repo: Path, tmp_path: Path) -> Task:
    """Return a task whose worktree branched off main's first commit."""
    base = git(repo, "rev-parse", "HEAD").strip()
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "task/one", str(worktree), base)
    return make_task(
        id="t1",
        project="repo",
        branch="task/one",
        worktree=str(worktree),
        base_commit=base,
        created_at=time.time(),
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    files = {
        "keep.txt": TEN,
        "mod.txt": TEN,
        "del.txt": "bye\n",
        "old.txt": TEN,
        "staged.txt": "s\n",
        "bin.dat": "x\0y",
        "crlf.txt": "a\r\nb\r\n",
        "ws.txt": "a b\n",
    }
    return make_repo(tmp_path / "repo", files)


@pytest.fixture
def task(repo: Path, tmp_path: Path) -> Task:
    """A task with committed, staged, unstaged and untracked changes; main moved on."""
    t = worktree_task(repo, tmp_path)
    wt = Path(t.worktree)
    (wt / "mod.txt").write_text(TEN.replace("line 5\n", "line five\n"))
    (wt / "del.txt").unlink()
    (wt / "old.txt").rename(wt / "new.txt")
    (wt / "new.txt").write_text(TEN + "line 11\n")
    os.symlink("keep.txt", wt / "link")
    (wt / "bin.dat").write_bytes(b"x\0z" * 1000)
    git(wt, "add", "-A")
    git(wt, "commit", "-qm", "task work")
    (wt / "staged.txt").write_text("s\nstaged\n")
    git(wt, "add", "staged.txt")
    (wt / "mod.txt").write_text(TEN.replace("line 5\n", "line five\n") + "unstaged\n")
    (wt / "crlf.txt").write_bytes(b"a\nb\n")
    (wt / "ws.txt").write_text("a   b\n")
    for name in NAMES:
        (wt / name).write_text("untracked\n")
    (repo / "main-only.txt").write_text("m\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "main moves on")
    return t


def by_path(snapshot: ReviewSnapshot) -> dict[str, FileEntry]:
    return {f.path: f for f in snapshot.files}


def texts(diff: FileDiff) -> list[tuple[RowKind, int | None, str | None, int | None, str | None]]:
    return [(r.kind, r.old_no, r.old_text, r.new_no, r.new_text) for r in diff.rows]


def test_review_lists_committed_staged_unstaged_and_untracked_work(repo: Path, task: Task) -> None:
    status_before = git(Path(task.worktree), "status", "--porcelain", "-z")
    snapshot = run(review_task(str(repo), task))
    files = by_path(snapshot)
    assert sorted(files) == sorted(
        [
            "mod.txt",
            "del.txt",
            "new.txt",
            "link",
            "bin.dat",
            "staged.txt",
            "crlf.txt",
            "ws.txt",
            *list(NAMES),
        ]
    )
    assert snapshot.base == task.base_commit  # the merge-base, not main's new head
    mod, gone, moved, link, binary = (
        files[p] for p in ("mod.txt", "del.txt", "new.txt", "link", "bin.dat")
    )
    assert (mod.status, mod.insertions, mod.deletions) == (FileStatus.MODIFIED, 2, 1)
    assert (gone.status, gone.deletions, gone.size) == (FileStatus.DELETED, 1, 4)
    assert (moved.status, moved.old_path, moved.insertions) == (FileStatus.RENAMED, "old.txt", 1)
    assert link.symlink and link.status is FileStatus.ADDED
    assert binary.binary and (binary.size, binary.old_size) == (3000, 3)
    assert files["nl\nname.txt"].status is FileStatus.ADDED
    quick = run(changed_files(task.worktree, snapshot.base, counts=False))
    assert quick.tree == snapshot.tree
    assert [(f.path, f.status, f.size) for f in quick.files] == [
        (f.path, f.status, f.size) for f in snapshot.files
    ]
    assert all(f.insertions == f.deletions == 0 for f in quick.files)
    # the snapshot used a scratch index: the worktree's own status is untouched
    assert git(Path(task.worktree), "status", "--porcelain", "-z") == status_before


def test_rows_of_modified_renamed_untracked_and_symlink_files(repo: Path, task: Task) -> None:
    snapshot = run(review_task(str(repo), task))
    files = by_path(snapshot)
    mod = run(file_diff(snapshot, files["mod.txt"], context=1))
    assert texts(mod) == [
        (RowKind.HUNK, None, "@@ -4,3 +4,3 @@ line 3", None, "@@ -4,3 +4,3 @@ line 3"),
        (RowKind.CONTEXT, 4, "line 4", 4, "line 4"),
        (RowKind.CHANGE, 5, "line 5", 5, "line five"),
        (RowKind.CONTEXT, 6, "line 6", 6, "line 6"),
        (RowKind.HUNK, None, "@@ -10 +10,2 @@ line 9", None, "@@ -10 +10,2 @@ line 9"),
        (RowKind.CONTEXT, 10, "line 10", 10, "line 10"),
        (RowKind.ADD, None, None, 11, "unstaged"),
    ]
    moved = run(file_diff(snapshot, files["new.txt"], context=0))
    assert texts(moved)[1:] == [(RowKind.ADD, None, None, 11, "line 11")]
    assert "rename from old.txt" in moved.notes
    for name in NAMES:
        added = run(file_diff(snapshot, files[name]))
        assert texts(added)[1:] == [(RowKind.ADD, None, None, 1, "untracked")]
    link = run(file_diff(snapshot, files["link"]))
    assert texts(link)[1:] == [(RowKind.ADD, None, None, 1, "keep.txt")]
    assert link.rows[1].flags == RowFlag.NEW_NO_EOL


def test_more_context_shows_more_lines(repo: Path, task: Task) -> None:
    snapshot = run(review_task(str(repo), task))
    entry = by_path(snapshot)["mod.txt"]
    small = run(file_diff(snapshot, entry, context=0))
    whole = run(file_diff(snapshot, entry, context=100))
    assert len(small.hunks) == 2 and len(whole.hunks) == 1
    assert [r.new_no for r in whole.rows[1:]] == list(range(1, 12))


def test_crlf_against_lf_and_whitespace_toggle(repo: Path, task: Task) -> None:
    snapshot = run(review_task(str(repo), task))
    files = by_path(snapshot)
    crlf = run(file_diff(snapshot, files["crlf.txt"]))
    assert [(r.kind, r.old_text, r.new_text, r.flags) for r in crlf.rows[1:]] == [
        (RowKind.CHANGE, "a", "a", RowFlag.OLD_CR),
        (RowKind.CHANGE, "b", "b", RowFlag.OLD_CR),
    ]
    ws = run(file_diff(snapshot, files["ws.txt"]))
    assert texts(ws)[1:] == [(RowKind.CHANGE, 1, "a b", 1, "a   b")]
    quiet = run(file_diff(snapshot, files["ws.txt"], ignore_whitespace=True))
    assert quiet.rows == () and quiet.placeholder == "No changes to show"
    relisted = by_path(run(list_files(snapshot, ignore_whitespace=True)))
    assert (relisted["ws.txt"].insertions, relisted["ws.txt"].deletions) == (0, 0)
    assert (relisted["mod.txt"].insertions, relisted["mod.txt"].deletions) == (2, 1)


def test_binary_placeholder_and_load_anyway(repo: Path, task: Task) -> None:
    snapshot = run(review_task(str(repo), task))
    entry = by_path(snapshot)["bin.dat"]
    diff = run(file_diff(snapshot, entry))
    assert diff.rows == () and diff.placeholder == "Binary file, 3.0 KB"
    loaded = run(file_diff(snapshot, entry, load_anyway=True))
    assert loaded.placeholder is None
    assert loaded.rows[1].kind is RowKind.CHANGE and loaded.rows[1].old_text == "x\0y"


def test_large_file_placeholder_then_load_anyway(repo: Path, tmp_path: Path) -> None:
    t = worktree_task(repo, tmp_path)
    wt = Path(t.worktree)
    (wt / "big.txt").write_text("".join(f"{n}\n" for n in range(20_001)))
    (wt / "wide.txt").write_text("w" * 2_000_000 + "\r\n")
    snapshot = run(review_task(str(repo), t))
    files = by_path(snapshot)
    big = run(file_diff(snapshot, files["big.txt"]))
    assert big.rows == () and big.placeholder == "Large file: 108.9 KB, +20,001 -0 lines"
    loaded = run(file_diff(snapshot, files["big.txt"], load_anyway=True))
    assert len(loaded.rows) == 20_002 and loaded.rows[-1].new_text == "20000"
    wide = run(file_diff(snapshot, files["wide.txt"]))
    assert wide.placeholder == "Large file: 2.0 MB, +1 -0 lines"
    (row,) = run(file_diff(snapshot, files["wide.txt"], load_anyway=True)).rows[1:]
    assert len(row.new_text or "") == MAX_ROW_CHARS
    assert row.flags == RowFlag.NEW_CUT | RowFlag.NEW_CR


def test_lfs_pointer_and_embedded_repository(repo: Path, tmp_path: Path) -> None:
    t = worktree_task(repo, tmp_path)
    wt = Path(t.worktree)
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:abcd\nsize 12345\n"
    (wt / "model.bin").write_text(pointer)
    make_repo(wt / "vendor", {"a.txt": "a\n"})
    snapshot = run(review_task(str(repo), t))
    files = by_path(snapshot)
    lfs = run(file_diff(snapshot, files["model.bin"]))
    assert lfs.rows == () and lfs.placeholder == f"Git LFS pointer, {len(pointer)} bytes"
    assert lfs.entry.lfs
    assert len(run(file_diff(snapshot, files["model.bin"], load_anyway=True)).rows) == 4
    sub = files["vendor"]
    assert sub.submodule and sub.new_mode == "160000"
    diff = run(file_diff(snapshot, sub))
    head = git(wt / "vendor", "rev-parse", "HEAD").strip()
    assert diff.placeholder == f"Submodule: - -> {head[:10]}"


def test_mode_change_and_empty_file(repo: Path, tmp_path: Path) -> None:
    t = worktree_task(repo, tmp_path)
    wt = Path(t.worktree)
    (wt / "keep.txt").chmod(0o755)
    (wt / "empty").write_text("")
    snapshot = run(review_task(str(repo), t))
    files = by_path(snapshot)
    mode = run(file_diff(snapshot, files["keep.txt"]))
    assert mode.placeholder == "File mode changed from 100644 to 100755"
    assert run(file_diff(snapshot, files["empty"])).placeholder == "Empty file added"


def test_worktree_folder_gone_reviews_the_branch_head(repo: Path, task: Task) -> None:
    shutil.rmtree(task.worktree)
    snapshot = run(review_task(str(repo), task))
    assert snapshot.worktree_missing and snapshot.repo == str(repo)
    files = by_path(snapshot)
    assert sorted(files) == ["bin.dat", "del.txt", "link", "mod.txt", "new.txt"]  # committed only
    mod = run(file_diff(snapshot, files["mod.txt"], context=0))
    assert texts(mod)[1:] == [(RowKind.CHANGE, 5, "line 5", 5, "line five")]
    with pytest.raises(GitError, match="worktree folder is gone"):
        run(changed_files(task.worktree, task.base_commit))
    git(repo, "worktree", "prune")
    git(repo, "branch", "-D", "task/one")
    with pytest.raises(GitError, match="and so is branch task/one"):
        run(review_task(str(repo), task))


def test_a_worktree_folder_emptied_by_hand_reviews_the_branch_not_an_outer_repo(
    repo: Path, task: Task
) -> None:
    shutil.rmtree(task.worktree)
    Path(task.worktree).mkdir()  # the folder is back, but it is no checkout any more
    snapshot = run(review_task(str(repo), task))
    assert snapshot.worktree_missing
    assert sorted(by_path(snapshot)) == ["bin.dat", "del.txt", "link", "mod.txt", "new.txt"]


def test_review_base_falls_back_to_the_base_commit(repo: Path, task: Task) -> None:
    assert run(review_base(str(repo), task)) == task.base_commit
    main_head = git(repo, "rev-parse", "main").strip()
    assert run(review_base(str(repo), replace(task, branch="main"))) == main_head
    assert run(review_base(str(repo), replace(task, base_ref="nope"))) == task.base_commit


def test_cancelled_review_leaves_no_temp_files_or_git_processes(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = worktree_task(repo, tmp_path)
    wt = Path(t.worktree)
    for n in range(1500):
        (wt / f"u{n}.txt").write_text(f"{n}\n" * 50)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    async def cancel_after(delay: float) -> bool:
        job = asyncio.create_task(review_task(str(repo), t))
        await asyncio.sleep(delay)
        job.cancel()
        try:
            await job
        except asyncio.CancelledError:
            return True
        return False

    cancelled = [run(cancel_after(d)) for d in (0.001, 0.02, 0.05)]
    assert any(cancelled)
    assert list(scratch.iterdir()) == []
    assert not git_processes_in(wt)
    assert not (repo / ".git" / "worktrees" / "wt" / "index.lock").exists()
    assert git(wt, "status", "--porcelain").count("??") == 1500  # the real index is untouched


def git_processes_in(folder: Path) -> list[int]:
    """Return the pids of live git processes whose working folder is `folder`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm.startswith("git") and Path(cwd) == folder.resolve():
            found.append(int(pid))
    return found
