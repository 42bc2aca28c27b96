"""Putting things back: tasks rebuilt from git and logs, and the repairs `orchard doctor` offers.

Every repair adds or restores; none deletes work. The one file removed (a stale index.lock)
holds no work: it is git's half-written index from a git that crashed.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from app.core.findings import (
    INDEX_LOCK,
    WORKTREE_MISSING,
    WORKTREE_UNRECORDED,
    Finding,
)
from app.core.findings import REPAIRABLE as REPAIRABLE
from app.core.findings import StartUp as StartUp
from app.core.naming import short_id
from app.core.states import TaskState
from app.core.task import Project, Task
from app.services.land import archive_commit, branch_head
from app.services.orchard import Orchard, UserError
from app.services.recovery.reconciliation import reconcile, repo_state, stale_index_locks
from app.services.repo import git, worktree_present, write_tree_files
from app.services.tasks import CARD

_PROMPT_MARK = "\n\nOrchard task prompt:\n\n"
_TITLE_SUFFIX = re.compile(r" \((stopped|follow-up \d+)\)$")
_SESSION = re.compile(rb'"session_id":\s*"([^"]+)"')
_SESSION_SCAN = 256 * 1024
REBUILT_NOTE = (
    "rebuilt from its worktree, branch and log after the database was found damaged; "
    "its prompt and agent may be approximate"
)


async def start_up(orchard: Orchard, reap: bool = True) -> StartUp:
    """Rebuild a damaged database if one was set aside, then reconcile with git."""
    out = StartUp(orchard.store_damage, orchard.recovered_from)
    if orchard.recovered_from is not None and not orchard.rebuilt:
        out.rebuilt = await rebuild(orchard)
        orchard.rebuilt = True
        orchard.rebuild_marker.unlink(missing_ok=True)
    if reap:
        out.findings = await reconcile(orchard)
    return out


# the database, rebuilt


async def rebuild(orchard: Orchard) -> list[Task]:
    """Record a task for every orchard worktree and branch found, and their projects."""
    logs = _log_folders(orchard.home.logs)
    repos: dict[str, str] = {}  # project name -> repository
    for group in _folders(orchard.home.worktrees):
        for folder in _folders(group):
            repo = await checkout_repo(str(folder))
            if repo is not None:
                repos.setdefault(group.name, repo)
    tasks: list[Task] = []
    for name, repo in repos.items():
        project = await _ensure_project(orchard, name, repo)
        tasks += await _project_tasks(orchard, project, logs)
    orchard.store.add_tasks(tasks)
    return tasks


async def adopt(orchard: Orchard, path: str) -> Task:
    """Record an orchard worktree no task knows as an interrupted task of its project."""
    repo = await checkout_repo(path)
    if repo is None:
        raise UserError(f"{path} is not a git worktree; move it away or delete it by hand")
    project = next((p for p in orchard.store.projects() if _same(p.path, repo)), None)
    if project is None:
        raise UserError(f"{path} belongs to {repo}, which is no project; add it first")
    branch = (await git.git(path, "symbolic-ref", "--quiet", "--short", "HEAD")).text.strip()
    logs = _log_folders(orchard.home.logs)
    task = await _recovered(orchard, project, branch, path, logs, await _tips(repo))
    orchard.store.add_tasks([task])
    return task


async def checkout_repo(path: str) -> str | None:
    """Return the repository a worktree belongs to, or None if it is not one (any more)."""
    if not worktree_present(path):
        return None
    out = await git.git(
        path, "rev-parse", "--path-format=absolute", "--git-common-dir", check=False
    )
    common = Path(out.text.strip())
    if out.returncode != 0 or common.name != ".git":
        return None
    return str(common.parent)


async def _ensure_project(orchard: Orchard, name: str, repo: str) -> Project:
    for known in orchard.store.projects():
        if known.name == name:
            return known
    branch = await git.git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    project = Project(name, repo, branch.text.strip() or "main", None, None)
    orchard.store.add_project(project)
    return project


async def _project_tasks(orchard: Orchard, project: Project, logs: dict[str, str]) -> list[Task]:
    listing = await git.git(project.path, "worktree", "list", "--porcelain", "-z")
    checkouts = _branch_checkouts(listing.text)
    tips = await _tips(project.path)
    known = {t.branch for t in orchard.store.tasks(project=project.name)}
    tasks = []
    for branch in sorted(tips):
        if branch in known:
            continue
        path = checkouts.get(branch) or str(
            orchard.home.worktrees / project.name / branch.removeprefix("orchard/")
        )
        tasks.append(await _recovered(orchard, project, branch, path, logs, tips))
    return tasks


async def _tips(repo: str) -> dict[str, tuple[str, str]]:
    """Return every orchard/* branch with its tip commit and that commit's message."""
    out = await git.git(
        repo,
        "for-each-ref",
        "--format=%(refname:short)%00%(objectname)%00%(contents)%00",
        "refs/heads/orchard/",
    )
    parts = out.text.split("\0")
    return {parts[i].strip(): (parts[i + 1], parts[i + 2]) for i in range(0, len(parts) - 2, 3)}


def _branch_checkouts(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    path = ""
    for entry in text.split("\0"):
        if entry.startswith("worktree "):
            path = entry[len("worktree ") :]
        elif entry.startswith("branch refs/heads/"):
            out[entry[len("branch refs/heads/") :]] = path
    return out


async def _recovered(
    orchard: Orchard,
    project: Project,
    branch: str,
    path: str,
    logs: dict[str, str],
    tips: dict[str, tuple[str, str]],
) -> Task:
    rest = branch.removeprefix("orchard/")
    sid = rest[:8]
    task_id = logs.get(sid) or sid + uuid.uuid4().hex[8:]
    tip, message = tips.get(branch, ("", ""))
    base = await _merge_base(project, tip) if tip else ""
    title, prompt = _title_and_prompt(message if tip != base else "", rest[9:])
    log = orchard.home.logs / task_id
    when = log.stat().st_mtime if log.is_dir() else time.time()
    task = Task(
        id=task_id,
        project=project.name,
        title=title,
        prompt=prompt,
        agent=_agent(orchard),
        state=TaskState.INTERRUPTED,
        branch=branch,
        worktree=path,
        base_ref=project.base,
        base_commit=base or tip,
        created_at=when,
        started_at=when,
        finished_at=when,
        error=REBUILT_NOTE,
        session_id=_session(log / "events.jsonl"),
        turns=1,
    )
    card = _card(log / CARD)
    if card.get("id") != task_id or card.get("branch") != branch:
        return task
    exact = replace(task, error=REBUILT_NOTE.split(";")[0], worktree=path, project=project.name)
    return replace(exact, **{k: v for k, v in card.items() if k in _CARD_KEPT})


_CARD_KEPT = ("title", "prompt", "agent", "base_ref", "base_commit", "created_at", "group")


def _card(path: Path) -> dict[str, Any]:
    try:
        value = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


async def _merge_base(project: Project, tip: str) -> str:
    out = await git.git(project.path, "merge-base", tip, project.base, check=False)
    return out.text.strip() if out.returncode == 0 else ""


def _title_and_prompt(message: str, slug: str) -> tuple[str, str]:
    """Read a task's title and prompt back from the message Orchard committed its turn with."""
    subject, _, _ = message.partition("\n")
    if _PROMPT_MARK in message:
        title = _TITLE_SUFFIX.sub("", subject.strip())
        return title, message.split(_PROMPT_MARK, 1)[1].strip()
    if subject.strip():
        title = _TITLE_SUFFIX.sub("", subject.strip())
        return title, title
    title = slug.replace("-", " ").strip() or "recovered task"
    return title, title


def _agent(orchard: Orchard) -> str:
    profiles = orchard.settings.profiles
    return "codex" if "codex" in profiles or not profiles else sorted(profiles)[0]


def _session(events: Path) -> str | None:
    try:
        with events.open("rb") as f:
            head = f.read(_SESSION_SCAN)
    except OSError:
        return None
    found = _SESSION.search(head)
    return found.group(1).decode() if found else None


def _log_folders(logs: Path) -> dict[str, str]:
    return {short_id(p.name): p.name for p in _folders(logs)}


def _folders(path: Path) -> list[Path]:
    try:
        return sorted(p for p in path.iterdir() if p.is_dir())
    except OSError:
        return []


def _same(a: str, b: str) -> bool:
    return Path(a).resolve() == Path(b).resolve()


# repairs


async def repair(orchard: Orchard, finding: Finding) -> str:
    """Apply the safe repair for one finding and say what it did; UserError if there is none."""
    if finding.kind == INDEX_LOCK:
        return await _remove_index_lock(orchard, finding)
    if finding.kind == WORKTREE_UNRECORDED:
        assert finding.path is not None
        task = await adopt(orchard, finding.path)
        return f"adopted {finding.path} as task {task.short_id} (interrupted)"
    if finding.task_id is None or finding.kind not in REPAIRABLE:
        raise UserError(f"{finding.kind} needs your decision: {finding.repair}")
    task = orchard.task(finding.task_id)
    if finding.kind == WORKTREE_MISSING:
        return await restore_worktree(orchard, task)
    return await restore_branch(orchard, task)


async def _remove_index_lock(orchard: Orchard, finding: Finding) -> str:
    assert finding.path is not None and finding.project is not None
    repo = orchard.store.project(finding.project).path
    state = await repo_state(repo)
    lock = Path(finding.path)
    if state is None or lock not in stale_index_locks(repo, list(state.worktrees)):
        raise UserError(f"{lock} is gone or in use again; nothing removed")
    lock.unlink()
    return f"removed the stale {lock}"


async def restore_worktree(orchard: Orchard, task: Task) -> str:
    """Bring back a worktree deleted by hand: from its archive, its branch, or its last commit."""
    if worktree_present(task.worktree):
        return f"task {task.short_id}'s worktree is there already"
    folder = Path(task.worktree)
    if folder.exists() and any(folder.iterdir()):
        raise UserError(f"{folder} exists but is no worktree; move it away, then repair")
    repo = orchard.store.project(task.project).path
    last = _admin_last_head(repo, task.worktree)
    await git.git(repo, "worktree", "prune")
    head = await branch_head(repo, task.branch)
    archived = await archive_commit(repo, task.id)
    archived_head = await _parent(repo, archived) if archived else None
    if head is None:
        head = last or archived_head or task.base_commit
        await git.add_worktree(repo, task.worktree, task.branch, head)
    else:
        await git.git(repo, "worktree", "add", "--quiet", task.worktree, task.branch)
    if archived and archived_head == head:
        await _lay_archive(task.worktree, repo, archived)
        return f"restored task {task.short_id}'s worktree from {archived[:10]} (its archive)"
    return f"recreated task {task.short_id}'s worktree on {task.branch} at {head[:10]}"


async def restore_branch(orchard: Orchard, task: Task) -> str:
    """Recreate a task branch deleted by hand at the worktree's last commit or its archive."""
    repo = orchard.store.project(task.project).path
    if await branch_head(repo, task.branch):
        return f"branch {task.branch} is there already"
    head = _checkout_last_head(task.worktree)
    source = "the worktree's last commit"
    if head is None and (archived := await archive_commit(repo, task.id)):
        head, source = await _parent(repo, archived), "its archive"
    if head is None:
        head, source = task.base_commit, "its base commit"
    await git.git(repo, "update-ref", f"refs/heads/{task.branch}", head, "")
    return f"restored branch {task.branch} at {head[:10]} from {source}"


async def _parent(repo: str, commit: str) -> str:
    return (await git.git(repo, "rev-parse", f"{commit}^1")).text.strip()


async def _lay_archive(worktree: str, repo: str, commit: str) -> None:
    """Lay an archive's files over a checkout of its head, staged state and ignored files too."""
    parents = (await git.git(repo, "rev-list", "--parents", "-n", "1", commit)).text.split()[1:]
    head, staged = parents[0], (parents[1] if len(parents) > 1 else parents[0])
    await git.git(worktree, "read-tree", "-m", "-u", head, commit)
    await git.git(worktree, "read-tree", f"{staged}^{{tree}}")
    if len(parents) > 2:
        await write_tree_files(worktree, f"{parents[2]}^{{tree}}")
    await git.git(worktree, "update-index", "-q", "--refresh", check=False)


def _checkout_last_head(worktree: str) -> str | None:
    """Return the commit a worktree's HEAD last pointed at, from its reflog."""
    try:
        pointer = (Path(worktree) / ".git").read_text().strip()
    except OSError:
        return None
    if not pointer.startswith("gitdir: "):
        return None
    return _last_reflog(Path(pointer.removeprefix("gitdir: ")) / "logs" / "HEAD")


def _admin_last_head(repo: str, worktree: str) -> str | None:
    """Return the last HEAD of a deleted worktree from the admin folder git still keeps."""
    wanted = str(Path(worktree) / ".git")
    for admin in (Path(repo) / ".git" / "worktrees").glob("*"):
        try:
            if (admin / "gitdir").read_text().strip() == wanted:
                return _last_reflog(admin / "logs" / "HEAD")
        except OSError:
            continue
    return None


def _last_reflog(path: Path) -> str | None:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    fields = lines[-1].split() if lines else []
    return fields[1] if len(fields) > 1 and set(fields[1]) != {"0"} else None
