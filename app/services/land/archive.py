"""Discard and restore: a task's complete final state kept under refs/orchard/archive/<id>.

An archive commit is shaped like a `git stash` entry: its tree holds every file of the
worktree (committed, staged, unstaged and untracked, .gitignore respected), its first parent
is the task branch's head and its second parent, when there was a worktree, a commit of what
was staged. Restoring lays the tree over a fresh worktree and puts the staged state back in
the index, so uncommitted edits come back uncommitted and untracked files untracked.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from app.core.states import LIVE_STATES, TaskState, can_transition, transition
from app.core.task import Task
from app.services.land.followup import comments_to_drop
from app.services.land.followup import drop_comments as drop_comments_of
from app.services.orchard import Orchard, UserError
from app.services.repo import (
    commit_tree,
    dirty_submodules,
    git,
    ignored_paths,
    ignored_tree,
    path_sizes,
    take_snapshot,
    tree_of,
    worktree_present,
    worktrees,
    write_tree_files,
)

ARCHIVE_PREFIX = "refs/orchard/archive/"
MAX_IGNORED_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Archive:
    project: str
    repo: str
    task_id: str
    ref: str
    commit: str
    created_at: float
    title: str | None  # None when the task is no longer in the database

    def to_json(self) -> dict[str, object]:
        """Return the archive as the JSON object the CLI prints."""
        return {
            "project": self.project,
            "task_id": self.task_id,
            "ref": self.ref,
            "commit": self.commit,
            "created_at": self.created_at,
            "title": self.title,
        }


def archive_ref(task_id: str) -> str:
    """Return the ref a task's archive lives under."""
    return ARCHIVE_PREFIX + task_id


async def archive_task(orchard: Orchard, task: Task, force: bool = False) -> str:
    """Record the task's branch and every file of its worktree under its archive ref."""
    repo = orchard.store.project(task.project).path
    head = await branch_head(repo, task.branch)
    has_worktree = worktree_present(task.worktree)
    if head is None and has_worktree:
        head = (await git.git(task.worktree, "rev-parse", "HEAD")).text.strip()
    if head is None:
        raise UserError(f"task {task.short_id} has neither a branch nor a worktree to archive")
    message = _archive_message(task)
    if has_worktree:
        ignored = await ignored_paths(task.worktree)
        # Walking ignored folders (node_modules…) can take a while: once, off the loop.
        sizes = await asyncio.to_thread(path_sizes, task.worktree, ignored)
        await _refuse_unsaved(task, sizes, force)
        snap = await take_snapshot(task.worktree, head, junk=True)
        staged = await commit_tree(repo, snap.index_tree, [head], f"index of {message}")
        parents = [head, staged]
        if ignored and sum(sizes.values()) <= MAX_IGNORED_BYTES:
            tree = await ignored_tree(task.worktree, ignored)
            parents.append(await commit_tree(repo, tree, [], f"ignored files of {message}"))
        commit = await commit_tree(repo, snap.tree, parents, message)
    else:
        commit = await commit_tree(repo, await tree_of(repo, head), [head], message)
    ref = archive_ref(task.id)
    # With a reflog, an older archive of the same task stays recoverable.
    await git.git(repo, "update-ref", "--create-reflog", "-m", "orchard: archive", ref, commit)
    return commit


def _archive_message(task: Task) -> str:
    return (
        f"Orchard archive of task {task.short_id}: {task.title}\n\n"
        f"state: {task.state}\nbranch: {task.branch}\nworktree: {task.worktree}\n"
    )


async def branch_head(repo: str, branch: str) -> str | None:
    """Return the commit local `branch` points at, or None if it is gone."""
    result = await git.git(
        repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False
    )
    return result.text.strip() if result.returncode == 0 else None


async def _refuse_unsaved(task: Task, sizes: dict[str, int], force: bool) -> None:
    """Refuse when the archive could not keep ignored files or dirty submodules (unless forced)."""
    if force:
        return
    sid = task.short_id
    total = sum(sizes.values())
    if total > MAX_IGNORED_BYTES:
        biggest = sorted(sizes, key=lambda p: sizes[p], reverse=True)[:3]
        named = ", ".join(f"{p} ({sizes[p] // (1024 * 1024)} MB)" for p in biggest)
        raise UserError(
            f"task {sid}'s worktree has {total // (1024 * 1024)} MB of ignored files, too many "
            f"to archive (biggest: {named}); they would be deleted. Move them away, or pass "
            "--force to delete them"
        )
    dirty = await dirty_submodules(task.worktree)
    if dirty:
        raise UserError(
            f"task {sid} has uncommitted changes inside "
            f"{'a submodule' if len(dirty) == 1 else 'submodules'} {', '.join(dirty)}, which "
            "the archive cannot keep; commit them there, or pass --force to delete them"
        )


async def remove_checkout(orchard: Orchard, task: Task, archived: str) -> None:
    """Remove the task's worktree and branch, both as recorded in archive commit `archived`."""
    repo = orchard.store.project(task.project).path
    head = (await git.git(repo, "rev-parse", f"{archived}^1")).text.strip()
    await remove_checkout_at(repo, task, head)


async def remove_checkout_at(repo: str, task: Task, head: str) -> None:
    """Remove the task's registered worktree, and its branch if it still points at `head`."""
    wanted = os.path.realpath(task.worktree)
    async with git.worktree_lock(repo):
        known = {os.path.realpath(w.get("worktree", "")) for w in await worktrees(repo)}
        if wanted in known:
            await git.git(
                repo, "worktree", "remove", "--force", "--force", task.worktree, check=False
            )
            if Path(task.worktree).exists():
                shutil.rmtree(task.worktree, ignore_errors=True)
        await git.git(repo, "worktree", "prune", check=False)
        await git.git(repo, "update-ref", "-d", f"refs/heads/{task.branch}", head, check=False)


def _ran(task: Task) -> bool:
    return task.turns > 0 or worktree_present(task.worktree)


def _check_discardable(task: Task) -> None:
    sid = task.short_id
    if task.state in LIVE_STATES:
        raise UserError(f"task {sid} is {task.state}; stop it first (orchard task stop {sid})")
    if task.state is TaskState.MERGED:
        return
    if not can_transition(task.state, TaskState.DISCARDED):
        raise UserError(f"task {sid} is {task.state}; it cannot be discarded")


async def discard_task(
    orchard: Orchard, ref: str, force: bool = False, drop_comments: bool | Collection[int] = False
) -> Task:
    """Archive a task's final state, then remove its worktree and branch.

    A merged task keeps its state: only its leftover worktree and branch go. Unsent review
    comments stop the discard unless `drop_comments` says to go on (see land_task).
    """
    task = orchard.task(ref)
    _check_discardable(task)
    unsent = comments_to_drop(orchard, task, drop_comments, "discard")
    repo = orchard.store.project(task.project).path
    queued_ran = task.state is TaskState.QUEUED and _ran(task)
    archived_as = TaskState.STOPPED if queued_ran else task.state
    if (task.state is not TaskState.QUEUED or queued_ran) and (
        worktree_present(task.worktree) or await branch_head(repo, task.branch)
    ):
        commit = await archive_task(orchard, task, force)
        latest = orchard.task(task.id)  # a follow-up may have queued or started it meanwhile
        if latest.state is not task.state or latest.turns != task.turns:
            raise UserError(
                f"task {task.short_id} changed to {latest.state} while discarding; nothing removed"
            )
        await remove_checkout(orchard, task, commit)
    drop_comments_of(orchard, unsent)
    if task.state is TaskState.MERGED:
        return orchard.store.update(task.id, last_event="worktree and branch cleaned up")
    latest = orchard.task(task.id)
    _check_discardable(latest)
    return orchard.store.update(
        task.id,
        state=transition(latest.state, TaskState.DISCARDED),
        archived_state=archived_as.value,
        finished_at=task.finished_at or time.time(),
    )


async def archive_commit(repo: str, task_id: str) -> str | None:
    """Return the archive commit of a task, or None if it has none."""
    return await _ref_commit(repo, archive_ref(task_id))


async def archived_changes(repo: str, commit: str) -> list[str]:
    """Return the files an archive holds beyond its branch head (uncommitted or untracked)."""
    out = await git.git(repo, "diff", "--name-only", "-z", "--no-renames", f"{commit}^1", commit)
    return [p for p in out.text.split("\0") if p]


async def _ref_commit(repo: str, ref: str) -> str | None:
    result = await git.git(repo, "rev-parse", "--verify", "--quiet", ref, check=False)
    return result.text.strip() if result.returncode == 0 else None


async def restore_task(orchard: Orchard, ref: str) -> Task:
    """Bring a discarded task's branch and worktree back, uncommitted work included."""
    task = orchard.task(ref)
    if task.state is not TaskState.DISCARDED:
        raise UserError(f"task {task.short_id} is {task.state}, not discarded; nothing to restore")
    back_to = _restored_state(task)
    repo = orchard.store.project(task.project).path
    commit = await archive_commit(repo, task.id)
    if commit is None:
        raise UserError(f"task {task.short_id} has no archive in {repo} (purged?); cannot restore")
    if await branch_head(repo, task.branch):
        raise UserError(f"branch {task.branch} exists already; rename or delete it, then restore")
    if Path(task.worktree).exists():
        raise UserError(f"{task.worktree} exists already; move it away, then restore")
    await _rebuild(repo, task, commit)
    return orchard.store.update(task.id, state=back_to, archived_state=None)


def _restored_state(task: Task) -> TaskState:
    try:
        before = TaskState(task.archived_state or "")
    except ValueError:
        before = TaskState.STOPPED
    if before is TaskState.QUEUED:
        raise UserError(
            f"task {task.short_id} was discarded before it started; there is nothing to restore"
        )
    return before if can_transition(TaskState.DISCARDED, before) else TaskState.STOPPED


async def _rebuild(repo: str, task: Task, commit: str) -> None:
    parents = (await git.git(repo, "rev-list", "--parents", "-n", "1", commit)).text.split()[1:]
    head, staged = parents[0], (parents[1] if len(parents) > 1 else parents[0])
    await git.add_worktree(repo, task.worktree, task.branch, head)
    try:
        # Lay every archived file over the checkout, then put back what was staged: the rest
        # shows as unstaged edits, and files the archive has beyond the index as untracked.
        await git.git(task.worktree, "read-tree", "-m", "-u", head, commit)
        await git.git(task.worktree, "read-tree", f"{staged}^{{tree}}")
        if len(parents) > 2:  # the ignored files (.env, build output…)
            await write_tree_files(task.worktree, f"{parents[2]}^{{tree}}")
        await git.git(task.worktree, "update-index", "-q", "--refresh", check=False)
    except BaseException:
        await remove_checkout_at(repo, task, head)
        raise


async def list_archives(orchard: Orchard) -> list[Archive]:
    """Return every project's task archives, newest first."""
    found: list[Archive] = []
    for project in orchard.store.projects():
        if not Path(project.path).is_dir():
            continue
        out = await git.git(
            project.path,
            "for-each-ref",
            "--format=%(refname)%00%(objectname)%00%(committerdate:unix)",
            ARCHIVE_PREFIX,
            check=False,
        )
        for line in out.text.splitlines():
            name, commit, when = line.split("\0")
            task_id = name.removeprefix(ARCHIVE_PREFIX)
            found.append(
                Archive(
                    project.name,
                    project.path,
                    task_id,
                    name,
                    commit,
                    float(when),
                    _title(orchard, task_id),
                )
            )
    return sorted(found, key=lambda a: a.created_at, reverse=True)


def _title(orchard: Orchard, task_id: str) -> str | None:
    try:
        return orchard.task(task_id).title
    except UserError:
        return None


async def purge_archives(
    orchard: Orchard, keep: int | None = None, older_than_days: float | None = None
) -> list[Archive]:
    """Delete archives beyond the newest `keep` or older than the age given, oldest first."""
    if keep is None and older_than_days is None:
        raise UserError("say which archives to purge: --keep N or --older-than DAYS")
    if (keep is not None and keep < 0) or (older_than_days is not None and older_than_days < 0):
        raise UserError("--keep and --older-than must not be negative")
    archives = await list_archives(orchard)  # newest first
    doomed = set(range(keep, len(archives))) if keep is not None else set()
    if older_than_days is not None:
        cutoff = time.time() - older_than_days * 86400
        doomed |= {i for i, a in enumerate(archives) if a.created_at < cutoff}
    purged = [archives[i] for i in sorted(doomed, reverse=True)]
    for archive in purged:
        await git.git(archive.repo, "update-ref", "-d", archive.ref, archive.commit)
    return purged
