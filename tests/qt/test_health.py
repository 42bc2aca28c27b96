"""Faults and resources in the window: problems found at start, repairs, a held queue, memory."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from app.core.states import TaskState
from app.qt.shell.healthcontroller import HealthController
from app.services.config.settings import Home
from app.services.orchard import Orchard
from tests.conftest import make_repo
from tests.qt.conftest import run, until
from tests.qt.test_window import Session

pytestmark = pytest.mark.timeout(180)


def health_of(s: Session) -> HealthController:
    assert s.controller.health is not None
    return s.controller.health


def test_a_worktree_deleted_by_hand_is_shown_and_repaired(loop: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"

    async def prepare() -> str:
        orchard = Orchard(Home(home))
        try:
            await orchard.add_project(str(make_repo(tmp_path / "repo")), "repo")
            [task] = await orchard.new_tasks(
                "repo", "echo made > made.txt", agent="shell", title="make a file"
            )
            await orchard.supervisor.run()
            return orchard.task(task.id).worktree
        finally:
            orchard.close()

    async def scenario() -> None:
        worktree = await prepare()
        assert (Path(worktree) / "made.txt").exists()
        shutil.rmtree(worktree)  # by hand, while Orchard was not running
        s = Session(home)
        health = health_of(s)
        await until(lambda: health.problems.isVisible(), what="problems shown")
        assert "1 problem needs" in health.problems.text()
        assert [f.kind for f in health.findings] == ["worktree_missing"]
        health.problems.click()
        dialog = await until(lambda: health.dialog, what="problems dialog")
        assert dialog.table.rowCount() == 1
        assert dialog.table.item(0, 0).text() == "worktree gone"
        dialog.repair.click()
        await until(lambda: not health.findings, what="repaired")
        assert (Path(worktree) / "made.txt").read_text() == "made\n"
        assert "Everything Orchard knows matches" in dialog.summary.text()
        assert not health.problems.isVisible()
        dialog.close()
        await s.close()

    run(loop, scenario)


def test_a_held_queue_says_why_and_running_tasks_show_memory(loop: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[settings]\nmin_free_memory_mb = 100000000\n")

    async def scenario() -> None:
        s = Session(home)
        await s.orchard.add_project(str(make_repo(tmp_path / "repo")), "repo")
        [held] = await s.orchard.new_tasks("repo", "sleep 30", agent="shell", title="held")
        health = health_of(s)
        await until(lambda: health.held.isVisible(), what="held shown")
        assert "queue held" in health.held.text() and "memory" in health.held.text()
        assert s.orchard.store.task(held.id).state is TaskState.QUEUED
        await s.close()
        # the same home with room to spare: the task runs and its memory shows
        (home / "config.toml").write_text("[settings]\nmin_free_memory_mb = 0\n")
        s = Session(home)
        await until(lambda: s.task(held.id) and s.task(held.id).state is TaskState.RUNNING)
        board = s.window.board.board_model
        await until(lambda: board.memory(held.id), what="memory measured", timeout=15)
        assert board.memory(held.id) > 100_000
        assert not health_of(s).held.isVisible()
        await s.orchard.stop_task(held.id)
        await s.close()

    run(loop, scenario)


def test_a_second_orchard_asks_the_first_to_come_forward(loop: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"

    async def scenario() -> None:
        s = Session(home)
        await until(lambda: s.orchard.lock.held, what="lock taken")
        other = Orchard(Home(home))
        try:
            other.lock.request_focus()  # what a second window does before it gives up
        finally:
            other.close()
        await until(lambda: "Another Orchard" in s.window.statusBar().currentMessage())
        await s.close()

    run(loop, scenario)


def test_a_damaged_database_is_rebuilt_before_the_board_is_filled(
    loop: Any, tmp_path: Path
) -> None:
    home = tmp_path / "home"

    async def prepare() -> list[str]:
        orchard = Orchard(Home(home))
        try:
            await orchard.add_project(str(make_repo(tmp_path / "repo")), "repo")
            made = await orchard.new_tasks(
                "repo", "echo made > made.txt", agent="shell", attempts=2
            )
            await orchard.supervisor.run()
            return [t.id for t in made]
        finally:
            orchard.close()

    async def scenario() -> None:
        ids = await prepare()
        (home / "orchard.db").write_bytes(b"\x00garbage" * 4096)
        s = Session(home)
        # the board's first filling, not the store poll seconds later, has the rebuilt tasks
        await until(lambda: s.controller._timer.isActive(), what="board filled")
        assert set(s.controller._tasks) == set(ids)
        assert all(s.task(i).state is TaskState.INTERRUPTED for i in ids)
        assert "2 tasks were rebuilt" in s.window.statusBar().currentMessage()
        await s.close()

    run(loop, scenario)
