"""Running tasks' progress is saved off the event loop, and never overwrites a later write."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from app.core.states import TaskState
from app.core.task import Task
from app.services.config.settings import Home
from app.services.orchard import Orchard
from app.services.store.database import Store
from app.services.tasks.supervisor import TaskUpdated
from tests.conftest import make_repo
from tests.taskkit import make_task

pytestmark = pytest.mark.timeout(60)

ID = "a" * 32


def test_an_update_waits_for_the_save_started_before_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "orchard.db")
    store.add_tasks([make_task(id=ID, state=TaskState.RUNNING)])
    gate = threading.Event()
    with ThreadPoolExecutor(1) as saver:
        saver.submit(gate.wait, 10)  # the save queues behind this, as behind a slow disk
        future = store.update_many_on(saver, {ID: {"last_event": "older progress"}})
        final = threading.Thread(
            target=store.update, args=(ID,), kwargs={"state": TaskState.SUCCEEDED}
        )
        final.start()
        final.join(0.3)
        assert final.is_alive()  # the final write waits for the save made before it
        gate.set()
        final.join(10)
        assert future.result(10)[ID].last_event == "older progress"
    task = store.task(ID)
    store.close()
    assert (task.state, task.last_event) == (TaskState.SUCCEEDED, "older progress")


def test_a_failed_save_raises_from_its_future_and_later_updates_still_apply(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "orchard.db")
    store.add_tasks([make_task(id=ID, state=TaskState.RUNNING)])
    with ThreadPoolExecutor(1) as saver:
        future = store.update_many_on(saver, {"z" * 32: {"last_event": "nobody's"}})
        assert store.update(ID, last_event="mine").last_event == "mine"
        with pytest.raises(Exception, match="no task with id"):
            future.result(10)
    store.close()


def _watch_saves(
    orchard: Orchard, delay: float, fail: bool = False
) -> list[tuple[bool, dict[str, Any]]]:
    """Record each task write (on the loop's thread?, its changes).

    Those made in a thread, the progress saves, take `delay` seconds longer, as on a slow
    disk; with `fail`, they then fail as on a full one. The writes themselves are SQLite's.
    """
    seen: list[tuple[bool, dict[str, Any]]] = []
    real = orchard.store._update_many

    def spy(changes: dict[str, dict[str, Any]]) -> dict[str, Task]:
        on_loop = threading.current_thread() is threading.main_thread()
        seen.extend((on_loop, dict(c)) for c in changes.values())
        if not on_loop:
            time.sleep(delay)
            if fail:
                raise OSError("disk full")
        return real(changes)

    orchard.store._update_many = spy  # type: ignore[method-assign]
    return seen


def test_progress_is_saved_off_the_loop_and_the_final_state_lands_last(tmp_path: Path) -> None:
    async def scenario() -> None:
        orchard = Orchard(Home(tmp_path / "home"))
        try:
            await orchard.add_project(str(make_repo(tmp_path / "repo")), name="repo")
            # The task ends while its first progress save, slowed to 0.8 s, is under way.
            [task] = await orchard.new_tasks(
                "repo", "echo first-line; sleep 0.5; echo last-line", agent="shell"
            )
            seen = _watch_saves(orchard, 0.8)
            published: list[Task] = []
            orchard.supervisor.subscribe(
                lambda m: published.append(m.task) if isinstance(m, TaskUpdated) else None
            )
            gaps: list[float] = []

            async def ticker() -> None:
                last = time.monotonic()
                while True:
                    await asyncio.sleep(0.01)
                    now = time.monotonic()
                    gaps.append(now - last)
                    last = now

            ticking = asyncio.create_task(ticker())
            await orchard.supervisor.run()
            ticking.cancel()
            stored = orchard.task(task.id)
        finally:
            orchard.close()
        progress = [(on_loop, c) for on_loop, c in seen if "state" not in c]
        finals = [c for _, c in seen if c.get("state") == TaskState.SUCCEEDED]
        assert progress and not any(on_loop for on_loop, _ in progress)
        assert max(gaps) < 0.6  # the loop ran on while a save took 0.8 s
        assert stored.state is TaskState.SUCCEEDED
        # The slow save's older summary did not overwrite the final write's.
        [final] = finals
        assert stored.last_event == final["last_event"] != progress[0][1]["last_event"]
        assert published[-1] == stored  # and no older progress was published after it

    asyncio.run(scenario())


def test_a_run_whose_state_changed_during_a_save_keeps_its_newer_state(tmp_path: Path) -> None:
    async def scenario() -> list[TaskState]:
        orchard = Orchard(Home(tmp_path / "home"))
        try:
            # The first progress save, slowed to 0.8 s, starts while the setup command runs;
            # the agent starts, and the task turns running, before that save ends.
            repo = str(make_repo(tmp_path / "repo"))
            await orchard.add_project(repo, name="repo", setup="sleep 0.4")
            [task] = await orchard.new_tasks("repo", "sleep 0.6", agent="shell")
            _watch_saves(orchard, 0.8)
            states: list[TaskState] = []
            orchard.supervisor.subscribe(
                lambda m: states.append(m.task.state) if isinstance(m, TaskUpdated) else None
            )
            await orchard.supervisor.run()
            assert orchard.task(task.id).state is TaskState.SUCCEEDED
            return states
        finally:
            orchard.close()

    states = asyncio.run(scenario())
    running = states.index(TaskState.RUNNING)
    assert TaskState.PREPARING not in states[running:]  # the save's older task was not published


def test_progress_whose_save_fails_after_the_task_ended_goes_into_its_final_write(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    thread = json.dumps({"type": "thread.started", "thread_id": "sess-9"})
    (home / "config.toml").write_text(
        f"[agents.mine]\nargv = ['sh', '-c', \"\"\"echo '{thread}'; sleep 0.5\"\"\"]\n"
        'format = "codex-jsonl"\n'
    )

    async def scenario() -> Task:
        orchard = Orchard(Home(home))
        try:
            await orchard.add_project(str(make_repo(tmp_path / "repo")), name="repo")
            [task] = await orchard.new_tasks("repo", "go", agent="mine")
            _watch_saves(orchard, 0.8, fail=True)  # still under way when the task ends
            await orchard.supervisor.run()
            return orchard.task(task.id)
        finally:
            orchard.close()

    stored = asyncio.run(scenario())
    assert stored.state is TaskState.SUCCEEDED
    assert stored.session_id == "sess-9"  # only the failed progress save carried it
