"""The database log is folded in off the event loop; task logs reach their files while running."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from app.core.states import TaskState
from app.services.config.settings import Home
from app.services.orchard import Orchard
from app.services.store.database import Store
from app.services.tasks import supervisor as supervisor_module
from tests.conftest import make_repo
from tests.taskkit import make_task

pytestmark = pytest.mark.timeout(60)


def test_commits_never_checkpoint_and_checkpoint_folds_the_log_in(tmp_path: Path) -> None:
    db = tmp_path / "orchard.db"
    store = Store(db)
    try:
        ids = [f"{n:032d}" for n in range(50)]
        store.add_tasks([make_task(id=i, state=TaskState.RUNNING) for i in ids])
        before = db.stat().st_size
        for n in range(60):  # about 8 MB of log: SQLite's own threshold is 4 MB
            store.update_many({i: {"last_event": f"{n} " + "x" * 2500} for i in ids})
        wal = Path(f"{db}-wal")
        assert wal.stat().st_size > 6_000_000
        assert db.stat().st_size == before  # no commit copied the log into the database
        store.checkpoint()
        assert db.stat().st_size > before + 100_000
        assert store.task(ids[7]).last_event.startswith("59 ")
    finally:
        store.close()


def test_the_supervisor_checkpoints_in_a_thread_while_it_runs(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(supervisor_module, "CHECKPOINT_SECONDS", 0.3)
    calls: list[bool] = []

    async def scenario() -> None:
        orchard = Orchard(Home(tmp_path / "home"))
        try:
            real = orchard.store.checkpoint

            def spy() -> None:
                calls.append(threading.current_thread() is threading.main_thread())
                real()

            monkeypatch.setattr(orchard.store, "checkpoint", spy)
            await orchard.add_project(str(make_repo(tmp_path / "repo")), name="repo")
            [task] = await orchard.new_tasks("repo", "sleep 1.5", agent="shell")
            await orchard.supervisor.run()
            assert orchard.task(task.id).state is TaskState.SUCCEEDED
        finally:
            orchard.close()

    asyncio.run(scenario())
    assert len(calls) >= 3 and not any(calls)  # every one off the loop's thread


def test_a_running_tasks_events_reach_its_log_file_while_it_runs(tmp_path: Path) -> None:
    async def scenario() -> bool:
        orchard = Orchard(Home(tmp_path / "home"))
        try:
            await orchard.add_project(str(make_repo(tmp_path / "repo")), name="repo")
            # The prompt must not hold the line: Orchard logs the prompt when the turn starts.
            script = "printf 'early-%s\\n' line; sleep 3"
            [task] = await orchard.new_tasks("repo", script, agent="shell")
            runner = asyncio.create_task(orchard.supervisor.run())
            events = tmp_path / "home" / "logs" / task.id / "events.jsonl"
            seen = False
            for _ in range(150):  # 1.5 s: long before the task ends
                await asyncio.sleep(0.01)
                if events.exists() and b"early-line" in events.read_bytes():
                    seen = True
                    break
            await runner
            return seen
        finally:
            orchard.close()

    assert asyncio.run(scenario())
