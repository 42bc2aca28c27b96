"""Combine a best-of-N group's attempts: chosen files and hunks of several, as one new task.

Everything is checked before anything is made: each take's attempt is of the group and has
ended, the attempts start from one base, each path is one the attempt changed (as the review
shows it: its worktree, uncommitted work included), each hunk exists, and no two attempts'
takes collide. Then a new task of the group gets its own branch and worktree from that base,
the chosen hunks are applied there (git's own patches, -U3, as the review numbers them) and
committed, and the task is recorded as ready for review. A failure on the way removes what was
made: no half-made branch, worktree or task is left behind.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from app.core.combine import (
    FilePatch,
    combined_title,
    find_overlap,
    split_patch,
    takes_text,
    without_repeats,
)
from app.core.compare import Combined as Combined
from app.core.compare import Take as Take
from app.core.events import EventKind, make_event
from app.core.states import CLOSED_STATES, LIVE_STATES, TaskState
from app.core.task import Project, Task
from app.services.land.compare import group_tasks
from app.services.land.followup import relative_path
from app.services.land.review import review_base, snapshot_tree
from app.services.orchard import Orchard, UserError
from app.services.repo import git
from app.services.store import TaskLogWriter

# Git's plain patch whatever the user's config says; binary files whole, renames as the
# review shows them refused before any patch is made.
_PLAIN = (
    "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative", "-U3",
    "--src-prefix=a/", "--dst-prefix=b/", "--no-renames", "--binary",
)  # fmt: skip

Changes = dict[str, tuple[str, str]]  # path -> (git's status letter, "old → new" for a rename)


async def combine_attempts(
    orchard: Orchard, group_ref: str, takes: Sequence[Take], title: str | None = None
) -> Combined:
    """Make a new task of the group holding exactly `takes`; refuse before making anything."""
    if not takes:
        raise UserError("choose at least one part to take (ID:PATH or ID:PATH:HUNK)")
    group, attempts = group_tasks(orchard, group_ref)
    if group is None:
        raise UserError(
            f"task {attempts[0].short_id} is a single attempt, not part of a best-of-N group; "
            "there is nothing to combine it with"
        )
    chosen = without_repeats(_resolve(orchard, attempts, takes))
    sources = {t.id: t for t in attempts if any(c.task == t.id for c in chosen)}
    project = orchard.store.project(attempts[0].project)
    base = await _common_base(project.path, chosen, sources)
    patches = await _patches(project.path, base, chosen, sources)
    overlap = find_overlap(chosen, patches)
    if overlap is not None:
        raise UserError(f"{overlap[0].label()} overlaps {overlap[1].label()}; nothing was made")
    name = " ".join((title or "").split()) or combined_title(
        attempts[0].title, (c.attempt for c in chosen)
    )
    return await _make(orchard, project, attempts[0], base, name, chosen, patches)


# checking


def _resolve(orchard: Orchard, attempts: list[Task], takes: Sequence[Take]) -> list[Take]:
    """Return the takes with their attempts' full ids and numbers; refuse an outsider."""
    numbers = {t.id: n for n, t in enumerate(attempts, 1)}
    resolved = []
    for take in takes:
        task = orchard.task(take.task)
        if task.id not in numbers:
            raise UserError(
                f"task {task.short_id} is not an attempt of group {attempts[0].group}; "
                "take parts only of the group's attempts (see `orchard task compare`)"
            )
        _check_state(task, numbers[task.id])
        if take.hunk is not None and take.hunk < 1:
            raise UserError(f"hunks are numbered from 1, not {take.hunk}")
        path = relative_path(take.path)
        resolved.append(Take(task.id, path, take.hunk, numbers[task.id]))
    return resolved


def _check_state(task: Task, number: int) -> None:
    who = f"attempt #{number} ({task.short_id})"
    if task.state in LIVE_STATES or task.state is TaskState.QUEUED:
        raise UserError(f"{who} is {task.state}; wait for it to finish before combining it")
    if task.state in CLOSED_STATES:
        raise UserError(f"{who} is {task.state}; its change can no longer be taken")


async def _common_base(repo: str, takes: list[Take], sources: dict[str, Task]) -> str:
    """Return the base the attempts' reviews share; refuse attempts that start apart."""
    bases = {task_id: await review_base(repo, task) for task_id, task in sources.items()}
    numbers = {t.task: t.attempt for t in takes}
    first, *others = sorted(bases, key=numbers.__getitem__)
    for other in others:
        if bases[other] != bases[first]:
            raise UserError(
                f"attempts #{numbers[first]} and #{numbers[other]} start from different "
                f"commits ({bases[first][:10]} and {bases[other][:10]}); "
                "only attempts on one base can be combined"
            )
    return bases[first]


async def _patches(
    repo: str, base: str, takes: list[Take], sources: dict[str, Task]
) -> dict[tuple[str, str], FilePatch]:
    """Return each taken (attempt, path)'s patch against `base`; refuse a take that is not."""
    trees: dict[str, tuple[str, Changes]] = {}
    for task_id, task in sources.items():
        _, tree, _ = await snapshot_tree(task.worktree, repo=repo, branch=task.branch)
        trees[task_id] = tree, await _changes(repo, base, tree)
    patches: dict[tuple[str, str], FilePatch] = {}
    for take in takes:
        tree, changes = trees[take.task]
        key = _key(take)
        if key not in patches:
            _check_path(take, changes)
            text = await _git(repo, *_PLAIN, base, tree, "--", take.path)
            patches[key] = split_patch(text)
        _check_hunk(take, patches[key])
    return patches


async def _changes(repo: str, base: str, tree: str) -> Changes:
    """Return the paths changed from `base` to `tree` as the review lists them (renames found)."""
    raw = await _git(repo, "diff", "--no-color", "--no-relative", "-M", "--name-status", "-z",
                     base, tree)  # fmt: skip
    fields = raw.split("\0")
    changes: Changes = {}
    i = 0
    while i + 1 < len(fields):
        status = fields[i][:1]
        if status in "RC" and i + 2 < len(fields):
            old, new = fields[i + 1], fields[i + 2]
            changes[old] = changes[new] = (status, f"{old} → {new}")
            i += 3
        else:
            changes[fields[i + 1]] = (status, "")
            i += 2
    return changes


def _check_path(take: Take, changes: Changes) -> None:
    who = f"attempt #{take.attempt} ({take.task[:8]})"
    found = changes.get(take.path)
    if found is None:
        if any(p.startswith(take.path.rstrip("/") + "/") for p in changes):
            raise UserError(f"{take.path} is a folder; take one file at a time")
        raise UserError(f"{who} did not change {take.path}; nothing to take")
    status, rename = found
    if status in "RC":
        raise UserError(
            f"{take.path} is part of a rename in {who} ({rename}); "
            "a combine cannot take a renamed file"
        )


def _check_hunk(take: Take, patch: FilePatch) -> None:
    if take.hunk is None or take.hunk <= len(patch.hunks):
        return
    who = f"attempt #{take.attempt} ({take.task[:8]})"
    if not patch.hunks:
        raise UserError(
            f"{take.path} has no hunks in {who} (a binary file or a mode change); "
            f"take it whole as {take.task[:8]}:{take.path}"
        )
    count = f"{len(patch.hunks)} hunk" + ("" if len(patch.hunks) == 1 else "s")
    raise UserError(f"{take.path} has {count} in {who}; no hunk {take.hunk}")


# making


async def _make(
    orchard: Orchard,
    project: Project,
    first: Task,
    base: str,
    title: str,
    takes: list[Take],
    patches: dict[tuple[str, str], FilePatch],
) -> Combined:
    """Make the task, its branch and worktree, apply and commit the takes; or leave nothing."""
    listed = takes_text(takes)
    prompt = f"{first.prompt.rstrip()}\n\nCombined by Orchard from its attempts' parts:\n{listed}"
    draft = await orchard.draft_task(
        project, prompt, first.agent, title, first.base_ref, base, first.group
    )
    logs = orchard.home.logs / draft.id
    try:
        await git.add_worktree(project.path, draft.worktree, draft.branch, base)
        for key, hunks in _by_file(takes).items():
            await _apply(draft, patches[key].select(hunks), [t for t in takes if _key(t) == key])
        commit = await _commit(draft, f"{title}\n\nTaken from the attempts:\n{listed}")
        task = await _finish(draft, base, commit)
        _log(logs, takes, commit)
        orchard.store.add_tasks([task])
    except BaseException as exc:
        await git.remove_worktree(project.path, draft.worktree, draft.branch)
        shutil.rmtree(logs, ignore_errors=True)
        if isinstance(exc, git.GitError | OSError):
            raise UserError(f"could not make the combined task: {exc}; nothing was made") from exc
        raise
    return Combined(task, tuple(takes), commit)


def _by_file(takes: list[Take]) -> dict[tuple[str, str], list[int] | None]:
    """Group the takes by (attempt, path): the hunks to apply, or None for the whole file."""
    files: dict[tuple[str, str], list[int] | None] = {}
    for take in takes:
        key = _key(take)
        if take.hunk is None:
            files[key] = None
        else:
            hunks = files.setdefault(key, [])
            if hunks is not None:
                hunks.append(take.hunk)
    return files


def _key(take: Take) -> tuple[str, str]:
    return take.task, take.path


async def _apply(task: Task, patch: str, takes: list[Take]) -> None:
    result = await git.git(
        task.worktree, "apply", "--index", "--whitespace=nowarn", "-", env=_literal(), check=False,
        stdin=patch.encode("utf-8", "surrogateescape"),
    )  # fmt: skip
    if result.returncode != 0:
        why = (result.error_text.splitlines() or ["git refused"])[0]
        what = ", ".join(t.label() for t in takes)
        raise UserError(f"cannot apply {what}: {why}; nothing was made")


async def _commit(task: Task, message: str) -> str:
    env = await git.identity_env(task.worktree)
    await git.git(task.worktree, "commit", "--quiet", "--no-verify", "--allow-empty", "-F", "-",
                  env=env, stdin=message.encode())  # fmt: skip
    return (await git.git(task.worktree, "rev-parse", "HEAD")).text.strip()


async def _finish(draft: Task, base: str, commit: str) -> Task:
    """Return the draft as a task whose one turn Orchard did: ended, ready for review."""
    stat = await git.diff_stat(draft.worktree, base)
    now = time.time()
    return replace(
        draft,
        state=TaskState.SUCCEEDED,
        started_at=draft.created_at,
        finished_at=now,
        exit_code=0,
        files_changed=stat.files_changed,
        insertions=stat.insertions,
        deletions=stat.deletions,
        turns=1,
        last_event=f"combined {commit[:10]}",
    )


def _log(folder: Path, takes: list[Take], commit: str) -> None:
    """Open the task's log with what it was made of, as a run's log opens with its worktree."""
    writer = TaskLogWriter(folder)
    try:
        lines = [f"Orchard combined the group's attempts in {commit[:10]}:"]
        lines += [f"  {t.label()}" for t in takes]
        writer.write_events([make_event(EventKind.STATUS, "\n".join(lines))])
    finally:
        writer.close()


async def _git(repo: str, *args: str) -> str:
    result = await git.git(repo, *args, env=_literal())
    # surrogateescape: a path that is not UTF-8 still names the same file when passed back
    return result.stdout.decode("utf-8", "surrogateescape")


def _literal() -> dict[str, str]:
    return git.git_env({"GIT_LITERAL_PATHSPECS": "1"})
