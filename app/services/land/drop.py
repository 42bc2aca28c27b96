"""Drop part of a task's change before landing: one hunk or a whole file, as a commit.

The drop is a commit on the task's branch, so it shows in the log, lands (or not) with the
rest, can be undone (a revert of that commit), and is told to the agent on its next turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.followup import DROP_TRAILER
from app.core.states import ACTIVE_STATES, CLOSED_STATES, TaskState
from app.core.task import Task
from app.services.land.followup import relative_path
from app.services.orchard import Orchard, UserError
from app.services.repo import git, scratch_index, worktree_present

TRAILER = DROP_TRAILER
_HUNK = re.compile(r"^@@ ", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Dropped:
    """What a drop did: the task, the path and hunk (None: the whole file), its commit."""

    task: Task
    path: str
    hunk: int | None
    commit: str | None  # None when the dropped part was not committed yet

    @property
    def what(self) -> str:
        """Return "hunk 2 of src/cart.py" or "src/cart.py"."""
        return f"hunk {self.hunk} of {self.path}" if self.hunk else self.path


async def drop_change(orchard: Orchard, ref: str, path: str, hunk: int | None = None) -> Dropped:
    """Undo one hunk (numbered from 1, as the review shows them) or all of a file's change."""
    task = orchard.task(ref)
    _check_droppable(task)
    rel = relative_path(path)
    patch = await _file_patch(task, rel)
    if not patch:
        raise UserError(f"task {task.short_id} did not change {rel}; nothing to drop")
    if hunk is None:
        await _restore_file(task, rel)
    else:
        await _reverse_hunk(task, rel, patch, hunk)
    what = f"hunk {hunk} of {rel}" if hunk else rel
    commit = await _commit(task, rel, f"Drop {what} (review)\n\n{TRAILER}: {_key(rel, hunk)}\n")
    return Dropped(task, rel, hunk, commit)


async def undo_drop(orchard: Orchard, ref: str) -> str:
    """Revert the task's latest drop; return the commit that brings the part back."""
    task = orchard.task(ref)
    _check_droppable(task)
    found = await git.git(
        task.worktree, "log", "-1", "--format=%H", f"--grep=^{TRAILER}: ",
        f"{task.base_commit}..HEAD",
    )  # fmt: skip
    commit = found.text.strip()
    if not commit:
        raise UserError(f"task {task.short_id} has no dropped part to bring back")
    env = await git.identity_env(task.worktree)
    result = await git.git(
        task.worktree,
        "-c",
        "core.hooksPath=/dev/null",
        "revert",
        "--no-edit",
        commit,
        env=env,
        check=False,
    )
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


async def _file_patch(task: Task, rel: str) -> str:
    """Return the file's diff against the task's base, untracked work included."""
    async with scratch_index(task.worktree) as env:
        await git.git(task.worktree, "add", "--all", "--", rel, env=env, check=False)
        result = await git.git(
            task.worktree, "diff", "--cached", "--no-color", "--no-ext-diff", "--no-renames",
            task.base_commit, "--", rel, env=env,
        )  # fmt: skip
    return result.text


async def _restore_file(task: Task, rel: str) -> None:
    """Put the file back as it is in the task's base, or remove it if the base has none."""
    exists = await git.git(
        task.worktree, "cat-file", "-e", f"{task.base_commit}:{rel}", check=False
    )
    if exists.returncode == 0:
        await git.git(task.worktree, "checkout", task.base_commit, "--", rel)
    else:
        await git.git(task.worktree, "rm", "-q", "-f", "--ignore-unmatch", "--", rel)
        await git.git(task.worktree, "clean", "-q", "-f", "--", rel)


async def _reverse_hunk(task: Task, rel: str, patch: str, hunk: int) -> None:
    """Apply hunk `hunk` of `patch` in reverse to the worktree."""
    starts = [m.start() for m in _HUNK.finditer(patch)]
    if not 1 <= hunk <= len(starts):
        count = f"{len(starts)} hunk" + ("" if len(starts) == 1 else "s")
        raise UserError(f"{rel} has {count} in task {task.short_id}'s change; no hunk {hunk}")
    end = starts[hunk] if hunk < len(starts) else len(patch)
    one = patch[: starts[0]] + patch[starts[hunk - 1] : end]
    result = await git.git(
        task.worktree, "apply", "-R", "--recount", "-", stdin=one.encode(), check=False
    )
    if result.returncode != 0:
        why = (result.error_text.splitlines() or ["git refused"])[0]
        raise UserError(f"cannot drop hunk {hunk} of {rel}: {why}")


async def _commit(task: Task, rel: str, message: str) -> str | None:
    """Commit the path's state alone; None if it leaves the branch as it was."""
    await git.git(task.worktree, "add", "--all", "--", rel, check=False)
    staged = await git.git(task.worktree, "diff", "--cached", "--quiet", "--", rel, check=False)
    if staged.returncode == 0:
        return None
    env = await git.identity_env(task.worktree)
    await git.git(
        task.worktree, "commit", "--quiet", "--no-verify", "-F", "-", "--", rel,
        env=env, stdin=message.encode(),
    )  # fmt: skip
    return (await git.git(task.worktree, "rev-parse", "HEAD")).text.strip()


def _key(rel: str, hunk: int | None) -> str:
    return f"{rel}#{hunk}" if hunk else rel
