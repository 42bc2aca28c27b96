"""Budgets that pause, over real agents' processes, real repositories, the store and the inbox.

The spender agent reports a session as Codex does, writes its work, and reports 600 tokens a
step until it is stopped; resumed, it writes a second file and reports 100 tokens more.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.budget import BudgetSettings, Caps, ProjectBudget
from app.core.inbox import Answer, Ask, AskKind, Verdict
from app.core.profiles import AgentProfile, OutputFormat
from app.core.states import TaskState
from app.core.task import Task
from app.services.config.settings import Home, Settings, default_profiles
from app.services.orchard import Orchard, UserError
from tests.conftest import git, make_repo

THREAD = '{"type":"thread.started","thread_id":"sess-7"}'
USAGE = '{"type":"turn.completed","usage":{"input_tokens":500,"output_tokens":100}}'
SMALL = '{"type":"turn.completed","usage":{"input_tokens":80,"output_tokens":20}}'
STEPS = f"""printf '%s\\n' '{THREAD}'
i=0
while [ $i -lt 40 ]; do
  i=$((i+1)); echo "step $i" >> work.txt; printf '%s\\n' '{USAGE}'; sleep 0.2
done
"""
SPENDER = AgentProfile(
    "spender",
    ("sh", "-c", STEPS),
    OutputFormat.CODEX,
    prompt_via="stdin",
    resume_argv=(
        "sh",
        "-c",
        f"""printf '%s\\n' '{THREAD}'; cat > resumed.txt; printf '%s\\n' '{SMALL}'""",
    ),
)
# One step of 600 tokens, then done: a task that spends, for the batch caps.
ONCE = AgentProfile(
    "once", ("sh", "-c", f"printf '%s\\n' '{USAGE}'; echo once > once.txt"), OutputFormat.CODEX
)


def in_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body in one event loop, as the service does."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def _orchard(tmp_path: Path, **budget: Any) -> Orchard:
    repo = make_repo(tmp_path / "repo", {"README.md": "hello\n"})
    profiles = {**default_profiles(), "spender": SPENDER, "once": ONCE}
    settings = Settings(profiles=profiles)
    if budget:
        settings = Settings(profiles=profiles, budget=BudgetSettings(ProjectBudget(**budget)))
    orchard = Orchard(Home(tmp_path / "home"), settings=settings)
    await orchard.add_project(str(repo), name="repo")
    return orchard


@pytest.fixture
def orchard(tmp_path: Path) -> Iterator[Orchard]:
    o = asyncio.run(_orchard(tmp_path))
    yield o
    o.close()


async def _asked(orchard: Orchard, timeout: float = 30.0) -> Ask:
    """Wait until something waits in the inbox; return the oldest."""
    deadline = time.monotonic() + timeout
    while not orchard.inbox.pending():
        assert time.monotonic() < deadline, "nothing reached the inbox"
        await asyncio.sleep(0.05)
    return orchard.inbox.pending()[0]


def _show(task: Task, path: str) -> str:
    return git(Path(task.worktree), "show", f"{task.branch}:{path}")


def _texts(orchard: Orchard, task: Task) -> list[str]:
    path = orchard.home.logs / task.id / "events.jsonl"
    return [json.loads(line).get("text", "") for line in path.read_text().splitlines()]


async def _paused(orchard: Orchard) -> tuple[Task, Ask, asyncio.Task[None]]:
    [task] = await orchard.new_tasks("repo", "spend", agent="spender", caps=Caps(tokens=1000))
    runner = asyncio.create_task(orchard.supervisor.run())
    ask = await _asked(orchard)
    return orchard.task(task.id), ask, runner


@in_loop
async def test_a_task_pauses_at_its_token_cap_and_the_inbox_asks(orchard: Orchard) -> None:
    paused, ask, runner = await _paused(orchard)
    assert paused.state is TaskState.PAUSED
    assert (ask.kind, ask.task_id, ask.id) == (AskKind.BUDGET, paused.id, f"{paused.id}-1")
    assert ask.question is not None and "cap of 1,000 tokens" in ask.question
    assert 1000 <= (paused.tokens_in or 0) + (paused.tokens_out or 0) < 3000
    # Its work is committed, and it did not run on to its 40 steps.
    steps = _show(paused, "work.txt").splitlines()
    assert 2 <= len(steps) < 10
    assert "(paused)" in git(Path(paused.worktree), "log", "-1", "--format=%s", paused.branch)
    assert paused.error is not None and paused.error.startswith("paused: reached its cap")
    orchard.inbox.answer([ask.id], Answer(Verdict.STOP))
    await asyncio.wait_for(runner, 30)
    stopped = orchard.task(paused.id)
    assert (stopped.state, stopped.error) == (
        TaskState.STOPPED,
        "stopped at its budget cap; its work is kept",
    )
    assert _show(stopped, "work.txt").splitlines() == steps
    assert orchard.inbox.pending() == []


@in_loop
async def test_raise_continues_the_same_session_under_a_doubled_cap(orchard: Orchard) -> None:
    paused, ask, runner = await _paused(orchard)
    assert orchard.inbox.answer([ask.id], Answer(Verdict.RAISE)) == {ask.id: ""}
    await asyncio.wait_for(runner, 30)
    done = orchard.task(paused.id)
    assert (done.state, done.turns, done.budget_tokens) == (TaskState.SUCCEEDED, 2, 2000)
    assert _show(done, "resumed.txt").startswith("Your budget was raised. Continue where")
    assert _show(done, "work.txt") == _show(paused, "work.txt")  # kept through the turn
    assert any(
        t.startswith("follow-up turn 2 (resuming session sess-7)") for t in _texts(orchard, done)
    )
    assert done.spent_seconds >= paused.spent_seconds > 0


@in_loop
async def test_raise_by_an_amount_and_pause_again(orchard: Orchard) -> None:
    paused, ask, runner = await _paused(orchard)
    spent = (paused.tokens_in or 0) + (paused.tokens_out or 0)
    orchard.inbox.answer([ask.id], Answer(Verdict.RAISE, amount=1))  # still past it: asks again
    again = await _asked(orchard)
    assert again.id == f"{paused.id}-2" and again.kind is AskKind.BUDGET
    assert orchard.task(paused.id).budget_tokens == 1001
    still = orchard.task(paused.id)
    assert (still.state, still.turns) == (TaskState.PAUSED, 1)  # no turn spent on nothing
    assert (still.tokens_in or 0) + (still.tokens_out or 0) == spent
    assert again.question is not None and "cap of 1,001 tokens" in again.question
    stopped = await orchard.stop_task(paused.id)  # stopping a paused task expires its ask
    assert stopped.state is TaskState.STOPPED
    await asyncio.wait_for(runner, 30)
    assert orchard.inbox.pending() == []
    refusal = orchard.inbox.answer([again.id], Answer(Verdict.RAISE))[again.id]
    assert "has ended" in refusal


@in_loop
async def test_a_paused_task_asks_again_after_a_restart(tmp_path: Path) -> None:
    first = await _orchard(tmp_path)
    paused, _ask, runner = await _paused(first)
    await first.supervisor.stop_all()  # the service goes away: nothing answered by default
    await asyncio.wait_for(runner, 30)
    assert first.task(paused.id).state is TaskState.PAUSED
    first.close()
    second = Orchard(Home(tmp_path / "home"), settings=first.settings)
    try:
        runner = asyncio.create_task(second.supervisor.run())
        again = await _asked(second)
        assert (again.task_id, again.kind) == (paused.id, AskKind.BUDGET)
        second.inbox.answer([again.id], Answer(Verdict.STOP))
        await asyncio.wait_for(runner, 30)
        assert second.task(paused.id).state is TaskState.STOPPED
    finally:
        second.close()


@in_loop
async def test_a_group_at_its_cap_holds_back_its_queued_attempts(tmp_path: Path) -> None:
    orchard = await _orchard(tmp_path, group=Caps(tokens=500))
    try:
        tasks = await orchard.new_tasks("repo", "x", agent="once", attempts=3)
        await orchard.supervisor.run(parallel=2)
        states = [orchard.task(t.id).state for t in tasks]
        assert states == [TaskState.SUCCEEDED, TaskState.SUCCEEDED, TaskState.QUEUED]
        reason = orchard.supervisor.held_reason
        assert reason is not None and reason.startswith("its group reached its cap of 500 tokens")
        [other] = await orchard.new_tasks("repo", "y", agent="once")  # not of the group: runs
        await orchard.supervisor.run()
        assert orchard.task(other.id).state is TaskState.SUCCEEDED
    finally:
        orchard.close()


@in_loop
async def test_review_capacity_holds_a_projects_queued_tasks(tmp_path: Path) -> None:
    orchard = await _orchard(tmp_path, review_capacity=1)
    try:
        tasks = await orchard.new_tasks("repo", "x", agent="once", attempts=3)
        await orchard.supervisor.run(parallel=2)
        states = [orchard.task(t.id).state for t in tasks]
        assert states == [TaskState.SUCCEEDED, TaskState.SUCCEEDED, TaskState.QUEUED]
        assert orchard.supervisor.held_reason == (
            "2 tasks wait for your review in repo: dispatching more does not help"
        )
        orchard.store.update(tasks[0].id, state=TaskState.DISCARDED)  # reviewed one
        await orchard.supervisor.run()
        assert orchard.task(tasks[2].id).state is TaskState.QUEUED
        assert orchard.supervisor.held_reason == (
            "1 task waits for your review in repo: dispatching more does not help"
        )
        orchard.store.update(tasks[1].id, state=TaskState.MERGED)  # and the other: room
        await orchard.supervisor.run()
        assert orchard.task(tasks[2].id).state is TaskState.SUCCEEDED
        assert orchard.supervisor.held_reason is None
    finally:
        orchard.close()


@in_loop
async def test_bad_caps_are_refused_with_nothing_queued(orchard: Orchard) -> None:
    for caps, said in (
        (Caps(usd=0), "--budget-usd must be above 0"),
        (Caps(minutes=-1), "--budget-minutes must be above 0"),
        (Caps(tokens=0), "--budget-tokens must be above 0"),
    ):
        with pytest.raises(UserError, match=said):
            await orchard.new_tasks("repo", "x", agent="once", caps=caps)
    assert orchard.store.tasks() == []
