"""The Triage tab of a service's window follows reports added from the command line, live."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.client import stop_service
from tests.conftest import ROOT, child_env
from tests.qt.conftest import run, until
from tests.qt.test_window_client import ORCHARD, ClientSession, _status
from tests.qt.test_window_client import project as project  # the fixture

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def home(tmp_path: Path) -> Any:
    path = tmp_path / "home"
    yield path
    stop_service(path, force=True)


def orchard(home: Path, *args: str) -> str:
    """Run `orchard ARGS` from a terminal, through the home's service."""
    out = subprocess.run(
        [*ORCHARD, "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=child_env({"ORCHARD_SERVICE": "on"}),
        cwd=ROOT,
        check=True,
    )
    return out.stdout.strip()


def test_reports_added_from_the_cli_appear_without_a_reload(
    loop: Any, qtbot: Any, home: Path, project: str
) -> None:
    async def scenario() -> None:
        s = ClientSession(home)
        await until(lambda: _status(home), what="the service to answer")
        triage = next(t for t in s.controller.tools if type(t).__name__ == "TriageController")
        s.window.tabs.setCurrentIndex(1)
        await until(lambda: triage.project == project, what="the tab on the project")
        view = triage.view
        await until(lambda: triage._first_load and triage._first_load.done(), what="loaded")
        assert view.model.rowCount() == 0
        await until(lambda: s.controller._connected, what="the board streaming")
        first = int(orchard(home, "triage", "capture", project, "Crash on save"))
        await until(lambda: view.model.report(first) is not None, what="the captured report")
        assert view.model.is_fresh(first)  # it came by itself: marked until seen
        orchard(home, "triage", "set", str(first), "--priority", "P1", "--category", "crash")
        await until(
            lambda: (r := view.model.report(first)) is not None and r.priority == "P1",
            what="the change made in the terminal",
        )
        await s.close()

    run(loop, scenario)
