"""The conflict forecast over git: each pending task's changes, merged pairwise where they meet.

Pre-filter by changed paths, then `git merge-tree --write-tree` only on pairs that share a path.
Every git answer is keyed by the commit ids it was asked about, so a forecast repeated with
unchanged branches runs only the few commands that read the branch heads.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass

from app.core.forecast import (
    PENDING_STATES,
    UNCOMMITTED_STATES,
    Changes,
    Clash,
    Forecast,
    TaskForecast,
    build_forecast,
    candidate_pairs,
    clash_with,
    parse_changes,
    touching_paths,
)
from app.core.task import Task
from app.services.orchard import Orchard, UserError
from app.services.process import ProcessResult
from app.services.repo import git, worktree_present

# Git commands run at once per forecast; more only queue for the same cores.
CONCURRENCY = max(2, os.cpu_count() or 2)
_CACHE_LIMIT = 20_000
# A fixed identity and date make the commit of the same uncommitted work the same commit,
# so the cache recognises it next time.
_SNAPSHOT_ENV = {
    "GIT_AUTHOR_NAME": "Orchard",
    "GIT_AUTHOR_EMAIL": "orchard@localhost",
    "GIT_COMMITTER_NAME": "Orchard",
    "GIT_COMMITTER_EMAIL": "orchard@localhost",
    "GIT_AUTHOR_DATE": "@0 +0000",
    "GIT_COMMITTER_DATE": "@0 +0000",
}


class _Unforecastable(Exception):
    """A task whose work cannot be read (its branch or worktree is gone)."""


class ForecastCache:
    """Git's answers keyed by commit ids; they never go stale, only unused."""

    def __init__(self) -> None:
        self.bases: dict[tuple[str, str], str | None] = {}
        self.changes: dict[tuple[str, str], Changes] = {}
        self.merges: dict[tuple[str, str], tuple[str, ...]] = {}

    def trim(self) -> None:
        """Forget everything once the cache grows past its limit."""
        if len(self.bases) + len(self.changes) + len(self.merges) > _CACHE_LIMIT:
            self.bases.clear()
            self.changes.clear()
            self.merges.clear()


_CACHES: weakref.WeakKeyDictionary[Orchard, ForecastCache] = weakref.WeakKeyDictionary()


def cache_of(orchard: Orchard) -> ForecastCache:
    """Return the forecast cache that lives as long as `orchard`."""
    cache = _CACHES.get(orchard)
    if cache is None:
        cache = _CACHES[orchard] = ForecastCache()
    return cache


@dataclass(frozen=True, slots=True)
class _Side:
    task_id: str
    tip: str
    base: str  # the merge-base with the target
    changes: Changes


class _Repo:
    """One repository's git questions, asked at most CONCURRENCY at a time and cached."""

    def __init__(self, path: str, cache: ForecastCache, limit: asyncio.Semaphore) -> None:
        self.path = path
        self.cache = cache
        self._limit = limit

    async def git(
        self,
        *args: str,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
        stdin: bytes | None = None,
    ) -> ProcessResult:
        """Run git here (or in `cwd`) once a slot is free."""
        async with self._limit:
            return await git.git(cwd or self.path, *args, env=env, check=check, stdin=stdin)

    async def heads(self) -> dict[str, str]:
        """Return every local branch's commit by name."""
        out = await self.git(
            "for-each-ref", "--format=%(objectname) %(refname:strip=2)", "refs/heads"
        )
        pairs = (line.split(" ", 1) for line in out.text.splitlines() if " " in line)
        return {name: commit for commit, name in pairs}

    async def target_head(self, target: str, heads: dict[str, str]) -> str | None:
        """Return the commit the target names, or None if it names nothing."""
        if target in heads:
            return heads[target]
        try:
            return await git.resolve_commit(self.path, target)
        except git.GitError:
            return None

    async def tip(self, task: Task, heads: dict[str, str]) -> str:
        """Return the commit of the task's work, uncommitted changes of a live task included."""
        if task.state in UNCOMMITTED_STATES and worktree_present(task.worktree):
            return await self._snapshot(task.worktree)
        if task.branch not in heads:
            raise _Unforecastable(f"its branch {task.branch} no longer exists")
        return heads[task.branch]

    async def _snapshot(self, worktree: str) -> str:
        head = await self.git("rev-parse", "HEAD", "HEAD^{tree}", cwd=worktree)
        commit, tree = head.text.split()
        async with self._limit:
            written = await git.worktree_tree(worktree)
        if written == tree:
            return commit
        env = git.git_env(_SNAPSHOT_ENV)
        made = await self.git(
            "commit-tree", written, "-p", commit, cwd=worktree, env=env, stdin=b"uncommitted work"
        )
        return made.text.strip()

    async def merge_base(self, a: str, b: str) -> str | None:
        """Return the best common ancestor of two commits, or None when they share no history."""
        key = (a, b) if a < b else (b, a)
        if key not in self.cache.bases:
            found = await self.git("merge-base", a, b, check=False)
            self.cache.bases[key] = found.text.strip() if found.returncode == 0 else None
        return self.cache.bases[key]

    async def changes(self, base: str, tip: str) -> Changes:
        """Return the files `tip` changed since `base`, with their changed lines."""
        key = (base, tip)
        if key not in self.cache.changes:
            out = await self.git(
                *("diff", "--raw", "-z", "-p", "-U0", "--no-renames", "--no-color"),
                *("--no-ext-diff", "--no-textconv", "--diff-algorithm=histogram", base, tip),
            )
            self.cache.changes[key] = parse_changes(out.stdout)
        return self.cache.changes[key]

    async def conflicts(self, a: str, b: str) -> tuple[str, ...]:
        """Return the files that conflict when commits `a` and `b` merge (none: clean)."""
        key = (a, b) if a < b else (b, a)
        if key not in self.cache.merges:
            out = await self.git(
                *("merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", *key),
                check=False,
            )
            if out.returncode not in (0, 1):
                raise git.GitError(out.error_text or "git merge-tree failed")
            self.cache.merges[key] = tuple(p for p in out.text.split("\0")[1:] if p)
        return self.cache.merges[key]

    async def side(self, task: Task, heads: dict[str, str], target_head: str) -> _Side | str:
        """Return the task's work against the target, or why it cannot be read."""
        try:
            tip = await self.tip(task, heads)
            base = await self.merge_base(target_head, tip)
            if base is None:
                return "its branch shares no history with the target"
            return _Side(task.id, tip, base, await self.changes(base, tip))
        except _Unforecastable as exc:
            return str(exc)
        except (git.GitError, OSError, ValueError) as exc:
            return f"git could not read its work: {exc}"


async def forecast(orchard: Orchard, project: str | None = None) -> Forecast:
    """Forecast every pending task's clashes with the others and with its base branch."""
    if project is not None:
        _project(orchard, project)
    tasks = orchard.store.tasks(project=project, states=PENDING_STATES)
    groups: dict[tuple[str, str], list[Task]] = defaultdict(list)
    for task in tasks:
        groups[(task.project, task.base_ref)].append(task)
    limit = asyncio.Semaphore(CONCURRENCY)
    repos = {name: _Repo(_project(orchard, name), cache_of(orchard), limit) for name, _ in groups}
    heads = dict(
        zip(repos, await asyncio.gather(*(r.heads() for r in repos.values())), strict=True)
    )
    results = await asyncio.gather(
        *(_forecast_group(repos[p], target, ts, heads[p]) for (p, target), ts in groups.items())
    )
    cache_of(orchard).trim()
    pairs: dict[tuple[str, str], Clash] = {}
    base: dict[str, Clash] = {}
    problems: dict[str, str] = {}
    for group_pairs, group_base, group_problems in results:
        pairs.update(group_pairs)
        base.update(group_base)
        problems.update(group_problems)
    return build_forecast(pairs, base, (t.id for t in tasks), problems)


_GroupResult = tuple[dict[tuple[str, str], Clash], dict[str, Clash], dict[str, str]]


async def _forecast_group(
    repo: _Repo, target: str, tasks: list[Task], heads: dict[str, str]
) -> _GroupResult:
    target_head = await repo.target_head(target, heads)
    if target_head is None:
        return {}, {}, {t.id: f"its target branch {target} no longer exists" for t in tasks}
    read = await asyncio.gather(*(repo.side(t, heads, target_head) for t in tasks))
    sides = {s.task_id: s for s in read if isinstance(s, _Side)}
    problems = {t.id: s for t, s in zip(tasks, read, strict=True) if isinstance(s, str)}
    groups = {t.id: t.group for t in tasks}
    pairs, base = await asyncio.gather(
        _pair_clashes(repo, sides, groups), _base_clashes(repo, target_head, sides.values())
    )
    return pairs, base, problems


async def _pair_clashes(
    repo: _Repo, sides: dict[str, _Side], groups: dict[str, str | None]
) -> dict[tuple[str, str], Clash]:
    shared = {
        (a, b): paths
        for (a, b), paths in candidate_pairs({i: s.changes.paths for i, s in sides.items()}).items()
        if groups.get(a) is None or groups.get(a) != groups.get(b)  # attempts: one lands, not all
    }

    async def clash(a: _Side, b: _Side, paths: frozenset[str]) -> Clash:
        lines = touching_paths(a.changes, b.changes, paths) if a.base == b.base else ()
        return clash_with(b.task_id, await repo.conflicts(a.tip, b.tip), paths, lines)

    found = await _gather(clash(sides[a], sides[b], ps) for (a, b), ps in shared.items())
    return dict(zip(shared, found, strict=True))


async def _base_clashes(repo: _Repo, target_head: str, sides: Iterable[_Side]) -> dict[str, Clash]:
    moved = [s for s in sides if s.base != target_head]
    bases = list({s.base for s in moved})
    news = await _gather(repo.changes(b, target_head) for b in bases)
    landed = dict(zip(bases, news, strict=True))
    found = await _gather(_base_clash(repo, target_head, s, landed[s.base]) for s in moved)
    return {s.task_id: c for s, c in zip(moved, found, strict=True) if c is not None}


async def _base_clash(repo: _Repo, target_head: str, side: _Side, landed: Changes) -> Clash | None:
    shared = side.changes.paths & landed.paths
    if not shared:
        return None
    conflicts = await repo.conflicts(target_head, side.tip)
    return clash_with(None, conflicts, shared, touching_paths(side.changes, landed, shared))


async def forecast_task(orchard: Orchard, ref: str, into: str | None = None) -> TaskForecast:
    """Forecast one task against its target branch (`into`, else the branch it started from)."""
    task = orchard.task(ref)
    if task.state not in PENDING_STATES:
        return TaskForecast(task.id, problem=f"it is {task.state}; there is no work to forecast")
    repo = _Repo(_project(orchard, task.project), cache_of(orchard), asyncio.Semaphore(4))
    heads = await repo.heads()
    target = into or task.base_ref
    target_head = await repo.target_head(target, heads)
    if target_head is None:
        if into is not None:
            raise UserError(f"'{into}' is not a branch or commit of project {task.project}")
        return TaskForecast(task.id, problem=f"its target branch {target} no longer exists")
    side = await repo.side(task, heads, target_head)
    if isinstance(side, str):
        return TaskForecast(task.id, problem=side)
    if side.base == target_head:
        return TaskForecast(task.id)
    landed, _ = await asyncio.gather(
        repo.changes(side.base, target_head), repo.conflicts(target_head, side.tip)
    )
    clash = await _base_clash(repo, target_head, side, landed)
    return TaskForecast(task.id, (clash,) if clash else ())


def _project(orchard: Orchard, name: str) -> str:
    return orchard.store.project(name).path


async def _gather[T](awaitables: Iterable[Awaitable[T]]) -> list[T]:
    return list(await asyncio.gather(*awaitables))
