"""The window as a client of the background service: live board and log, closing or a kill
of the window leaves the agents running, two windows stay live, the service comes back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.client import ServiceClient, stop_service
from app.core.states import TaskState
from app.services.config.settings import Home
from app.services.orchard import Orchard
from tests.conftest import ROOT, child_env, make_repo, process_alive
from tests.qt.conftest import run, until

pytestmark = pytest.mark.timeout(240)
ORCHARD = (sys.executable, "-m", "app")
LINES = 40  # each agent prints this many numbered lines, a few a second


class ClientSession:
    """A window of the home's service, built and run as `orchard` builds and runs it."""

    def __init__(self, home: Path) -> None:
        from app.main import build_service_window

        self.window, self.controller = build_service_window(Home(home))
        self.remote = self.controller.remote
        self.window.show()
        self.runner = asyncio.ensure_future(self.controller.run())

    async def close(self) -> None:
        self.controller._on_window_close_requested()  # what the window's close button does
        await self.runner
        self.window.deleteLater()

    def state(self, task_id: str) -> TaskState | None:
        task = self.controller.tasks.get(task_id)
        return task.state if task else None

    def log_texts(self) -> list[str]:
        log = self.window.log
        log.flush()
        return [log.row_text(r) for r in range(log.row_count())]


@pytest.fixture
def home(tmp_path: Path) -> Any:
    path = tmp_path / "home"
    yield path
    stop_service(path, force=True)


@pytest.fixture
def project(tmp_path: Path, home: Path) -> str:
    repo = make_repo(tmp_path / "repo")
    orchard = Orchard(Home(home))
    asyncio.run(orchard.add_project(str(repo), "demo"))
    orchard.close()
    return "demo"


def queue(home: Path, project: str, prompt: str, count: int = 1) -> list[str]:
    """Queue tasks as `orchard task new` does from a terminal, and wake the service."""
    ids = []
    for _ in range(count):
        out = subprocess.run(
            [*ORCHARD, "--home", str(home), "task", "new", project, prompt, "--agent", "shell"],
            capture_output=True,
            text=True,
            env=child_env({"ORCHARD_SERVICE": "on"}),
            cwd=ROOT,
            check=True,
        )
        ids.append(out.stdout.strip())
    return ids


def counting(lines: int = LINES, pause: float = 0.05) -> str:
    return f'for i in $(seq 1 {lines}); do echo "line $i"; sleep {pause}; done'


def test_the_window_starts_the_service_and_shows_its_agents_live(
    loop: Any, qtbot: Any, home: Path, project: str
) -> None:
    async def scenario() -> None:
        s = ClientSession(home)
        status = await until(lambda: _status(home), what="the service to answer")
        assert status["pid"] != os.getpid()  # the agents' supervisor is another process
        [task_id] = queue(home, project, counting())
        await until(lambda: s.state(task_id) is TaskState.RUNNING, what="the board to show it")
        s.window.board.select_task(task_id)
        await until(lambda: "line 3" in s.log_texts(), what="live lines in the log")
        await until(lambda: s.state(task_id) is TaskState.SUCCEEDED, what="the task to end")
        await until(lambda: f"line {LINES}" in s.log_texts())
        lines = [t for t in s.log_texts() if t.startswith("line ")]
        assert lines == [f"line {i}" for i in range(1, LINES + 1)]  # none lost, none twice
        await s.close()

    run(loop, scenario)


def test_closing_the_window_leaves_its_agents_running(
    loop: Any, qtbot: Any, home: Path, project: str
) -> None:
    async def scenario() -> None:
        s = ClientSession(home)
        await until(lambda: _status(home), what="the service to answer")
        [task_id] = queue(home, project, "sleep 3; echo done > done.txt")
        await until(lambda: s.state(task_id) is TaskState.RUNNING)
        assert "1 task keeps running in the background" in s.controller._background.text()
        await s.close()  # no question asked
        task = ServiceClient(home).request("GET", f"/v1/tasks/{task_id}")
        assert task["state"] == "running" and process_alive(task["pgid"])
        await until(lambda: _state(home, task_id) == "succeeded", what="the agent to finish")

    run(loop, scenario)


def test_a_killed_window_changes_nothing_for_the_agents(
    loop: Any, qtbot: Any, home: Path, project: str
) -> None:
    (home / "config.toml").write_text("[settings]\nparallel = 5\n")
    window = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(home)],
        env=child_env({"QT_QPA_PLATFORM": "offscreen", "ORCHARD_SERVICE": "on"}),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        loop.run_until_complete(until(lambda: _status(home), 60, "the window's service"))
        ids = queue(home, project, counting(30, 0.3), count=5)
        loop.run_until_complete(
            until(lambda: all(_state(home, i) == "running" for i in ids), 60, "5 agents")
        )
        window.send_signal(signal.SIGKILL)
        window.wait()
    finally:
        window.kill()

    async def scenario() -> None:
        await until(lambda: all(_state(home, i) == "succeeded" for i in ids), 60, "all 5")
        s = ClientSession(home)
        await until(lambda: all(s.state(i) is TaskState.SUCCEEDED for i in ids))
        s.window.board.select_task(ids[2])
        await until(lambda: "line 30" in s.log_texts(), what="the full log")
        assert [t for t in s.log_texts() if t.startswith("line ")] == [
            f"line {i}" for i in range(1, 31)
        ]
        await s.close()

    run(loop, scenario)


def test_two_windows_see_the_same_live_log(loop: Any, qtbot: Any, home: Path, project: str) -> None:
    async def scenario() -> None:
        first, second = ClientSession(home), ClientSession(home)
        await until(lambda: _status(home), what="the service to answer")
        [task_id] = queue(home, project, counting(60, 0.05))
        for s in (first, second):
            await until(lambda s=s: s.state(task_id) is TaskState.RUNNING)
            s.window.board.select_task(task_id)
        for s in (first, second):
            await until(lambda s=s: "line 60" in s.log_texts(), what="each window's log")
        assert first.log_texts() == second.log_texts()
        await first.close()
        await second.close()

    run(loop, scenario)


def test_the_window_brings_a_killed_service_back(
    loop: Any, qtbot: Any, home: Path, project: str
) -> None:
    async def scenario() -> None:
        s = ClientSession(home)
        old = (await until(lambda: _status(home), what="the service"))["pid"]
        await until(lambda: _status(home)["clients"], what="the window's board stream")
        os.kill(old, signal.SIGKILL)
        new = await until(
            lambda: (st := _status(home)) and st["pid"] != old and st, what="a new service"
        )
        [task_id] = queue(home, project, "echo back")
        await until(lambda: s.state(task_id) is TaskState.SUCCEEDED, what="the board, live")
        assert new["pid"] == _status(home)["pid"]
        await s.close()

    run(loop, scenario)


def test_the_shown_log_follows_the_task_through_a_new_service(
    loop: Any, qtbot: Any, home: Path, project: str
) -> None:
    async def scenario() -> None:
        s = ClientSession(home)
        old = (await until(lambda: _status(home), what="the service"))["pid"]
        [task_id] = queue(home, project, counting(400, 0.05))
        await until(lambda: s.state(task_id) is TaskState.RUNNING)
        s.window.board.select_task(task_id)
        await until(lambda: "line 3" in s.log_texts(), what="the live log")
        os.kill(old, signal.SIGKILL)  # the new service reaps the agent: the task is interrupted
        await until(lambda: s.state(task_id) is TaskState.INTERRUPTED, what="the new service")
        seen = len(s.log_texts())
        await s.controller.ops.resume(task_id)  # the shell agent starts its script again
        await until(lambda: len(s.log_texts()) > seen + 5, what="the new turn's lines, live")
        await s.controller.ops.stop(task_id)
        await s.close()

    run(loop, scenario)


def _status(home: Path) -> dict[str, Any] | None:
    try:
        return ServiceClient(home).status()
    except Exception:
        return None


def _state(home: Path, task_id: str) -> str | None:
    try:
        return str(ServiceClient(home).request("GET", f"/v1/tasks/{task_id}")["state"])
    except Exception:
        return None
