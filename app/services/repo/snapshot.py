"""A worktree's whole state as git objects, taken without touching its real index."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from app.services.repo import git


@dataclass(frozen=True, slots=True)
class Snapshot:
    head: str  # the commit the worktree's files count from
    head_tree: str
    index_tree: str  # what was staged
    tree: str  # every file: committed, staged, unstaged and untracked (.gitignore respected)

    @property
    def dirty(self) -> bool:
        return self.tree != self.head_tree


def worktree_present(path: str) -> bool:
    """Say whether `path` is still a checkout on disk (not deleted by hand)."""
    return (Path(path) / ".git").exists()


async def take_snapshot(worktree: str, head: str, junk: bool = False) -> Snapshot:
    """Record every file of `worktree` as trees, using a throwaway index; build junk if asked."""
    head_tree = await tree_of(worktree, head)
    async with git.scratch_index(worktree) as env:
        index_tree = await _staged_tree(worktree, env, head_tree)
        if junk:
            await git.git(worktree, "add", "--all", env=env)
        else:
            await git.add_all(worktree, env)
        tree = (await git.git(worktree, "write-tree", env=env)).text.strip()
    return Snapshot(head, head_tree, index_tree, tree)


async def _staged_tree(worktree: str, env: dict[str, str], head_tree: str) -> str:
    if os.path.exists(env["GIT_INDEX_FILE"]):  # the copy of the real index
        staged = await git.git(worktree, "write-tree", env=env, check=False)
        if staged.returncode == 0:
            return staged.text.strip()
    # Unmerged entries (a conflict in progress) or no index: count from HEAD's tree.
    await git.git(worktree, "read-tree", head_tree, env=env)
    return head_tree


async def tree_of(repo: str, commit: str) -> str:
    """Return the tree id of `commit`."""
    return (await git.git(repo, "rev-parse", f"{commit}^{{tree}}")).text.strip()


async def commit_tree(repo: str, tree: str, parents: list[str], message: str) -> str:
    """Write a commit of `tree` with `parents` and return its id (no ref moves)."""
    env = await git.identity_env(repo)
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    result = await git.git(repo, *args, "-F", "-", env=env, stdin=message.encode())
    return result.text.strip()


async def changed_paths(worktree: str, snapshot: Snapshot) -> list[str]:
    """Return the paths whose content differs between HEAD and the snapshot."""
    out = await git.git(
        worktree, "diff", "--name-only", "-z", "--no-renames", snapshot.head_tree, snapshot.tree
    )
    return [p for p in out.text.split("\0") if p]


@asynccontextmanager
async def scratch_worktree(root: Path, repo: str, commit: str) -> AsyncIterator[str]:
    """Check `commit` out, detached, in a throwaway worktree under `root`; remove it after."""
    path = root / f"scratch-{uuid.uuid4().hex[:10]}"
    root.mkdir(parents=True, exist_ok=True)
    # git.py serializes worktree changes per repository; take the same turn.
    async with git.worktree_lock(repo):
        await git.git(
            repo, "-c", "core.hooksPath=/dev/null", "worktree", "add", "--quiet", "--detach",
            str(path), commit,
        )  # fmt: skip
    try:
        yield str(path)
    finally:
        await asyncio.shield(git.remove_worktree(repo, str(path)))


async def ignored_paths(worktree: str) -> list[str]:
    """Return the worktree's ignored files and folders (folders end in '/')."""
    out = await git.git(
        worktree, "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z"
    )
    return [p for p in out.text.split("\0") if p]


def path_sizes(root: str, paths: list[str]) -> dict[str, int]:
    """Return the bytes on disk under each of `paths` (symlinks not followed)."""
    sizes: dict[str, int] = {}
    for rel in paths:
        full = os.path.join(root, rel)
        total = 0
        if os.path.isdir(full) and not os.path.islink(full):
            for dirpath, _dirs, files in os.walk(full):
                total += sum(_lsize(os.path.join(dirpath, f)) for f in files)
        else:
            total = _lsize(full)
        sizes[rel] = total
    return sizes


def _lsize(path: str) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


async def dirty_submodules(worktree: str) -> list[str]:
    """Return the submodules whose own files are modified or untracked (not recorded by a tree)."""
    out = await git.git(
        worktree, "status", "--porcelain=v2", "-z", "--ignore-submodules=none", check=False
    )
    found = []
    for entry in out.text.split("\0"):
        parts = entry.split(" ")
        submodule = len(parts) >= 9 and parts[0] in ("1", "2") and parts[2].startswith("S")
        if submodule and (parts[2][2] == "M" or parts[2][3] == "U"):
            found.append(" ".join(parts[8:] if parts[0] == "1" else parts[9:]))
    return found


async def ignored_tree(worktree: str, paths: list[str]) -> str:
    """Write a tree holding the ignored `paths` of `worktree`, using a throwaway index."""
    tmp = tempfile.mkdtemp(prefix="orchard-ignored-")
    try:
        env = git.git_env({"GIT_INDEX_FILE": os.path.join(tmp, "index")})
        await git.git(worktree, "add", "-f", "--", *paths, env=env)
        return (await git.git(worktree, "write-tree", env=env)).text.strip()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def write_tree_files(worktree: str, tree: str) -> None:
    """Write every file of `tree` into `worktree` without touching its index."""
    tmp = tempfile.mkdtemp(prefix="orchard-ignored-")
    try:
        env = git.git_env({"GIT_INDEX_FILE": os.path.join(tmp, "index")})
        await git.git(worktree, "read-tree", tree, env=env)
        await git.git(worktree, "checkout-index", "-a", "-f", env=env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def worktrees(repo: str) -> list[dict[str, str]]:
    """Return `git worktree list --porcelain -z` as one dict per worktree."""
    out = await git.git(repo, "worktree", "list", "--porcelain", "-z")
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for field_ in out.text.split("\0"):
        if not field_:
            if current:
                records.append(current)
            current = {}
            continue
        key, _, value = field_.partition(" ")
        current[key] = value
    return records
