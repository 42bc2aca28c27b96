"""Best-of-N: collect a group's attempts, run the project's tests in each, pick a winner."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from app.core.compare import DEFAULT_JOBS as DEFAULT_JOBS
from app.core.compare import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from app.core.compare import (
    Attempt,
    Scoreboard,
    TestResult,
    build_scoreboard,
    duration_of,
    is_stale,
    tail,
    untestable_state,
)
from app.core.compare import Pick as Pick
from app.core.diffstat import DiffStat, parse_numstat_z
from app.core.states import CLOSED_STATES, LIVE_STATES, TaskState
from app.core.task import Task
from app.services.config import Home, write_atomically
from app.services.land.testgate import run_shell
from app.services.orchard import Orchard, UserError
from app.services.repo import git
from app.services.store import StoreError

RESULT_FILE = "test-result.json"
PICK_FILE = "picked.json"

ResultCallback = Callable[[str, TestResult], None]
Discard = Callable[[Orchard, str], Awaitable[Task]]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What an attempt's worktree holds now: HEAD, the whole content as a tree, the diffstat."""

    head: str
    tree: str
    stat: DiffStat


# the group


def group_tasks(orchard: Orchard, ref: str) -> tuple[str | None, list[Task]]:
    """Return the group `ref` names (a group id, or a task of it) and its tasks, oldest first."""
    tasks = orchard.store.tasks()
    by_group = [t for t in tasks if t.group == ref]
    if by_group:
        return ref, _oldest_first(by_group)
    try:
        task = orchard.store.task(ref)
    except StoreError:
        groups = {t.group for t in tasks if t.group and t.group.startswith(ref)}
        if len(groups) != 1:
            raise UserError(f"no task or group '{ref}' (see `orchard task list`)") from None
        group = groups.pop()
        return group, _oldest_first([t for t in tasks if t.group == group])
    if task.group is None:
        return None, [task]
    return task.group, _oldest_first([t for t in tasks if t.group == task.group])


def _oldest_first(tasks: list[Task]) -> list[Task]:
    return sorted(tasks, key=lambda t: t.created_at)


# What a caller already knows of an attempt's worktree: its tree and files, +, - against the base.
Known = tuple[str, int, int, int]


async def load_scoreboard(
    orchard: Orchard, ref: str, now: float | None = None, known: Mapping[str, Known] | None = None
) -> Scoreboard:
    """Return the scoreboard of the group `ref` names, with the tests' last results.

    `known` gives, by task id, what a caller has just read of an attempt's worktree, so that
    it is not read twice.
    """
    group, tasks = group_tasks(orchard, ref)
    command = _test_command(orchard, tasks[0])
    now = time.time() if now is None else now
    known = known or {}
    attempts = await asyncio.gather(
        *(_attempt(orchard.home, t, command, now, known.get(t.id)) for t in tasks)
    )
    return build_scoreboard(group, command, attempts)


async def _attempt(
    home: Home, task: Task, command: str | None, now: float, known: Known | None
) -> Attempt:
    result = load_result(home, task.id)
    if known is None and (snap := await _snapshot_or_none(task)):
        known = (snap.tree, snap.stat.files_changed, snap.stat.insertions, snap.stat.deletions)
    tree, files, insertions, deletions = known or (
        "",
        task.files_changed,
        task.insertions,
        task.deletions,
    )
    stale = result is not None and (not tree or is_stale(result, tree, command))
    return Attempt(
        task, files, insertions, deletions, duration_of(task, now), result, stale,
        picked=_is_picked(home, task),
    )  # fmt: skip


def _test_command(orchard: Orchard, task: Task) -> str | None:
    try:
        return orchard.store.project(task.project).test
    except StoreError:
        return None


# the worktree's content


async def snapshot(worktree: str, base: str) -> Snapshot:
    """Return the worktree's HEAD, its whole content as a tree id, and its diffstat to `base`."""
    head = (await git.git(worktree, "rev-parse", "HEAD")).text.strip()
    tree = await git.worktree_tree(worktree)
    raw = await git.git(worktree, "diff", "-M", "--numstat", "-z", base, tree)
    return Snapshot(head, tree, parse_numstat_z(raw.text))


async def _snapshot_or_none(task: Task) -> Snapshot | None:
    if task.state in CLOSED_STATES or not Path(task.worktree).is_dir():
        return None
    try:
        return await snapshot(task.worktree, task.base_commit)
    except git.GitError:
        return None


# test results on disk


def result_path(home: Home, task_id: str) -> Path:
    """Return where the last test result of task `task_id` is kept."""
    return home.logs / task_id / RESULT_FILE


def load_result(home: Home, task_id: str) -> TestResult | None:
    """Return the last test result of task `task_id`, or None if there is none (or it is bad)."""
    try:
        data = json.loads(result_path(home, task_id).read_text())
        return TestResult.from_json(data)
    except (OSError, ValueError, TypeError):
        return None


def save_result(home: Home, task_id: str, result: TestResult) -> None:
    """Keep `result` as the last test result of task `task_id` (replaced atomically)."""
    text = json.dumps(result.to_json(), indent=2, ensure_ascii=False)
    write_atomically(result_path(home, task_id), text.encode())


# running the tests


async def run_tests(
    orchard: Orchard,
    ref: str,
    jobs: int = DEFAULT_JOBS,
    timeout: float = DEFAULT_TIMEOUT,
    on_result: ResultCallback | None = None,
) -> tuple[Scoreboard, dict[str, str]]:
    """Run the project's tests in each finished attempt, `jobs` at a time; return the board.

    Attempts that cannot be tested (still running, closed, no worktree) are returned with why.
    """
    if jobs < 1:
        raise UserError("--jobs must be at least 1")
    if timeout <= 0:
        raise UserError("--timeout must be more than 0 seconds")
    _, tasks = group_tasks(orchard, ref)
    command = _test_command(orchard, tasks[0])
    if not command:
        raise UserError(
            f"project '{tasks[0].project}' has no test command; "
            "give it one with `orchard project add PATH --test CMD`"
        )
    skipped = {t.id: why for t in tasks if (why := untestable(t))}
    limit = asyncio.Semaphore(jobs)

    async def one(task: Task) -> None:
        async with limit:
            result = await run_test(task, command, timeout)
        save_result(orchard.home, task.id, result)
        if on_result is not None:
            on_result(task.id, result)

    await asyncio.gather(*(one(t) for t in tasks if t.id not in skipped))
    return await load_scoreboard(orchard, ref), skipped


def untestable(task: Task) -> str | None:
    """Say why the tests cannot run in `task`'s worktree now, or None if they can."""
    if (why := untestable_state(task)) is not None:
        return why
    if not Path(task.worktree).is_dir():
        return f"its worktree is missing: {task.worktree}"
    return None


async def run_test(task: Task, command: str, timeout: float) -> TestResult:
    """Run `command` with `sh -c` in the task's worktree; kill it after `timeout` seconds."""
    started, clock = time.time(), time.monotonic()
    exit_code: int | None = None
    timed_out, error, output = False, None, ""
    try:
        run = await run_shell(command, task.worktree, timeout)
        exit_code, output = run.exit_code, run.output
        if exit_code is None:
            timed_out, output = True, f"killed after {timeout:g}s without finishing\n"
    except OSError as exc:
        error = f"could not start the test command: {exc.strerror or exc}"
    duration = time.monotonic() - clock
    snap = await _snapshot_or_none(task)  # after the run: its own build files are not a change
    head, tree = (snap.head, snap.tree) if snap else ("", "")
    return TestResult(
        command, exit_code, duration, tail(output), head, tree, started, timed_out, error
    )


# picking a winner


def _pick_path(home: Home, task_id: str) -> Path:
    return home.logs / task_id / PICK_FILE


def _is_picked(home: Home, task: Task) -> bool:
    return _pick_path(home, task.id).exists()


def mark_winner(orchard: Orchard, ref: str) -> tuple[Task, list[Task]]:
    """Mark task `ref` as its group's winner; return it and the other attempts."""
    winner = orchard.task(ref)
    if winner.group is None:
        raise UserError(
            f"task {winner.short_id} is a single attempt, not part of a best-of-N group; "
            f"review it with `orchard task diff {winner.short_id}`"
        )
    if winner.state in CLOSED_STATES:
        raise UserError(f"task {winner.short_id} is {winner.state}; pick an open attempt")
    _, tasks = group_tasks(orchard, winner.group)
    others = [t for t in tasks if t.id != winner.id]
    for other in others:
        _pick_path(orchard.home, other.id).unlink(missing_ok=True)
    path = _pick_path(orchard.home, winner.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"group": winner.group, "picked_at": time.time()}))
    return winner, others


async def pick_winner(orchard: Orchard, ref: str, discard_others: bool = False) -> Pick:
    """Mark the winner of a group; with `discard_others`, stop and discard the other attempts."""
    discard = _discarder() if discard_others else None
    winner, others = mark_winner(orchard, ref)
    pick = Pick(winner)
    if discard is None:
        return pick
    for other in others:
        if other.state in CLOSED_STATES:
            continue
        try:
            if other.state in LIVE_STATES or other.state is TaskState.QUEUED:
                await orchard.stop_task(other.id)
            pick.discarded.append(await discard(orchard, other.id))
        except (UserError, git.GitError) as exc:
            pick.failed[other.id] = str(exc)
    return pick


def _discarder() -> Discard:
    from app.services.land.archive import discard_task  # only when discarding is asked for

    return discard_task
