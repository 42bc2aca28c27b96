"""Drop part of a task's change before landing: one hunk or a whole file, as a commit.

The drop is a commit on the task's branch, so it shows in the log, lands (or not) with the
rest, can be undone (a revert of that commit), and is told to the agent on its next turn.
Hunks are numbered as the review shows them: git's own, against the review's base, with three
lines of context. Only committed work is dropped: a path with uncommitted changes is refused,
so that the drop commit holds the drop and nothing else, and undoing it restores exactly that.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.core.followup import DROP_TRAILER
from app.core.landing import Dropped as Dropped
from app.core.states import ACTIVE_STATES, CLOSED_STATES, TaskState
from app.core.task import Task
from app.services.land.followup import drop_commits, relative_path
from app.services.land.review import review_base
from app.services.orchard import Orchard, UserError
from app.services.process import ProcessResult
from app.services.repo import git, worktree_present

_HUNK = re.compile(r"^@@ ", re.MULTILINE)
# Options that make the patch git's plain form, whatever the user's config says.
_PLAIN = (
    "--no-color", "--no-ext-diff", "--no-textconv", "-U3", "--src-prefix=a/",
    "--dst-prefix=b/", "--no-renames",
)  # fmt: skip


async def drop_change(orchard: Orchard, ref: str, path: str, hunk: int | None = None) -> Dropped:
    """Undo one hunk (numbered from 1, as the review shows them) or all of a file's change."""
    task = orchard.task(ref)
    _check_droppable(task)
    rel = relative_path(path)
    repo = orchard.store.project(task.project).path
    base = await review_base(repo, task)
    await _check_path(task, base, rel)
    patch = (await _git(task, "diff", *_PLAIN, base, "HEAD", "--", rel)).text
    if not patch:
        raise UserError(f"task {task.short_id} did not change {rel}; nothing to drop")
    if hunk is None:
        await _restore_file(task, base, rel)
    else:
        await _reverse_hunk(task, rel, patch, hunk)
    what = f"hunk {hunk} of {rel}" if hunk else rel
    commit = await _commit(
        task, rel, f"Drop {what} (review)\n\n{DROP_TRAILER}: {_key(rel, hunk)}\n"
    )
    return Dropped(task, rel, hunk, commit)


async def undo_drop(orchard: Orchard, ref: str) -> str:
    """Revert the task's latest drop not yet undone; return the commit that brings it back."""
    task = orchard.task(ref)
    _check_droppable(task)
    live = await drop_commits(task)
    if not live:
        raise UserError(f"task {task.short_id} has no dropped part to bring back")
    commit = live[-1][0]
    env = await git.identity_env(task.worktree)
    result = await git.git(
        task.worktree, "-c", "core.hooksPath=/dev/null", "revert", "--no-edit", commit,
        env=env, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        await git.git(task.worktree, "revert", "--abort", check=False)
        why = (result.error_text.splitlines() or ["git refused"])[0]
        raise UserError(f"cannot bring the dropped part back: {why}")
    return (await git.git(task.worktree, "rev-parse", "HEAD")).text.strip()


def _check_droppable(task: Task) -> None:
    if task.state in ACTIVE_STATES or task.state is TaskState.QUEUED:
        raise UserError(
            f"task {task.short_id} is {task.state}; wait for its turn to end (or stop it) "
            "before dropping part of its change"
        )
    if task.state in CLOSED_STATES:
        raise UserError(f"task {task.short_id} is {task.state}; its change can no longer change")
    if not worktree_present(task.worktree):
        raise UserError(f"task {task.short_id}'s worktree {task.worktree} is missing")


async def _check_path(task: Task, base: str, rel: str) -> None:
    """Refuse a folder, a renamed file, or a path with uncommitted changes: say why."""
    for tree in (f"HEAD:{rel}", f"{base}:{rel}"):
        kind = await _git(task, "cat-file", "-t", tree, check=False)
        if kind.text.strip() == "tree" or (Path(task.worktree) / rel).is_dir():
            raise UserError(f"{rel} is a folder; drop one file at a time")
    status = await _git(task, "status", "--porcelain", "--untracked-files=all", "--", rel)
    if status.text.strip():
        raise UserError(
            f"{rel} has uncommitted changes in task {task.short_id}'s worktree; commit or "
            "undo them first (only committed work is dropped, so that undo restores it exactly)"
        )
    renames = await _git(task, "diff", "--name-status", "-M", "-z", base, "HEAD")
    fields = renames.text.split("\0")
    for i, field in enumerate(fields):
        if field.startswith("R") and rel in fields[i + 1 : i + 3]:
            old, new = fields[i + 1 : i + 3]
            raise UserError(f"{rel} is part of a rename ({old} → {new}); it cannot be dropped")


async def _restore_file(task: Task, base: str, rel: str) -> None:
    """Put the file back as it is in the base, or remove it if the base has none."""
    exists = await _git(task, "cat-file", "-e", f"{base}:{rel}", check=False)
    if exists.returncode == 0:
        await _git(task, "checkout", base, "--", rel)
    else:
        await _git(task, "rm", "-q", "-f", "--", rel)


async def _reverse_hunk(task: Task, rel: str, patch: str, hunk: int) -> None:
    """Apply hunk `hunk` of `patch` in reverse to the worktree and its index."""
    starts = [m.start() for m in _HUNK.finditer(patch)]
    if not 1 <= hunk <= len(starts):
        count = f"{len(starts)} hunk" + ("" if len(starts) == 1 else "s")
        raise UserError(f"{rel} has {count} in task {task.short_id}'s change; no hunk {hunk}")
    end = starts[hunk] if hunk < len(starts) else len(patch)
    one = patch[: starts[0]] + patch[starts[hunk - 1] : end]
    result = await _git(task, "apply", "-R", "--index", "--recount", "-", check=False, stdin=one)
    if result.returncode != 0:
        why = (result.error_text.splitlines() or ["git refused"])[0]
        raise UserError(f"cannot drop hunk {hunk} of {rel}: {why}")


async def _commit(task: Task, rel: str, message: str) -> str:
    """Commit the path's new state, and only it."""
    env = await git.identity_env(task.worktree)
    env["GIT_LITERAL_PATHSPECS"] = "1"
    await git.git(
        task.worktree, "commit", "--quiet", "--no-verify", "-F", "-", "--", rel,
        env=env, stdin=message.encode(),
    )  # fmt: skip
    return (await git.git(task.worktree, "rev-parse", "HEAD")).text.strip()


async def _git(
    task: Task, *args: str, check: bool = True, stdin: str | None = None
) -> ProcessResult:
    """Run git in the task's worktree with every path taken literally (no wildcards)."""
    env = git.git_env({"GIT_LITERAL_PATHSPECS": "1"})
    data = stdin.encode() if stdin is not None else None
    return await git.git(task.worktree, *args, env=env, check=check, stdin=data)


def _key(rel: str, hunk: int | None) -> str:
    return f"{rel}#{hunk}" if hunk else rel
