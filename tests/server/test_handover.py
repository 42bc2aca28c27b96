"""An upgrade: the service of the Orchard installed before hands the home over to this one's,
letting its running agents finish first, and the tasks queued meanwhile run under the new one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.client import ServiceClient, ServiceError
from app.localsocket import API_VERSION, HANDOVER_PATH
from tests.conftest import ROOT, Cli, child_env, process_alive
from tests.server.conftest import task_state, wait_for, wait_gone

OLD = "0.0.1"


@pytest.fixture
def old_orchard(tmp_path: Path) -> Path:
    """A copy of this Orchard that calls itself the version installed before."""
    root = tmp_path / "old"
    shutil.copytree(ROOT / "app", root / "app", ignore=shutil.ignore_patterns("__pycache__"))
    init = root / "app" / "__init__.py"
    init.write_text(re.sub(r'__version__ = "[^"]+"', f'__version__ = "{OLD}"', init.read_text()))
    return root


def start_old_service(old: Path, home: Path, api: int | None = None) -> int:
    """Start the old Orchard's service on `home`, as its own `orchard` would; return its pid."""
    subprocess.Popen(
        [sys.executable, "-m", "app.server", "--home", str(home)],
        cwd=old,
        env=child_env({"PYTHONPATH": str(old)}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for(lambda: _version(home, api) == OLD, what="the old service")
    return int(ServiceClient(home).request("GET", "/v1/status", api=api or API_VERSION)["pid"])


def _version(home: Path, api: int | None = None) -> str | None:
    try:
        status = ServiceClient(home).request("GET", "/v1/status", api=api or API_VERSION)
    except Exception:
        return None
    return str(status["version"])


def test_an_idle_old_service_hands_over_at_once(
    on: Cli, project: str, home: Path, old_orchard: Path
) -> None:
    on("service", "stop")
    old = start_old_service(old_orchard, home)
    started = on("service", "start", "--json")
    assert started.code == 0, started.err
    status = started.json()
    assert status["version"] == __version__ and status["pid"] != old
    wait_gone(old)


def test_running_agents_finish_under_the_old_service_then_the_new_one_runs_the_queue(
    on: Cli, project: str, home: Path, old_orchard: Path
) -> None:
    on("service", "stop")
    old = start_old_service(old_orchard, home)
    first = on("task", "new", project, "sleep 2; echo old > old.txt", "--agent", "shell")
    first_id = first.out.strip()
    wait_for(lambda: task_state(on, first_id) == "running", what="the old service's agent")
    agent = ServiceClient(home).request("GET", f"/v1/tasks/{first_id}")["pgid"]

    started = on("service", "start")  # this Orchard's: it asks for the home
    assert started.code == 0, started.err
    assert f"Orchard {OLD}" in started.out and f"then Orchard {__version__}'s" in started.out
    assert process_alive(agent)  # nothing was stopped
    second = on("task", "new", project, "echo new > new.txt", "--agent", "shell")
    assert second.code == 0, second.err  # queued: it waits for the new service
    second_id = second.out.strip()

    wait_gone(old, timeout=60)
    assert task_state(on, first_id) == "succeeded"  # it finished; it was not interrupted
    wait_for(lambda: _version(home) == __version__, what="this Orchard's service")
    wait_for(lambda: task_state(on, second_id) == "succeeded", what="the queued task, run anew")


def test_a_service_from_before_handovers_drains_then_this_ones_starts(
    on: Cli, project: str, home: Path, old_orchard: Path
) -> None:
    # The Orchard before this one: service API 1, and no /handover to ask.
    sock = old_orchard / "app" / "localsocket.py"
    sock.write_text(re.sub(r"API_VERSION = \d+", "API_VERSION = 1", sock.read_text()))
    api = old_orchard / "app" / "server" / "api.py"
    api.write_text(api.read_text().replace("web.post(HANDOVER_PATH, handover),", ""))
    on("service", "stop")
    old = start_old_service(old_orchard, home, api=1)
    started = on("service", "start", "--json")
    assert started.code == 0, started.err
    assert started.json()["version"] == __version__ and started.json()["pid"] != old
    wait_gone(old)


def test_an_older_orchard_cannot_take_the_home_from_a_newer_one(
    on: Cli, project: str, home: Path
) -> None:
    assert on("service", "start").code == 0
    asked = {"version": "0.0.1", "argv": ["true"], "env": {}}
    with pytest.raises(ServiceError, match="newer than this Orchard") as refused:
        ServiceClient(home).request("POST", HANDOVER_PATH, asked)
    assert "\n" not in str(refused.value)
    assert _version(home) == __version__  # it kept the home
