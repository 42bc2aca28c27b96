"""What a task's review shows: a frozen snapshot of its changes, and each file's rows.

The snapshot writes the worktree (committed, staged, unstaged and untracked work alike) to a
tree object once, through a scratch index; every later query is a fast tree-to-tree diff that
never stats the worktree, so the list and the rows always describe the same state.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from app.core.diff import (
    FileDiff,
    FileEntry,
    parse_file_patch,
    parse_raw_numstat_z,
    placeholder_for,
    raw_object_ids,
)
from app.core.diff import ReviewSnapshot as ReviewSnapshot
from app.core.task import Task
from app.services.config import write_atomically
from app.services.repo import GitError, git, worktree_present, worktree_tree

# Whatever the user's configuration says, git prints plain, parseable, repository-relative diffs.
_DIFF = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative", "-M")
# Patches longer than this are parsed in a worker thread rather than on the event loop.
PARSE_IN_THREAD = 256 * 1024


async def review_base(repo: str, task: Task) -> str:
    """Return the merge-base of the task's branch and its base ref (else its base commit)."""
    result = await git.git(repo, "merge-base", "--", task.branch, task.base_ref, check=False)
    found = result.text.strip()
    return found if result.returncode == 0 and found else task.base_commit


async def review_task(
    repo: str, task: Task, *, ignore_whitespace: bool = False, counts: bool = True
) -> ReviewSnapshot:
    """Snapshot and list everything `task` changed, uncommitted and untracked work included."""
    base = await review_base(repo, task)
    return await changed_files(
        task.worktree,
        base,
        ignore_whitespace=ignore_whitespace,
        repo=repo,
        branch=task.branch,
        counts=counts,
    )


async def snapshot_tree(
    worktree: str, *, repo: str | None = None, branch: str | None = None
) -> tuple[str, str, bool]:
    """Write the worktree's whole state to a tree; return (where git runs, tree, worktree gone)."""
    if worktree_present(worktree):  # a folder without .git would send git to an outer repo
        return worktree, await worktree_tree(worktree), False
    if repo is None or branch is None:
        raise GitError(f"the worktree folder is gone: {worktree}")
    result = await git.git(
        repo, "rev-parse", "--verify", "--quiet", f"{branch}^{{tree}}", check=False
    )
    if result.returncode != 0:
        raise GitError(f"the worktree folder is gone ({worktree}) and so is branch {branch}")
    return repo, result.text.strip(), True


async def changed_files(
    worktree: str,
    base: str,
    *,
    ignore_whitespace: bool = False,
    repo: str | None = None,
    branch: str | None = None,
    counts: bool = True,
) -> ReviewSnapshot:
    """Snapshot the worktree and list the files that differ from `base`, with counts and sizes.

    If the worktree folder is gone, `repo` and `branch` name the branch head to review instead.
    Without `counts` the list comes several times sooner, with +/- counts of 0: show it, then
    call list_files for the counts.
    """
    where, tree, missing = await snapshot_tree(worktree, repo=repo, branch=branch)
    snapshot = ReviewSnapshot(where, base, tree, worktree_missing=missing)
    return await list_files(snapshot, ignore_whitespace=ignore_whitespace, counts=counts)


async def list_files(
    snapshot: ReviewSnapshot, *, ignore_whitespace: bool = False, counts: bool = True
) -> ReviewSnapshot:
    """Return `snapshot` with its file list (re)computed, e.g. for the whitespace toggle."""
    # Counting lines is nearly all of the cost; the statuses, ids and sizes arrive meanwhile.
    async with asyncio.TaskGroup() as jobs:
        raw = jobs.create_task(_raw_and_sizes(snapshot))
        ws = ("-w",) if ignore_whitespace else ()
        numstat = jobs.create_task(_diff_z(snapshot, "--numstat", *ws)) if counts else None
    raw_text, sizes = raw.result()
    files = parse_raw_numstat_z(raw_text + (numstat.result() if numstat else ""), sizes)
    return ReviewSnapshot(
        snapshot.repo,
        snapshot.base,
        snapshot.tree,
        tuple(files),
        ignore_whitespace,
        snapshot.worktree_missing,
    )


async def _diff_z(snapshot: ReviewSnapshot, *options: str) -> str:
    result = await git.git(snapshot.repo, *_DIFF, "-z", *options, snapshot.base, snapshot.tree)
    # surrogateescape: a path that is not UTF-8 still names the same file when passed back
    return result.stdout.decode("utf-8", "surrogateescape")


async def _raw_and_sizes(snapshot: ReviewSnapshot) -> tuple[str, dict[str, int]]:
    raw = await _diff_z(snapshot, "--raw", "--no-abbrev")
    return raw, await object_sizes(snapshot.repo, raw_object_ids(raw))


async def object_sizes(repo: str, ids: set[str]) -> dict[str, int]:
    """Return the byte size of each object in `ids`, in one `git cat-file` call."""
    if not ids:
        return {}
    stdin = "".join(f"{oid}\n" for oid in ids).encode()
    fmt = "--batch-check=%(objectname) %(objectsize)"
    result = await git.git(
        repo, "cat-file", "--buffer", fmt, stdin=stdin
    )  # one flush, not one per id
    sizes: dict[str, int] = {}
    for line in result.text.splitlines():
        oid, _, size = line.partition(" ")
        if size.isdigit():
            sizes[oid] = int(size)
    return sizes


async def file_diff(
    snapshot: ReviewSnapshot,
    entry: FileEntry,
    *,
    context: int = 3,
    ignore_whitespace: bool = False,
    load_anyway: bool = False,
) -> FileDiff:
    """Return one file's side-by-side rows, or a placeholder for a large, binary or LFS file."""
    reason = placeholder_for(entry)
    if reason and not load_anyway:
        return FileDiff(entry, placeholder=reason)
    patch = await file_patch(snapshot, entry, context=context, ignore_whitespace=ignore_whitespace)
    if len(patch) > PARSE_IN_THREAD:
        diff = await asyncio.to_thread(_parse, entry, patch)
    else:
        diff = _parse(entry, patch)
    if diff.entry.lfs and not load_anyway:
        return FileDiff(diff.entry, placeholder=placeholder_for(diff.entry), notes=diff.notes)
    return diff


async def file_patch(
    snapshot: ReviewSnapshot, entry: FileEntry, *, context: int = 3, ignore_whitespace: bool = False
) -> bytes:
    """Return git's unified patch of one file of the snapshot (both paths of a rename)."""
    if context < 0:
        raise ValueError(f"context must be 0 or more lines, not {context}")
    paths = (entry.old_path, entry.path) if entry.old_path else (entry.path,)
    options = [f"-U{context}"]
    if ignore_whitespace:
        options.append("-w")
    if entry.binary:
        options.append("--text")  # only reached with load_anyway
    result = await git.git(
        snapshot.repo,
        "--literal-pathspecs",
        *_DIFF,
        *options,
        snapshot.base,
        snapshot.tree,
        "--",
        *paths,
    )
    return result.stdout


def _parse(entry: FileEntry, patch: bytes) -> FileDiff:
    return parse_file_patch(entry, patch.decode("utf-8", "replace"))


# viewed marks: which files of a task the reviewer has ticked, by path@blob

VIEWED_FILE = "review-viewed.json"


def read_viewed(logs: Path, task_id: str) -> set[str]:
    """Return the files of a task marked viewed (empty when none or unreadable)."""
    try:
        data = json.loads((logs / task_id / VIEWED_FILE).read_text())
    except (OSError, ValueError):
        return set()
    return {k for k in data if isinstance(k, str)} if isinstance(data, list) else set()


def save_viewed(logs: Path, task_id: str, keys: set[str]) -> None:
    """Keep a task's viewed marks (one file per task, replaced atomically)."""
    write_atomically(logs / task_id / VIEWED_FILE, json.dumps(sorted(keys)).encode())
