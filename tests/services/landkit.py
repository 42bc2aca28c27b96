"""Shared setup for the landing and archive tests: real repositories, tasks without agents."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.states import TaskState
from app.core.task import Task
from app.services.config.settings import Home
from app.services.orchard import Orchard
from app.services.repo import git as gitsvc
from tests.conftest import git, make_repo


def run[T](coro: Awaitable[T]) -> T:
    """Run one coroutine to completion."""

    async def wrap() -> T:
        return await coro

    return asyncio.run(wrap())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {"README.md": "hello\n", "src/app.py": "x = 1\n", ".gitignore": "*.log\n"},
    )


@pytest.fixture
def orchard(tmp_path: Path, project: Path) -> Iterator[Orchard]:
    o = Orchard(Home(tmp_path / "home"))
    run(o.add_project(str(project), name="repo"))
    yield o
    o.close()


def new_task(orchard: Orchard, title: str = "add feature", base: str | None = None) -> Task:
    """Queue a task and create its worktree and branch, as the supervisor would."""
    [task] = run(orchard.new_tasks("repo", f"do: {title}", agent="shell", title=title, base=base))
    repo = orchard.store.project("repo").path
    run(gitsvc.add_worktree(repo, task.worktree, task.branch, task.base_commit))
    return orchard.store.update(task.id, state=TaskState.SUCCEEDED)


def write(root: Path | str, files: dict[str, str | bytes]) -> None:
    """Write files (text or bytes) under `root`, making folders."""
    for name, data in files.items():
        path = Path(root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_bytes(data.encode())


def commit(root: Path | str, files: dict[str, str | bytes], message: str = "work") -> str:
    """Write `files` in `root` and commit everything there."""
    write(root, files)
    git(Path(root), "add", "-A")
    git(Path(root), "commit", "-qm", message)
    return git(Path(root), "rev-parse", "HEAD").strip()


def task_commit(task: Task, files: dict[str, str | bytes], message: str = "agent work") -> str:
    """Commit `files` on the task's branch in its worktree."""
    return commit(task.worktree, files, message)


def tree_bytes(root: Path | str) -> dict[str, Any]:
    """Return every file under `root` (not .git) as bytes, symlinks as their target."""
    found: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames + [d for d in dirnames if os.path.islink(Path(dirpath, d))]:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            else:
                found[rel] = (path.read_bytes(), os.access(path, os.X_OK))
    if (Path(root) / ".git").is_file():
        found.pop(".git", None)
    return found


def repo_state(repo: Path, *checkouts: Path | str) -> dict[str, Any]:
    """Everything a refused land must leave alone: refs, stash, status, index, files."""
    state: dict[str, Any] = {
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "stash": git(repo, "stash", "list"),
    }
    for where in (repo, *checkouts):
        index = git(Path(where), "rev-parse", "--git-path", "index").strip()
        index_path = Path(where, index)
        state[f"index {where}"] = hashlib.sha256(index_path.read_bytes()).hexdigest()
        state[f"status {where}"] = git(
            Path(where), "--no-optional-locks", "status", "--porcelain=v1", "-z"
        )
        state[f"files {where}"] = tree_bytes(where)
    return state


def head(repo: Path | str, ref: str = "HEAD") -> str:
    """Return the commit `ref` names."""
    return git(Path(repo), "rev-parse", ref).strip()


def show(repo: Path | str, spec: str) -> bytes:
    """Return the raw bytes of `spec` (commit:path)."""
    return subprocess.run(
        ["git", "cat-file", "blob", spec], cwd=repo, check=True, capture_output=True
    ).stdout
