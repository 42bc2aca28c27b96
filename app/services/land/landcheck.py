"""Before landing: what would land, where the target is checked out, and what is in the way.

Nothing here moves a ref or writes a file anyone sees; at most it writes git objects
(a merged tree, a commit of the task worktree's uncommitted work).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.core.landing import Conflict as Conflict
from app.core.landing import LandCheck as LandCheck
from app.core.naming import commit_message
from app.core.states import LANDABLE_STATES, LIVE_STATES, TaskState
from app.core.task import Task
from app.core.words import counted
from app.services.land.archive import branch_head
from app.services.orchard import Orchard, UserError
from app.services.repo import (
    changed_paths,
    commit_tree,
    git,
    take_snapshot,
    tree_of,
    worktree_present,
    worktrees,
)

MAX_HUNKS = 8
MAX_HUNK_LINES = 40


def ensure_landable(task: Task) -> None:
    """Raise UserError unless the task's turn is over and it is neither landed nor discarded."""
    sid = task.short_id
    if task.state in LIVE_STATES:
        raise UserError(f"task {sid} is {task.state}; stop it first (orchard task stop {sid})")
    if task.state is TaskState.MERGED:
        raise UserError(f"task {sid} has landed already (commit {task.landed_commit})")
    if task.state is TaskState.DISCARDED:
        raise UserError(f"task {sid} is discarded; restore it first (orchard task restore {sid})")
    if task.state not in LANDABLE_STATES:
        raise UserError(f"task {sid} is {task.state}; it has nothing to land yet")


async def target_branch(repo: str, task: Task, into: str | None) -> tuple[str, str]:
    """Return the target branch name and its commit, or raise UserError."""
    name = (into or task.base_ref).removeprefix("refs/heads/")
    if name.startswith("-") or not name:
        raise UserError(f"'{name}' is not a branch name")
    commit = await branch_head(repo, name)
    if commit is not None:
        return name, commit
    if into is None and not await _is_other_ref(repo, name):
        raise UserError(
            f"the target branch '{name}' no longer exists (deleted?); "
            "pass --into BRANCH to land somewhere else"
        )
    if into is None:
        raise UserError(
            f"task {task.short_id} started from '{name}', which is not a branch; pass --into BRANCH"
        )
    raise UserError(f"there is no branch '{name}' in {repo}")


async def _is_other_ref(repo: str, name: str) -> bool:
    result = await git.git(repo, "rev-parse", "--verify", "--quiet", name, check=False)
    return result.returncode == 0


async def check_land(orchard: Orchard, ref: str, into: str | None = None) -> LandCheck:
    """Find out what landing task `ref` into `into` (default: its base branch) would do."""
    task = orchard.task(ref)
    ensure_landable(task)
    repo = orchard.store.project(task.project).path
    target, target_commit = await target_branch(repo, task, into)
    head = await branch_head(repo, task.branch)
    missing = not worktree_present(task.worktree)
    notes: list[str] = []
    if head is None and missing:
        raise UserError(
            f"task {task.short_id} has neither its branch {task.branch} nor its worktree; "
            "nothing to land"
        )
    if missing:
        notes.append(
            f"the worktree folder {task.worktree} was deleted; landing branch {task.branch}"
        )
    tip, uncommitted = await _tip(task, head, missing)
    if head is None:
        notes.append(f"branch {task.branch} is gone; landing the worktree's HEAD")
    if uncommitted:
        notes.append(
            f"{counted(len(uncommitted), 'uncommitted file')} in the task worktree land too"
        )
    merged_tree, conflicts = await merge_trees(repo, target_commit, tip)
    ahead, behind = await _counts(repo, target_commit, tip)
    same = merged_tree is not None and merged_tree == await tree_of(repo, target_commit)
    checkout, dirty, busy = await _checkout_state(repo, target, target_commit, merged_tree)
    unsettled = None if missing else await _unsettled(task)
    return LandCheck(
        task, repo, target, target_commit, head, tip, tuple(uncommitted), merged_tree,
        tuple(conflicts), ahead, behind, ahead == 0 or same, checkout, tuple(dirty), busy,
        unsettled, missing, tuple(notes),
    )  # fmt: skip


async def check_onto(check: LandCheck, base: str) -> LandCheck:
    """Return `check` as if its target were at `base` (the target plus cars ahead of it)."""
    merged_tree, conflicts = await merge_trees(check.repo, base, check.tip)
    ahead, behind = await _counts(check.repo, base, check.tip)
    same = merged_tree is not None and merged_tree == await tree_of(check.repo, base)
    return replace(
        check, target_commit=base, merged_tree=merged_tree, conflicts=tuple(conflicts),
        ahead=ahead, behind=behind, nothing_to_land=ahead == 0 or same,
    )  # fmt: skip


async def _tip(task: Task, head: str | None, missing: bool) -> tuple[str, list[str]]:
    if missing:
        assert head is not None
        return head, []
    start = head or (await git.git(task.worktree, "rev-parse", "HEAD")).text.strip()
    snap = await take_snapshot(task.worktree, start)
    if not snap.dirty:
        return start, []
    message = commit_message(f"{task.title} (uncommitted work)", task.prompt)
    tip = await commit_tree(task.worktree, snap.tree, [start], message)
    return tip, await changed_paths(task.worktree, snap)


async def _counts(repo: str, target: str, tip: str) -> tuple[int, int]:
    out = await git.git(repo, "rev-list", "--left-right", "--count", f"{target}...{tip}")
    behind, ahead = out.text.split()
    return int(ahead), int(behind)


async def merge_trees(repo: str, ours: str, theirs: str) -> tuple[str | None, list[Conflict]]:
    """Merge two commits in memory; return the tree, or None and the conflicts."""
    result = await git.git(
        repo, "merge-tree", "--write-tree", "-z", "--name-only", "--messages", ours, theirs,
        check=False,
    )  # fmt: skip
    if result.returncode not in (0, 1):
        raise UserError(f"git could not merge: {result.error_text or 'merge-tree failed'}")
    tree, paths, messages = _parse_merge_tree(result.text)
    if result.returncode == 0:
        return tree, []
    conflicts = [
        Conflict(path, await _hunks(repo, tree, path), tuple(messages.get(path, ())))
        for path in paths
    ]
    return None, conflicts


def _parse_merge_tree(out: str) -> tuple[str, list[str], dict[str, list[str]]]:
    """Split `merge-tree -z --name-only --messages` output into tree, paths and messages."""
    fields = out.split("\0")
    tree, i, paths = fields[0], 1, []
    while i < len(fields) and fields[i]:
        if fields[i] not in paths:
            paths.append(fields[i])
        i += 1
    i += 1
    messages: dict[str, list[str]] = {}
    while i < len(fields) and fields[i].isdigit():
        count = int(fields[i])
        names = fields[i + 1 : i + 1 + count]
        text = fields[i + 2 + count] if i + 2 + count < len(fields) else ""
        for name in names:
            messages.setdefault(name, []).append(text.strip())
        i += count + 3
    return tree, paths, messages


async def _hunks(repo: str, tree: str, path: str) -> tuple[str, ...]:
    blob = await git.git(repo, "cat-file", "blob", f"{tree}:{path}", check=False)
    if blob.returncode != 0 or b"\0" in blob.stdout[:8000]:
        return ()
    hunks: list[str] = []
    current: list[str] | None = None
    for line in blob.text.splitlines():
        if line.startswith("<<<<<<< "):
            current = []
        if current is not None and len(current) < MAX_HUNK_LINES:
            current.append(line)
        if current is not None and line.startswith(">>>>>>> "):
            hunks.append("\n".join(current))
            current = None
            if len(hunks) == MAX_HUNKS:
                break
    return tuple(hunks)


async def _checkout_state(
    repo: str, target: str, target_commit: str, merged_tree: str | None
) -> tuple[str | None, list[str], str | None]:
    checkout, busy = None, None
    for record in await worktrees(repo):
        path = record.get("worktree", "")
        if record.get("branch") == f"refs/heads/{target}":
            checkout = path
        elif "detached" in record and await _rebasing(path) == f"refs/heads/{target}":
            busy = f"{target} is being rebased in {path}; finish or abort that rebase first"
    if checkout is None or not Path(checkout).is_dir():
        return None, [], busy
    return checkout, await _in_the_way(checkout, target_commit, merged_tree), busy


async def _rebasing(worktree: str) -> str | None:
    for name in ("rebase-merge", "rebase-apply"):
        path = await _git_file(worktree, f"{name}/head-name")
        if path is not None and path.is_file():
            return path.read_text().strip()
    return None


async def _git_file(worktree: str, name: str) -> Path | None:
    """Return where `name` is in the worktree's git folder, if it exists."""
    try:
        found = await git.git(worktree, "rev-parse", "--git-path", name, check=False)
    except FileNotFoundError:  # removed since it was listed: a proof's scratch checkout
        return None
    path = Path(worktree, found.text.strip())
    return path if found.returncode == 0 and path.exists() else None


async def _unsettled(task: Task) -> str | None:
    """Say why the task worktree cannot land now: mid-rebase or merge, or not on its branch."""
    wt, how = task.worktree, "finish or abort it there first"
    for marker, what in (
        ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase"),
        ("MERGE_HEAD", "a merge"), ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
    ):  # fmt: skip
        if await _git_file(wt, marker) is not None:
            return f"{wt} is in the middle of {what}; {how}"
    unmerged = await git.git(wt, "ls-files", "--unmerged", check=False)
    if unmerged.text.strip():
        return f"{wt} has unresolved conflicts; resolve them there first"
    ref = (await git.git(wt, "symbolic-ref", "--quiet", "HEAD", check=False)).text.strip()
    if ref != f"refs/heads/{task.branch}":
        now = ref.removeprefix("refs/heads/") or "a detached HEAD"
        return (
            f"{wt} has {now} checked out, not the task branch {task.branch}; "
            f"check out {task.branch} there first"
        )
    return None


async def _in_the_way(checkout: str, target_commit: str, merged_tree: str | None) -> list[str]:
    """Name the checkout's modified files, and untracked ones the land would overwrite."""
    status = await git.git(
        checkout, "--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all"
    )
    fields = status.text.split("\0")
    modified, untracked, i = [], set(), 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code == "??":
            untracked.add(path)
            continue
        modified.append(path)
        if code[0] in "RC":
            i += 1  # the rename's source path follows
    if untracked and merged_tree is not None:
        out = await git.git(
            checkout, "diff", "--name-only", "-z", "--no-renames", target_commit, merged_tree
        )
        modified += [p for p in out.text.split("\0") if p in untracked]
    return modified
