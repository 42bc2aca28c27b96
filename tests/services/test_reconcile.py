"""Start-up reconciliation in-process: the reaper, stale locks, findings and repairs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.findings import ORPHAN_KILLED, WORKTREE_MISSING, Finding
from app.core.states import TaskState
from app.core.task import Task
from app.services import process
from app.services.config.settings import Home
from app.services.orchard import Orchard
from app.services.recovery.reconciliation import find_faults, reconcile, stale_index_locks
from app.services.recovery.repairs import _title_and_prompt
from tests.conftest import make_repo, process_alive


@pytest.fixture
def orchard(tmp_path: Path) -> Iterator[Orchard]:
    o = Orchard(Home(tmp_path / "home"))
    yield o
    o.close()


def _sleeper(*argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(argv) or ["sleep", "60"], start_new_session=True)


async def _running_task(orchard: Orchard, repo: Path, pgid: int, start: int | None) -> str:
    await orchard.add_project(str(repo))
    [task] = await orchard.new_tasks("repo", "work", agent="shell")
    orchard.store.update(task.id, state=TaskState.PREPARING)
    orchard.store.update(task.id, state=TaskState.RUNNING, pgid=pgid, proc_start=start)
    return task.id


def test_the_reaper_kills_the_recorded_group_and_marks_the_task(
    orchard: Orchard, tmp_path: Path
) -> None:
    agent = _sleeper()
    start = process.process_start_time(agent.pid)
    task_id = asyncio.run(_running_task(orchard, make_repo(tmp_path / "repo"), agent.pid, start))
    orchard.lock.acquire()
    [task] = orchard.supervisor.reconcile()
    assert agent.wait(timeout=5) == -9
    assert task.id == task_id and task.state is TaskState.INTERRUPTED and task.pgid is None
    [finding] = orchard.supervisor.findings
    assert finding.kind == ORPHAN_KILLED and finding.repair.endswith(f"retry {task.short_id}")


def test_a_reused_pid_is_never_killed(orchard: Orchard, tmp_path: Path) -> None:
    bystander = _sleeper()
    start = process.process_start_time(bystander.pid)
    assert start is not None
    asyncio.run(_running_task(orchard, make_repo(tmp_path / "repo"), bystander.pid, start - 1))
    try:
        [task] = orchard.supervisor.reconcile()
        time.sleep(0.2)
        assert process_alive(bystander.pid) and orchard.supervisor.findings == []
        assert task.state is TaskState.INTERRUPTED
    finally:
        bystander.kill()
        bystander.wait()


def test_a_group_whose_leader_exited_is_still_reaped(orchard: Orchard, tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    leader = subprocess.Popen(
        ["sh", "-c", f"sleep 60 & echo $! > {pidfile}"], start_new_session=True
    )
    start = process.process_start_time(leader.pid)
    leader.wait()
    child = int(pidfile.read_text())
    assert process_alive(child)
    asyncio.run(_running_task(orchard, make_repo(tmp_path / "repo"), leader.pid, start))
    orchard.supervisor.reconcile()
    deadline = time.monotonic() + 5
    while process_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_alive(child)


def test_a_recheck_never_reaps_the_tasks_this_supervisor_runs(
    orchard: Orchard, tmp_path: Path
) -> None:
    async def scenario() -> tuple[TaskState, list[Task]]:
        await orchard.add_project(str(make_repo(tmp_path / "repo")))
        [task] = await orchard.new_tasks("repo", "sleep 30", agent="shell")
        orchard.lock.acquire()
        orchard.supervisor.reconcile()
        run = asyncio.create_task(orchard.supervisor.run())
        while orchard.task(task.id).state is not TaskState.RUNNING:
            await asyncio.sleep(0.05)
        await reconcile(orchard)  # "Check for problems…" in the window
        again = orchard.supervisor.reconcile()
        await asyncio.sleep(0.3)
        state = orchard.task(task.id).state
        await orchard.supervisor.stop_all()
        await run
        return state, again

    assert asyncio.run(asyncio.wait_for(scenario(), 30)) == (TaskState.RUNNING, [])


def test_a_lock_held_by_a_live_git_is_not_stale(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    lock = repo / ".git" / "index.lock"
    lock.write_text("")
    old = time.time() - 600
    os.utime(lock, (old, old))
    assert stale_index_locks(str(repo), []) == [lock]
    holder = subprocess.Popen(
        ["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        time.sleep(0.1)
        assert stale_index_locks(str(repo), []) == []
    finally:
        holder.communicate(b"")
    assert stale_index_locks(str(repo), [], now=old + 1) == []  # young: git may finish


def test_findings_name_their_targets() -> None:
    f = Finding(
        WORKTREE_MISSING, "abcdef0123", "p", "/x", "gone", "orchard doctor --repair abcdef01"
    )
    assert f.matches(None) and f.matches("all") and f.matches(WORKTREE_MISSING)
    assert f.matches("abcdef") and not f.matches("index_lock") and not f.matches("fff")


def test_a_task_that_never_got_a_checkout_is_no_finding(orchard: Orchard, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> list[Finding]:
        await orchard.add_project(str(repo))
        [task] = await orchard.new_tasks("repo", "work", agent="shell")
        orchard.store.update(task.id, state=TaskState.FAILED, error="agent gone")
        return await find_faults(orchard.home, orchard.store)

    assert asyncio.run(scenario()) == []


def test_titles_and_prompts_come_back_from_orchard_commits() -> None:
    message = "Fix login (follow-up 2)\n\nOrchard task prompt:\n\nMake it work\nplease\n"
    assert _title_and_prompt(message, "fix-login") == ("Fix login", "Make it work\nplease")
    assert _title_and_prompt("", "fix-the-login") == ("fix the login", "fix the login")
    assert _title_and_prompt("Short (stopped)\n", "short") == ("Short", "Short")


def test_a_second_instance_can_ask_the_first_to_come_forward(orchard: Orchard) -> None:
    assert not orchard.lock.take_focus_request()
    orchard.lock.request_focus()
    assert orchard.lock.take_focus_request() and not orchard.lock.take_focus_request()
