"""A home whose commands start the real background service, stopped after each test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.client import ServiceClient, ServiceDown, stop_service
from tests.conftest import Cli, cli_for, make_repo, process_alive

SERVICE_ON = {"ORCHARD_SERVICE": "on"}


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "home"
    yield path
    stop_service(path, force=True)


@pytest.fixture
def on(home: Path) -> Cli:
    """Run `orchard --home HOME ARGS` as a real subprocess that may start the service."""
    run = cli_for(home)
    return lambda *args, env=None, **kw: run(*args, env={**SERVICE_ON, **(env or {})}, **kw)


@pytest.fixture
def project(tmp_path: Path, on: Cli) -> str:
    make_repo(tmp_path / "repo", {"README.md": "hello\n"})
    assert on("project", "add", str(tmp_path / "repo"), "--name", "demo").code == 0
    return "demo"


def service_pid(home: Path) -> int:
    return int(ServiceClient(home).status()["pid"])


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    """Poll `predicate` until it is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def wait_gone(pid: int, timeout: float = 30.0) -> None:
    wait_for(lambda: not process_alive(pid), timeout, f"pid {pid} to exit")


def task_state(on: Cli, task_id: str) -> str:
    result = on("task", "show", task_id, "--json")
    assert result.code == 0, result.err
    return str(result.json()["state"])


def is_down(home: Path) -> bool:
    try:
        ServiceClient(home).status()
    except ServiceDown:
        return True
    return False
