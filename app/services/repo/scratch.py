"""A few scratch checkouts per repository, kept between test runs instead of made anew.

Checking out 20,000 files into a new worktree costs about a second; switching a kept one to
the next commit rewrites only the files that differ. Each checkout serves one test run at a
time (speculation takes several at once); a free one is switched with
`git checkout --detach --force` after `git clean -ffdx` has removed what the last run left.
One that cannot be switched (a run killed in the middle of git) is removed and made again.
Free checkouts idle for IDLE_SECONDS are removed, and all of them when the pool closes. They
are named like throwaway ones (scratch-*), so a restarted runner reaps those of a dead one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from app.services.repo import git

IDLE_SECONDS = 300.0
NO_HOOKS = ("-c", "core.hooksPath=/dev/null")


@dataclass(eq=False)
class _Checkout:
    repo: str  # the repository's real path
    path: str
    free: bool = False
    used: float = 0.0  # time.monotonic() when it was last given back


class ScratchPool:
    """The scratch checkouts of one home, shared by every test run of its process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._checkouts: list[_Checkout] = []

    @asynccontextmanager
    async def checkout(self, repo: str, commit: str) -> AsyncIterator[str]:
        """Lend a detached checkout of `commit`, for this caller alone until it is given back."""
        lent = await self._take(os.path.realpath(repo), commit)
        try:
            yield lent.path
        finally:
            lent.free, lent.used = True, time.monotonic()
            with contextlib.suppress(OSError):
                os.utime(lent.path)  # in use lately: not a dead runner's leftover

    def paths(self, free: bool | None = None) -> list[str]:
        """Return the checkouts' paths: all of them, or only the free or lent ones."""
        return [c.path for c in self._checkouts if free is None or c.free == free]

    async def _take(self, repo: str, commit: str) -> _Checkout:
        await self.prune()  # a process without a train runner lets idle ones go too
        for kept in sorted(self._free(repo), key=lambda c: -c.used):
            if not kept.free:
                continue  # taken by another run while this one switched an earlier one
            kept.free = False
            try:
                if await _switch(kept.path, commit):
                    return kept
            except BaseException:
                kept.free = True  # cancelled mid-switch: the next taker switches it again
                raise
            await self._remove(kept)
        return await self._make(repo, commit)

    def _free(self, repo: str) -> list[_Checkout]:
        return [c for c in self._checkouts if c.free and c.repo == repo]

    async def _make(self, repo: str, commit: str) -> _Checkout:
        self.root.mkdir(parents=True, exist_ok=True)
        made = _Checkout(repo, str(self.root / f"scratch-{uuid.uuid4().hex[:10]}"))
        self._checkouts.append(made)
        try:
            # git.py serializes worktree changes per repository; take the same turn.
            async with git.worktree_lock(repo):
                await git.git(
                    repo, *NO_HOOKS, "worktree", "add", "--quiet", "--detach", made.path, commit
                )
        except BaseException:
            await asyncio.shield(self._remove(made))
            raise
        return made

    async def prune(self, idle: float = IDLE_SECONDS) -> None:
        """Remove the free checkouts no test run has used for `idle` seconds."""
        now = time.monotonic()
        for old in [c for c in self._checkouts if c.free and now - c.used >= idle]:
            await self._remove(old)

    async def close(self) -> None:
        """Remove every checkout (the test runs that used them have ended)."""
        for kept in list(self._checkouts):
            await self._remove(kept)

    def close_now(self) -> None:
        """Remove every checkout without an event loop: a process on its way out."""
        kept, self._checkouts = self._checkouts, []
        for checkout in kept:
            shutil.rmtree(checkout.path, ignore_errors=True)
        for repo in {c.repo for c in kept}:
            subprocess.run(
                ["git", "worktree", "prune"], cwd=repo, env=git.git_env(), check=False,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip

    async def _remove(self, checkout: _Checkout) -> None:
        if checkout in self._checkouts:
            self._checkouts.remove(checkout)
        await git.remove_worktree(checkout.repo, checkout.path)


async def _switch(path: str, commit: str) -> bool:
    """Make the checkout at `path` exactly `commit`; say whether git managed it."""
    if not os.path.isdir(path):
        return False
    cleaned = await git.git(path, "clean", "-ffdxq", check=False)
    if cleaned.returncode != 0:
        return False
    switched = await git.git(
        path, *NO_HOOKS, "checkout", "--quiet", "--detach", "--force", commit, check=False
    )
    return switched.returncode == 0
