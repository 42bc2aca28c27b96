"""Start-up reconciliation: compare the database with git and the disk, and say what is off.

Nothing here changes anything on disk: each fault becomes a Finding that names the command
which repairs it (see repairs.py). Git is asked once per project, never once per task.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.core.findings import (
    BRANCH_MISSING,
    INDEX_LOCK,
    ORPHAN_KILLED,
    REPO_MOVED,
    RULES_UNREADABLE,
    WORKTREE_MISSING,
    WORKTREE_UNRECORDED,
    Finding,
)
from app.core.states import CLOSED_STATES, LIVE_STATES
from app.core.task import Project, Task
from app.core.words import counted
from app.services.config import Home
from app.services.inbox import RULES_FILE, unreadable
from app.services.repo import git, worktree_present
from app.services.store import Store

# A lock younger than this may belong to a git that is about to finish.
STALE_LOCK_SECONDS = 30.0
_ORCHARD_BRANCHES = "refs/heads/orchard/"
_ARCHIVES = "refs/orchard/archive/"


class _Lock(Protocol):
    @property
    def held(self) -> bool: ...

    def acquire(self) -> None: ...


class _Reaper(Protocol):
    findings: list[Finding]

    def reconcile(self) -> object: ...


class Reconcilable(Protocol):
    """What reconcile() needs of the Orchard context: its home, store, lock and supervisor."""

    @property
    def home(self) -> Home: ...

    @property
    def store(self) -> Store: ...

    @property
    def lock(self) -> _Lock: ...

    @property
    def supervisor(self) -> _Reaper: ...


@dataclass(frozen=True, slots=True)
class RepoState:
    """What one `git worktree list` and one `git for-each-ref` say about a project."""

    worktrees: dict[str, str]  # real path -> branch ref ("" when detached)
    branches: frozenset[str]  # orchard/* branch names
    archives: frozenset[str]  # task ids with an archive ref


async def reconcile(orchard: Reconcilable) -> list[Finding]:
    """Reap agents a dead supervisor left (unless another one runs), then compare with git."""
    if not orchard.lock.held:
        # AlreadySupervised (a RuntimeError): the live supervisor owns its agents.
        with contextlib.suppress(RuntimeError):
            orchard.lock.acquire()
    if orchard.lock.held:
        orchard.supervisor.reconcile()
    live = orchard.supervisor.findings
    found = [f for f in live if f.kind == ORPHAN_KILLED]
    found += await find_faults(orchard.home, orchard.store)
    orchard.supervisor.findings = found
    return found


async def find_faults(home: Home, store: Store) -> list[Finding]:
    """Return every fault between the database, git and the disk, project by project."""
    # The window awaits this on its GUI loop: SQLite and the disk scans run in a thread.
    tasks, projects = await asyncio.to_thread(lambda: (store.tasks(), store.projects()))
    found: list[Finding] = []
    listed: set[str] = set()
    for project in projects:
        mine = [t for t in tasks if t.project == project.name]
        state = await repo_state(project.path)
        if state is None:
            found.append(_moved(project, mine))
            continue
        listed |= state.worktrees.keys()
        found += await asyncio.to_thread(_disk_faults, project, mine, state)
    names = {p.name for p in projects}
    found += await asyncio.to_thread(_stray_folders, home, tasks, listed, names)
    found += await asyncio.to_thread(_rules_fault, home)
    return found


def _rules_fault(home: Home) -> list[Finding]:
    problem = unreadable(home.root)
    if problem is None:
        return []
    message = f"{problem}; until it is fixed, every request of every agent asks you"
    path = str(home.root / RULES_FILE)
    return [Finding(RULES_UNREADABLE, None, None, path, message, f"fix or remove {path}")]


def _disk_faults(project: Project, tasks: list[Task], state: RepoState) -> list[Finding]:
    return _checkout_faults(project, tasks, state) + _index_locks(project, state)


async def repo_state(repo: str) -> RepoState | None:
    """Ask git about a project's worktrees and orchard refs; None if the repository is gone."""
    if not Path(repo).is_dir():
        return None
    try:
        listing = await git.git(repo, "worktree", "list", "--porcelain", "-z")
        refs = await git.git(
            repo, "for-each-ref", "--format=%(refname)", _ORCHARD_BRANCHES, _ARCHIVES
        )
    except git.GitError:
        return None
    names = refs.text.split()
    return RepoState(
        _parse_worktrees(listing.text),
        frozenset(n.removeprefix("refs/heads/") for n in names if n.startswith(_ORCHARD_BRANCHES)),
        frozenset(n.removeprefix(_ARCHIVES) for n in names if n.startswith(_ARCHIVES)),
    )


def _parse_worktrees(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    path, branch = "", ""
    for field in text.split("\0"):
        if not field:
            if path:
                out[os.path.realpath(path)] = branch
            path, branch = "", ""
        elif field.startswith("worktree "):
            path = field[len("worktree ") :]
        elif field.startswith("branch "):
            branch = field[len("branch ") :]
    return out


def expects_checkout(task: Task, state: RepoState) -> bool:
    """Say whether a task should have its worktree and branch on disk now."""
    if task.state in CLOSED_STATES or task.state in LIVE_STATES:
        return False
    return (
        task.turns > 0
        or worktree_present(task.worktree)
        or task.branch in state.branches
        or task.id in state.archives
    )


def _checkout_faults(project: Project, tasks: list[Task], state: RepoState) -> list[Finding]:
    found: list[Finding] = []
    for task in tasks:
        if not expects_checkout(task, state):
            continue
        sid = task.short_id
        if not worktree_present(task.worktree):
            source = _worktree_source(task, state)
            found.append(
                Finding(
                    WORKTREE_MISSING,
                    task.id,
                    project.name,
                    task.worktree,
                    f"task {sid}'s worktree {task.worktree} is gone; it can be {source}",
                    f"orchard doctor --repair {sid}",
                )
            )
        if task.branch not in state.branches:
            found.append(
                Finding(
                    BRANCH_MISSING,
                    task.id,
                    project.name,
                    task.worktree,
                    f"task {sid}'s branch {task.branch} is gone; it can be restored from "
                    + _branch_source(task, state),
                    f"orchard doctor --repair {sid}",
                )
            )
    recorded = {os.path.realpath(t.worktree) for t in tasks}
    for path, branch in state.worktrees.items():
        if branch.startswith(_ORCHARD_BRANCHES) and path not in recorded:
            found.append(
                _unrecorded(project.name, path, f"on {branch.removeprefix('refs/heads/')}")
            )
    return found


def _worktree_source(task: Task, state: RepoState) -> str:
    if task.id in state.archives:
        return f"restored from its archive ref {_ARCHIVES}{task.id}"
    if task.branch in state.branches:
        return f"recreated from its branch {task.branch} (uncommitted edits are lost)"
    return "recreated from its base commit (its branch is gone too)"


def _branch_source(task: Task, state: RepoState) -> str:
    sources = []
    if worktree_present(task.worktree):
        sources.append("the worktree's last commit")
    if task.id in state.archives:
        sources.append(f"its archive ref {_ARCHIVES}{task.id}")
    return " or ".join(sources) or "its base commit (nothing else is left)"


def _unrecorded(project: str | None, path: str, where: str) -> Finding:
    return Finding(
        WORKTREE_UNRECORDED,
        None,
        project,
        path,
        f"worktree {path} ({where}) belongs to no task Orchard knows; it can be adopted "
        "as an interrupted task, or removed by hand",
        f"orchard doctor --repair {WORKTREE_UNRECORDED}",
    )


def _stray_folders(
    home: Home, tasks: list[Task], listed: set[str], projects: set[str]
) -> list[Finding]:
    """Return folders under home/worktrees that neither a task nor git knows."""
    recorded = {os.path.realpath(t.worktree) for t in tasks}
    found: list[Finding] = []
    for group in _subfolders(home.worktrees):
        for folder in _subfolders(group):
            real = os.path.realpath(folder)
            if real in recorded or real in listed:
                continue
            owner = group.name if group.name in projects else None
            found.append(_unrecorded(owner, str(folder), "not registered with git"))
    return found


def _subfolders(path: Path) -> list[Path]:
    try:
        return sorted(p for p in path.iterdir() if p.is_dir())
    except OSError:
        return []


def _moved(project: Project, tasks: list[Task]) -> Finding:
    return Finding(
        REPO_MOVED,
        None,
        project.name,
        project.path,
        f"project {project.name}'s repository {project.path} is gone (moved or deleted); "
        f"{counted(len(tasks), 'task belongs', 'tasks belong')} to it",
        f"orchard project move {project.name} NEWPATH",
    )


def _index_locks(project: Project, state: RepoState) -> list[Finding]:
    found = []
    for lock in stale_index_locks(project.path, list(state.worktrees)):
        found.append(
            Finding(
                INDEX_LOCK,
                None,
                project.name,
                str(lock),
                f"{lock} was left by a git that crashed (no git process runs there and it is "
                f"over {STALE_LOCK_SECONDS:g} s old); git refuses to commit until it is removed",
                f"orchard doctor --repair {INDEX_LOCK}",
            )
        )
    return found


def stale_index_locks(repo: str, worktrees: list[str], now: float | None = None) -> list[Path]:
    """Return index.lock files of `repo` and its worktrees that no live git can be holding."""
    common = Path(repo) / ".git"
    candidates = [common / "index.lock", *(common / "worktrees").glob("*/index.lock")]
    old = [p for p in candidates if _age(p, now) > STALE_LOCK_SECONDS]
    if not old:
        return []
    roots = [os.path.realpath(repo), *worktrees]
    return [] if _git_running_in(roots) else old


def _age(path: Path, now: float | None) -> float:
    try:
        return (now or time.time()) - path.stat().st_mtime
    except OSError:
        return -1.0


def _git_running_in(roots: list[str]) -> bool:
    """Say whether a live git process works inside any of `roots` (its cwd is there)."""
    prefixes = tuple(r.rstrip("/") + "/" for r in roots)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "git":
                continue
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if (cwd.rstrip("/") + "/").startswith(prefixes):
            return True
    return False
