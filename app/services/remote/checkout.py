"""A task's checkout on a cluster node: one cached clone per repository, a worktree per task.

Runs inside the task's actor, on the node, in the actor's threads: git is called
synchronously here (the actor has no event loop of its own), apart from the commit, which is
Orchard's own commit_all so that a turn on a node commits exactly as a local one does.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from app.services.repo import git


class CheckoutError(Exception):
    """git refused; the message is its own."""


def run_git(cwd: Path | str, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in `cwd` and return its output; raise CheckoutError with its message."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, env=git.git_env(), check=False
    )
    if done.returncode != 0:
        raise CheckoutError(done.stderr.decode(errors="replace").strip() or f"git {args[0]} failed")
    return done.stdout


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold a lock on `path`: tasks of one repository on one node share its clone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def make_checkout(
    root: Path, repo_key: str, bundle: bytes, ref: str, commit: str, branch: str, task_id: str
) -> Path:
    """Check `commit` out from `bundle` on `branch`, in a worktree of the node's clone."""
    cache = root / "repos" / f"{repo_key}.git"
    worktree = root / "worktrees" / task_id
    with _locked(cache.with_suffix(".lock")):
        if not (cache / "HEAD").exists():
            run_git(root, "init", "--quiet", "--bare", str(cache))
        with tempfile.NamedTemporaryFile(dir=root, suffix=".bundle") as f:
            f.write(bundle)
            f.flush()
            run_git(cache, "fetch", "--quiet", "--no-write-fetch-head", f.name, f"+{ref}:{ref}")
        if worktree.exists():
            run_git(cache, "worktree", "remove", "--force", str(worktree))
        run_git(cache, "worktree", "prune")
        run_git(cache, "worktree", "add", "--quiet", "--force", "-B", branch, str(worktree), commit)
        run_git(cache, "update-ref", "-d", ref)
    return worktree


def remove_checkout(root: Path, repo_key: str, worktree: Path) -> None:
    """Remove a task's worktree from the node's clone (its branch goes with it)."""
    cache = root / "repos" / f"{repo_key}.git"
    with _locked(cache.with_suffix(".lock")), contextlib.suppress(CheckoutError):
        branch = run_git(worktree, "symbolic-ref", "--quiet", "--short", "HEAD").decode().strip()
        run_git(cache, "worktree", "remove", "--force", str(worktree))
        run_git(cache, "branch", "-D", branch)


def commit(worktree: Path, message: str) -> str | None:
    """Commit every change as Orchard does locally; return the commit, None if nothing changed."""
    return asyncio.run(git.commit_all(str(worktree), message))


def result_bundle(worktree: Path, base: str) -> bytes | None:
    """Return a bundle of the worktree's branch past `base`; None if it has no new commit."""
    head = run_git(worktree, "rev-parse", "HEAD").decode().strip()
    if head == base:
        return None
    branch = run_git(worktree, "symbolic-ref", "HEAD").decode().strip()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "result.bundle"
        run_git(worktree, "bundle", "create", "--quiet", str(path), branch, f"^{base}")
        return path.read_bytes()
