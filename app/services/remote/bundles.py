"""The local side of a remote checkout: a bundle of the start, the result fetched back."""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.core.task import Task
from app.services.repo import git


async def start_point(repo: str, task: Task) -> str:
    """Return what a fresh checkout starts from: the last fetched result, else the base."""
    if await git.branch_exists(repo, task.branch):
        return (await git.git(repo, "rev-parse", f"refs/heads/{task.branch}")).text.strip()
    return task.base_commit


async def make_bundle(repo: str, task: Task, commit: str) -> tuple[bytes, str]:
    """Return a git bundle holding `commit` and the ref it is held under in the bundle."""
    ref = f"refs/orchard/bundle/{task.id}"
    await git.git(repo, "update-ref", ref, commit)
    try:
        with tempfile.TemporaryDirectory(prefix="orchard-bundle-") as folder:
            path = Path(folder) / "start.bundle"
            await git.git(repo, "bundle", "create", "--quiet", str(path), ref)
            return path.read_bytes(), ref
    finally:
        await git.git(repo, "update-ref", "-d", ref, check=False)


async def take_result(repo: str, task: Task, bundle: bytes) -> str:
    """Fetch a result bundle into the task's branch and worktree here; return its commit.

    The worktree is made on the first fetch: until then the task has none on this machine.
    It all takes turns with other worktree changes in `repo`: a fetch into a branch reads
    every worktree, and one half-made by another task's fetch fails it.
    """
    ref = f"refs/orchard/fetched/{task.id}"
    async with git.worktree_lock(repo):
        with tempfile.TemporaryDirectory(prefix="orchard-bundle-") as folder:
            path = Path(folder) / "result.bundle"
            path.write_bytes(bundle)
            await git.git(
                repo,
                "fetch",
                "--quiet",
                "--no-write-fetch-head",
                str(path),
                f"+refs/heads/{task.branch}:{ref}",
            )
        try:
            sha = (await git.git(repo, "rev-parse", ref)).text.strip()
            await _check_out(repo, task, sha)
        finally:
            await git.git(repo, "update-ref", "-d", ref, check=False)
    return sha


async def _check_out(repo: str, task: Task, sha: str) -> None:
    """Move the task's branch (and worktree, made if missing) to `sha`; under the lock."""
    if Path(task.worktree).exists():
        await git.git(task.worktree, "merge", "--quiet", "--ff-only", sha)
        return
    Path(task.worktree).parent.mkdir(parents=True, exist_ok=True)
    if await git.branch_exists(repo, task.branch):
        await git.git(repo, "branch", "--quiet", "--force", task.branch, sha)
        await git.git(repo, "worktree", "add", "--quiet", task.worktree, task.branch)
    else:
        await git.git(repo, "worktree", "add", "--quiet", "-b", task.branch, task.worktree, sha)
