"""Small git helpers over the git command line, each run off the event loop's back."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from app.core.diffstat import DiffStat, parse_numstat_z
from app.services import process

# Variables that would point git at some other repository than the one asked for.
_LOCATION_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
)
FALLBACK_IDENTITY = ("Orchard", "orchard@localhost")
# Build output and caches Orchard never commits for an agent, .gitignore or not: folders, then
# file patterns. A repository that tracks such a path still sees it in the agent's diff.
JUNK_DIRS = (
    "__pycache__", "node_modules", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox",
    ".venv", "*.egg-info", ".gradle", ".next",
)  # fmt: skip
JUNK_FILES = ("*.pyc", "*.pyo", ".DS_Store", "Thumbs.db")
JUNK_PATHSPECS = tuple(f":(exclude,glob)**/{d}/**" for d in JUNK_DIRS) + tuple(
    f":(exclude,glob)**/{f}" for f in JUNK_FILES
)


class GitError(RuntimeError):
    """A git command failed; the message is fit to show a user."""


@dataclass(frozen=True, slots=True)
class RepoInfo:
    root: str
    branch: str | None
    head: str


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return Orchard's environment cleaned for running git."""
    env = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARS}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.update(extra or {})
    return env


async def git(
    cwd: str,
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
    stdin: bytes | None = None,
) -> process.ProcessResult:
    """Run `git args` in `cwd`; raise GitError with git's message if it fails and `check`."""
    result = await process.run(["git", *args], cwd=cwd, env=env or git_env(), stdin=stdin)
    if check and result.returncode != 0:
        message = result.error_text or result.text.strip() or f"git {args[0]} failed"
        raise GitError(message.splitlines()[-1])
    return result


async def inspect_repo(path: str) -> RepoInfo:
    """Check that `path` is a non-bare repository with commits and describe it."""
    if shutil.which("git") is None:
        raise GitError("git is not installed or not on PATH")
    p = Path(path).expanduser()
    if not p.exists():
        raise GitError(f"{path}: no such folder")
    if not p.is_dir():
        raise GitError(f"{path}: not a folder")
    bare = await git(str(p), "rev-parse", "--is-bare-repository", check=False)
    if bare.returncode != 0:
        raise GitError(f"{path}: not a git repository (run `git init` there first)")
    if bare.text.strip() == "true":
        raise GitError(f"{path}: is a bare repository; add a checkout of it instead")
    root = (await git(str(p), "rev-parse", "--show-toplevel")).text.strip()
    head = await git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    if head.returncode != 0:
        raise GitError(f"{path}: the repository has no commits yet; make a first commit")
    branch = await git(root, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return RepoInfo(root, branch.text.strip() or None, head.text.strip())


async def resolve_commit(repo: str, ref: str) -> str:
    """Return the commit id `ref` names in `repo`, or raise GitError."""
    if ref.startswith("-"):
        raise GitError(f"'{ref}' is not a branch or commit name")
    result = await git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if result.returncode != 0:
        raise GitError(f"'{ref}' is not a branch or commit in {repo}")
    return result.text.strip()


async def branch_exists(repo: str, branch: str) -> bool:
    """Say whether local branch `branch` exists."""
    result = await git(repo, "show-ref", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
    return result.returncode == 0


# Concurrent `git worktree add` in one repository races: one git reads
# .git/worktrees/<x>/commondir while another is still writing it (so does any git that
# looks at every worktree, e.g. a fetch into a branch), and a prune can delete a sibling's
# half-made worktree. Worktree changes take turns. One set of locks per event loop: a lock
# waited on under one loop cannot be waited on under another (tests run many loops).
_WORKTREE_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def worktree_lock(repo: str) -> asyncio.Lock:
    """Return the lock under which changes to `repo`'s worktrees take turns."""
    locks = _WORKTREE_LOCKS.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault(os.path.realpath(repo), asyncio.Lock())


async def add_worktree(repo: str, path: str, branch: str, commit: str) -> None:
    """Create `branch` at `commit` checked out in a new worktree at `path`."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    async with worktree_lock(repo):
        await git(repo, "worktree", "add", "--quiet", "-b", branch, path, commit)


async def remove_worktree(repo: str, path: str, branch: str | None = None) -> None:
    """Undo a worktree Orchard just made (and its branch), leaving nothing behind."""
    async with worktree_lock(repo):
        await git(repo, "worktree", "remove", "--force", path, check=False)
        if Path(path).exists():
            shutil.rmtree(path, ignore_errors=True)
        await git(repo, "worktree", "prune", check=False)
        if branch:
            await git(repo, "branch", "-D", branch, check=False)


async def identity_env(worktree: str) -> dict[str, str]:
    """Return git's environment, with a fallback author where none is configured."""
    env = git_env()
    email = await git(worktree, "config", "user.email", check=False)
    if not email.text.strip():
        name, mail = FALLBACK_IDENTITY
        env.update(
            GIT_AUTHOR_NAME=name,
            GIT_AUTHOR_EMAIL=mail,
            GIT_COMMITTER_NAME=name,
            GIT_COMMITTER_EMAIL=mail,
        )
    return env


async def add_all(worktree: str, env: dict[str, str] | None = None) -> None:
    """Stage every change of `worktree` but build junk (__pycache__, node_modules…)."""
    await git(worktree, "add", "--all", "--", ".", *JUNK_PATHSPECS, env=env)


async def commit_all(worktree: str, message: str) -> str | None:
    """Commit every change in `worktree` (respecting .gitignore, never junk); return the commit."""
    await add_all(worktree)
    staged = await git(worktree, "diff", "--cached", "--quiet", check=False)
    if staged.returncode == 0:
        return None
    env = await identity_env(worktree)
    await git(
        worktree, "commit", "--quiet", "--no-verify", "-F", "-", env=env, stdin=message.encode()
    )
    return (await git(worktree, "rev-parse", "HEAD")).text.strip()


async def diff_stat(worktree: str, base: str) -> DiffStat:
    """Return +/- counts of the worktree (committed, staged, unstaged, untracked) against `base`."""
    return parse_numstat_z(await _diff_everything(worktree, base, "--numstat", "-z"))


async def diff_text(worktree: str, base: str, stat: bool = False) -> str:
    """Return the patch (or --stat) of the worktree against `base`, untracked files included."""
    return await _diff_everything(worktree, base, "--stat" if stat else "--patch")


async def _diff_everything(worktree: str, base: str, *options: str) -> str:
    async with scratch_index(worktree) as env:
        await add_all(worktree, env)
        return (await git(worktree, "diff", "--cached", "-M", *options, base, env=env)).text


async def worktree_tree(worktree: str) -> str:
    """Write every file of `worktree` (committed, staged, unstaged, untracked) to a tree."""
    async with scratch_index(worktree) as env:
        await add_all(worktree, env)
        return (await git(worktree, "write-tree", env=env)).text.strip()


class scratch_index:
    """A throwaway copy of a worktree's index (absent if it has none), so the real one is kept.

    Its folder is made, filled and removed in a worker thread: while a hundred agents write
    their logs, the kernel can hold one unlink on the event loop for over 100 ms.
    """

    def __init__(self, worktree: str) -> None:
        self._worktree = worktree
        self._dir = ""

    async def __aenter__(self) -> dict[str, str]:
        making = asyncio.ensure_future(asyncio.to_thread(_make_scratch_index, self._worktree))
        try:
            self._dir = await asyncio.shield(making)
        except asyncio.CancelledError:
            # The thread still makes the folder: remove it once it is there.
            making.add_done_callback(_remove_made_folder)
            raise
        return git_env({"GIT_INDEX_FILE": os.path.join(self._dir, "index")})

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(shutil.rmtree, self._dir, ignore_errors=True)


def _make_scratch_index(worktree: str) -> str:
    folder = tempfile.mkdtemp(prefix="orchard-index-")
    try:
        real = _index_path(worktree)
        if real and os.path.exists(real):
            shutil.copyfile(real, os.path.join(folder, "index"))  # unchanged files: no rehash
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _remove_made_folder(making: asyncio.Future[str]) -> None:
    if not making.cancelled() and making.exception() is None:
        making.get_loop().run_in_executor(None, shutil.rmtree, making.result(), True)


def _index_path(worktree: str) -> str | None:
    dotgit = Path(worktree) / ".git"
    if dotgit.is_dir():
        return str(dotgit / "index")
    if dotgit.is_file():
        text = dotgit.read_text(errors="replace").strip()
        if text.startswith("gitdir:"):
            # A relative gitdir (as in a submodule) counts from the worktree, not from our cwd.
            return str(Path(worktree, text.removeprefix("gitdir:").strip()) / "index")
    return None
