"""Land a task's work on a branch: merge commit, squash or rebase, gated by the project's tests.

The result commit is built without touching any checkout; only then does the target move,
by a compare-and-swap of its ref (checked out nowhere) or a fast-forward of the clean
checkout that has it. Anything refused or failed leaves every ref, file, index and stash
as it was. The task branch itself is not moved by a rebase or squash: it keeps the agent's
commits (only uncommitted work in its worktree is committed onto it, after a land).
"""

from __future__ import annotations

import time
from collections.abc import Collection

from app.core.landing import STRATEGIES as STRATEGIES
from app.core.landing import LandResult as LandResult
from app.core.landing import TestRun
from app.core.landing import conflict_followup_prompt as conflict_followup_prompt
from app.core.naming import commit_message
from app.core.states import TaskState, transition
from app.core.task import Comment, Project, Task
from app.services.land.archive import archive_task, remove_checkout
from app.services.land.followup import comments_to_drop
from app.services.land.followup import drop_comments as drop_comments_of
from app.services.land.landcheck import LandCheck, check_land, ensure_landable
from app.services.land.testgate import run_test_gate
from app.services.orchard import Orchard, UserError
from app.services.repo import commit_tree, git, scratch_worktree


class LandRefused(UserError):
    """A land that did not happen; nothing was changed. Carries what the user needs to see."""

    def __init__(self, message: str, check: LandCheck | None = None, output: str = "") -> None:
        super().__init__(message)
        self.check = check
        self.output = output


async def land_task(
    orchard: Orchard,
    ref: str,
    strategy: str = "merge",
    into: str | None = None,
    cleanup: bool = False,
    run_tests: bool = True,
    drop_comments: bool | Collection[int] = False,
) -> LandResult:
    """Land task `ref` on `into` (default: its base branch); raise LandRefused if it cannot.

    Unsent review comments stop the land (UnsentComments) unless `drop_comments` says to go
    on without them (True, or the ids of those the person saw); they are then kept as dropped.
    """
    if strategy not in STRATEGIES:
        raise UserError(f"unknown strategy '{strategy}' (use {', '.join(STRATEGIES)})")
    task = orchard.task(ref)
    ensure_landable(task)
    unsent = comments_to_drop(orchard, task, drop_comments, "land")
    project = orchard.store.project(task.project)
    check = await check_land(orchard, task.id, into)
    if check.worktree_missing:
        await git.git(project.path, "worktree", "prune", check=False)
    problems = check.problems()
    if problems:
        raise LandRefused("; ".join(problems), check)
    result = await build_land_commit(orchard, check, strategy)
    tests = await _gate(orchard, project, result, check) if run_tests else None
    task = still_landable(orchard, task, check)
    unsent = comments_to_drop(orchard, task, drop_comments, "land")  # any added meanwhile
    await advance_target(check, result)
    landed, notes = await record_land(orchard, task, check, result, unsent)
    archive = await _cleanup(orchard, landed, notes) if cleanup else None
    return LandResult(
        landed, strategy, check.target, check.target_commit, result, check.checkout, tests,
        archive, tuple(notes),
    )  # fmt: skip


async def record_land(
    orchard: Orchard, task: Task, check: LandCheck, result: str, unsent: list[Comment]
) -> tuple[Task, list[str]]:
    """Mark `task` landed as `result`, once the target has moved; return it and the notes."""
    notes = list(check.notes) + await _adopt_uncommitted(check)
    landed = orchard.store.update(
        task.id,
        state=transition(task.state, TaskState.MERGED),
        landed_commit=result,
        finished_at=task.finished_at or time.time(),
        last_event="; ".join([f"landed on {check.target} as {result[:10]}", *check.notes]),
    )
    notes += drop_comments_of(orchard, unsent)
    notes += _mark_reports_fixed(orchard, landed)
    return landed, notes


def _mark_reports_fixed(orchard: Orchard, task: Task) -> list[str]:
    """Mark fixed the bug reports the landed task worked on; a failure is a note, not a fail."""
    from app.services.triage import mark_fixed_by_task

    try:
        fixed = mark_fixed_by_task(orchard, task)
    except UserError as exc:
        return [f"could not mark its bug reports fixed: {exc}"]
    if fixed:
        orchard.supervisor.announce_reports(task.project)
    return [f"report #{r.id} marked fixed" for r in fixed]


def still_landable(orchard: Orchard, task: Task, check: LandCheck) -> Task:
    """Re-read the task and refuse if it was queued, started or changed meanwhile."""
    latest = orchard.task(task.id)
    try:
        ensure_landable(latest)
    except UserError as e:
        raise LandRefused(f"{e}; nothing landed", check) from e
    if latest.state is not task.state or latest.turns != task.turns:
        raise LandRefused(
            f"task {task.short_id} changed to {latest.state} while landing; nothing landed", check
        )
    return latest


async def _cleanup(orchard: Orchard, landed: Task, notes: list[str]) -> str | None:
    """Archive and remove the landed task's worktree and branch, unless it changed meanwhile."""
    task = orchard.task(landed.id)
    if task.state is not TaskState.MERGED:
        notes.append(f"kept the worktree: task {task.short_id} is {task.state} now")
        return None
    try:
        archive = await archive_task(orchard, task)
    except UserError as e:
        notes.append(f"kept the worktree and branch: {e}")
        return None
    if orchard.task(task.id).state is not TaskState.MERGED:
        notes.append(f"kept the worktree: task {task.short_id} changed meanwhile")
        return archive
    await remove_checkout(orchard, task, archive)
    notes.append(f"removed the worktree and branch {task.branch} (archived as {archive[:10]})")
    return archive


async def build_land_commit(orchard: Orchard, check: LandCheck, strategy: str) -> str:
    """Write the commit the target will point at; move nothing."""
    task, tree = check.task, check.merged_tree
    assert tree is not None
    if strategy == "merge":
        message = f"Merge task {task.title} ({task.branch})\n"
        return await commit_tree(check.repo, tree, [check.target_commit, check.tip], message)
    if strategy == "squash":
        message = commit_message(task.title, task.prompt)
        return await commit_tree(check.repo, tree, [check.target_commit], message)
    return await _rebased(orchard, check)


async def _rebased(orchard: Orchard, check: LandCheck) -> str:
    """Replay the task's commits onto the target in a scratch worktree; return the new tip."""
    if check.behind == 0:
        return check.tip  # the target has not moved: a plain fast-forward
    env = await git.identity_env(check.repo)
    env["GIT_EDITOR"] = "true"
    async with scratch_worktree(orchard.home.root / "scratch", check.repo, check.tip) as path:
        replay = await git.git(
            path, "-c", "core.hooksPath=/dev/null", "-c", "rebase.updateRefs=false",
            "-c", "commit.gpgSign=false", "rebase", "--no-autostash", "--no-verify",
            "--quiet", check.target_commit, env=env, check=False,
        )  # fmt: skip
        if replay.returncode != 0:
            stuck = await git.git(path, "diff", "--name-only", "-z", "--diff-filter=U", check=False)
            await git.git(path, "rebase", "--abort", check=False)
            files = ", ".join(repr(p) for p in stuck.text.split("\0") if p) or "(unknown)"
            raise LandRefused(
                f"rebasing onto {check.target} stops at a conflict in {files}; "
                "land with --strategy merge, or ask the agent to rebase",
                check,
                replay.error_text,
            )
        return (await git.git(path, "rev-parse", "HEAD")).text.strip()


async def _gate(
    orchard: Orchard, project: Project, commit: str, check: LandCheck
) -> TestRun | None:
    if not project.test:
        return None
    run = await run_test_gate(orchard.scratch, project, commit)
    if not run.ok:
        raise LandRefused(
            f"the test command failed on the merged result ({run.summary}); nothing landed",
            check,
            run.output,
        )
    return run


async def advance_target(check: LandCheck, result: str) -> None:
    """Move the target from the commit checked to `result`, or fail cleanly if it moved."""
    ref = f"refs/heads/{check.target}"
    if check.checkout is None:
        moved = await git.git(
            check.repo, "update-ref", "-m", f"orchard: land task {check.task.short_id}",
            ref, result, check.target_commit, check=False,
        )  # fmt: skip
        if moved.returncode != 0:
            raise LandRefused(_moved_message(check), check)
        return
    await _fast_forward_checkout(check, result)


def _moved_message(check: LandCheck) -> str:
    return f"{check.target} moved while landing; nothing landed, check again and retry"


async def _fast_forward_checkout(check: LandCheck, result: str) -> None:
    """Update the clean checkout of the target in place, by fast-forward only."""
    path = check.checkout
    assert path is not None
    on = await git.git(path, "symbolic-ref", "--quiet", "HEAD", check=False)
    if on.text.strip() != f"refs/heads/{check.target}":
        raise LandRefused(f"{path} no longer has {check.target} checked out; nothing landed", check)
    now = await git.git(path, "rev-parse", "HEAD")
    if now.text.strip() != check.target_commit:
        raise LandRefused(_moved_message(check), check)
    merged = await git.git(
        path, "merge", "--ff-only", "--no-overwrite-ignore", "--no-autostash", "--quiet",
        result, check=False,
    )  # fmt: skip
    if merged.returncode != 0:
        detail = (merged.error_text or merged.text).strip().splitlines()
        raise LandRefused(
            f"{check.target} could not be updated in {path}: "
            + (detail[0] if detail else "git merge failed"),
            check,
            merged.error_text,
        )


async def _adopt_uncommitted(check: LandCheck) -> list[str]:
    """Put the landed snapshot of uncommitted work on the task branch, keeping the files."""
    if not check.uncommitted or check.branch_head is None:
        return []
    task = check.task
    moved = await git.git(
        check.repo, "update-ref", "-m", "orchard: commit uncommitted work on landing",
        f"refs/heads/{task.branch}", check.tip, check.branch_head, check=False,
    )  # fmt: skip
    if moved.returncode != 0:
        return [f"the uncommitted work landed, but {task.branch} moved; it is not committed there"]
    await git.git(task.worktree, "reset", "--quiet", check=False)
    return [f"committed the uncommitted work on {task.branch} as {check.tip[:10]}"]
