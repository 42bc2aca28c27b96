"""Fault: too little free memory. New agents wait in the queue, saying why, then start."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from app.core.states import TaskState
from app.services.config.settings import Home, Settings
from app.services.orchard import Orchard
from app.services.tasks.supervisor import Message, QueueHeld
from tests.conftest import make_repo


async def _held_then_started(tmp_path: Path) -> None:
    settings = Settings(min_free_memory_mb=10**9)  # far above this machine's memory
    orchard = Orchard(Home(tmp_path / "home"), settings=settings)
    try:
        await orchard.add_project(str(make_repo(tmp_path / "repo")), name="repo")
        [task] = await orchard.new_tasks("repo", "echo ran > ran.txt", agent="shell")
        messages: list[Message] = []
        orchard.supervisor.subscribe(messages.append)
        runner = asyncio.create_task(orchard.supervisor.run())
        await asyncio.sleep(2.5)  # two polls and more

        assert orchard.task(task.id).state is TaskState.QUEUED
        assert not Path(task.worktree).exists()
        reason = orchard.supervisor.held_reason
        assert reason is not None and reason.startswith("waiting for memory: ")
        assert "[settings] min_free_memory_mb" in reason
        held = [m for m in messages if isinstance(m, QueueHeld)]
        assert held and all(m.reason for m in held)

        orchard.supervisor.settings = replace(settings, min_free_memory_mb=1)
        orchard.supervisor.wake()
        await asyncio.wait_for(runner, 60)
        done = orchard.task(task.id)
        assert done.state is TaskState.SUCCEEDED, done.error
        assert (Path(done.worktree) / "ran.txt").read_text() == "ran\n"
        assert orchard.supervisor.held_reason is None
        assert [m for m in messages if isinstance(m, QueueHeld)][-1] == QueueHeld(None)
    finally:
        orchard.close()


def test_queued_agent_waits_for_memory_and_starts_when_there_is_enough(tmp_path: Path) -> None:
    asyncio.run(_held_then_started(tmp_path))


def test_the_hold_is_off_when_nothing_is_queued(tmp_path: Path) -> None:
    async def body() -> None:
        orchard = Orchard(Home(tmp_path / "home"), settings=Settings(min_free_memory_mb=10**9))
        try:
            await orchard.supervisor.run()  # nothing queued: returns at once
            assert orchard.supervisor.held_reason is None
        finally:
            orchard.close()

    asyncio.run(body())
