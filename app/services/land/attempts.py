"""Best-of-N's code: what each attempt changed, a file as each has it, one against another.

Each attempt is snapshotted as its review is (its whole worktree written to a tree), so the
compare view and the review always describe the same state. File texts come through the
repository's persistent blob reader: three attempts' versions of a file cost one round trip.
"""

from __future__ import annotations

import asyncio

from app.core.compare import AttemptChanges, FileVersions, GroupChanges, Scoreboard
from app.core.diff import (
    FileDiff,
    FileEntry,
    FileStatus,
    ReviewSnapshot,
    parse_raw_numstat_z,
    raw_object_ids,
)
from app.core.states import CLOSED_STATES
from app.core.task import Task
from app.services.land.compare import group_tasks, load_scoreboard
from app.services.land.review import file_diff, object_sizes, review_task
from app.services.orchard import Orchard, UserError
from app.services.repo import GitError, git

BASE = "base"  # names the group's base where an attempt's id could be given


async def group_changes(orchard: Orchard, ref: str) -> GroupChanges:
    """Return what each attempt of the group `ref` names changed, attempts in launch order."""
    group, tasks = group_tasks(orchard, ref)
    repo = orchard.store.project(tasks[0].project).path
    snapshots = await asyncio.gather(*(_snapshot_or_none(repo, t) for t in tasks))
    attempts = tuple(
        AttemptChanges(t.id, n, snap)
        for n, (t, snap) in enumerate(zip(tasks, snapshots, strict=True), 1)
    )
    return GroupChanges(group, attempts)


async def open_group(orchard: Orchard, ref: str) -> tuple[Scoreboard, GroupChanges]:
    """Return a group's scoreboard and each attempt's changes, every worktree read once."""
    changes = await group_changes(orchard, ref)
    known = {
        a.task_id: (s.tree, len(s.files), *_totals(s))
        for a in changes.attempts
        if (s := a.snapshot) and not s.worktree_missing
    }
    return await load_scoreboard(orchard, ref, known=known), changes


def _totals(snapshot: ReviewSnapshot) -> tuple[int, int]:
    return sum(f.insertions for f in snapshot.files), sum(f.deletions for f in snapshot.files)


async def _snapshot_or_none(repo: str, task: Task) -> ReviewSnapshot | None:
    if task.state in CLOSED_STATES:
        return None
    try:
        return await review_task(repo, task)
    except GitError:
        return None


async def file_versions(orchard: Orchard, changes: GroupChanges, path: str) -> FileVersions:
    """Return `path` as the base and each attempt of `changes` have it."""
    repo, base = _repo_and_base(orchard, changes)
    live = [a for a in changes.attempts if a.snapshot]
    names = [f"{base}:{path}", *(f"{a.snapshot.tree}:{path}" for a in live if a.snapshot)]
    blobs = await orchard.blobs.of(repo).read_many(names)
    texts: list[str | None] = []
    binary: set[str] = set()
    for owner, blob in zip([BASE, *(a.task_id for a in live)], blobs, strict=True):
        if blob is not None and b"\0" in blob[:8000]:
            binary.add(owner)
            blob = None
        texts.append(None if blob is None else blob.decode("utf-8", "replace"))
    by_task = dict(zip((a.task_id for a in live), texts[1:], strict=True))
    attempts = {a.task_id: by_task.get(a.task_id) for a in changes.attempts}
    return FileVersions(path, texts[0], attempts, frozenset(binary))


async def attempts_diff(
    orchard: Orchard, changes: GroupChanges, path: str, left: str, right: str
) -> FileDiff:
    """Return the rows of `path` from `left` to `right` (each an attempt's id, or "base")."""
    repo, base = _repo_and_base(orchard, changes)
    old, new = _tree_of(changes, left, base), _tree_of(changes, right, base)
    snapshot = ReviewSnapshot(repo, old, new)
    try:
        return await file_diff(snapshot, await _entry(snapshot, path))
    except GitError as exc:
        raise UserError(f"git could not compare the attempts' {path}: {exc}") from None


async def _entry(snapshot: ReviewSnapshot, path: str) -> FileEntry:
    """Return what `path` is from the snapshot's base to its tree (unchanged: modified, 0 rows)."""
    raw = await git.git(
        snapshot.repo, "--literal-pathspecs", "diff", "--no-color", "--no-ext-diff",
        "--no-textconv", "--no-relative", "--no-renames", "-z", "--raw", "--no-abbrev",
        "--numstat", snapshot.base, snapshot.tree, "--", path,
    )  # fmt: skip
    text = raw.stdout.decode("utf-8", "surrogateescape")
    files = parse_raw_numstat_z(text, await object_sizes(snapshot.repo, raw_object_ids(text)))
    return files[0] if files else FileEntry(path, FileStatus.MODIFIED)


def _repo_and_base(orchard: Orchard, changes: GroupChanges) -> tuple[str, str]:
    live = [a.snapshot for a in changes.attempts if a.snapshot]
    if not live:
        raise UserError("no attempt of this group has work left to compare")
    task = orchard.task(changes.attempts[0].task_id)
    return orchard.store.project(task.project).path, live[0].base


def _tree_of(changes: GroupChanges, who: str, base: str) -> str:
    if who == BASE:
        return base
    for attempt in changes.attempts:
        if attempt.task_id == who or f"#{attempt.number}" == who:
            if attempt.snapshot is None:
                raise UserError(f"attempt #{attempt.number} has no work left to compare")
            return attempt.snapshot.tree
    raise UserError(f"'{who}' is not an attempt of this group")
