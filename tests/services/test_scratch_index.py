"""The throwaway index behind diff counts and snapshots: real one kept, nothing left behind."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from pathlib import Path

import pytest

from app.services.repo import git
from tests.conftest import git as run_git


@pytest.fixture
def scratch_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def worktree(repo: Path, tmp_path: Path) -> Path:
    wt = tmp_path / "wt"
    run_git(repo, "worktree", "add", "-q", "-b", "task", str(wt))
    (wt / "README.md").write_text("hello\nagain\n")
    (wt / "new.txt").write_text("one\ntwo\nthree\n")
    run_git(wt, "add", "README.md")  # staged in the real index, which must stay as it is
    return wt


def test_counts_everything_keeps_the_real_index_and_leaves_nothing(
    worktree: Path, scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = Path(run_git(worktree, "rev-parse", "--git-path", "index").strip())
    index = index if index.is_absolute() else worktree / index
    before = index.read_bytes()
    threads: set[int] = set()
    make = git._make_scratch_index

    def spying_make(path: str) -> str:
        threads.add(threading.get_ident())
        return make(path)

    monkeypatch.setattr(git, "_make_scratch_index", spying_make)
    base = run_git(worktree, "rev-parse", "HEAD").strip()

    stat = asyncio.run(git.diff_stat(str(worktree), base))

    assert (stat.files_changed, stat.insertions, stat.deletions) == (2, 4, 0)
    assert index.read_bytes() == before
    assert run_git(worktree, "status", "--porcelain").splitlines() == ["M  README.md", "?? new.txt"]
    assert list(scratch_root.iterdir()) == []
    # Made off the event loop's thread: a slow disk never stalls the window.
    assert threads and threading.get_ident() not in threads


def test_a_count_cancelled_while_its_index_is_made_leaves_no_folder(
    worktree: Path, scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, go_on, made = threading.Event(), threading.Event(), threading.Event()
    make = git._make_scratch_index

    def slow_make(path: str) -> str:
        started.set()
        go_on.wait(5)
        folder = make(path)
        made.set()
        return folder

    monkeypatch.setattr(git, "_make_scratch_index", slow_make)

    async def cancel_midway() -> None:
        count = asyncio.create_task(git.diff_stat(str(worktree), "HEAD"))
        while not started.is_set():
            await asyncio.sleep(0.005)
        count.cancel()
        with pytest.raises(asyncio.CancelledError):
            await count
        go_on.set()
        await asyncio.to_thread(made.wait, 5)
        for _ in range(200):
            if not any(scratch_root.iterdir()):
                return
            await asyncio.sleep(0.01)

    asyncio.run(cancel_midway())
    assert list(scratch_root.iterdir()) == []


def test_an_index_that_cannot_be_copied_leaves_no_folder(repo: Path, scratch_root: Path) -> None:
    index = repo / ".git" / "index"
    index.unlink()
    index.mkdir()  # a broken checkout: copying its index fails

    with pytest.raises(OSError):
        asyncio.run(git.diff_stat(str(repo), "HEAD"))
    assert list(scratch_root.iterdir()) == []
