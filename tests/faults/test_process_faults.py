"""Process faults: a second Orchard on the same home, and the disk filling under a log."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.conftest import Cli

# The disk-full fault runs here too (it mounts a 3 MB tmpfs; skipped where that needs root).
from tests.services.test_supervision import (  # noqa: F401 - collected again under faults/
    popen_run,
    test_disk_full_while_writing_a_log,
    wait_tasks,
)


def test_a_second_orchard_says_who_runs_and_leaves_its_tasks_alone(
    cli: Cli, repo: Path, home: Path
) -> None:
    cli("project", "add", str(repo))
    task_id = cli("task", "new", "repo", "sleep 30", "--agent", "shell").out.strip()
    first = popen_run(home)
    try:
        wait_tasks(cli, [task_id], lambda t: t["state"] == "running")
        second = cli("run")
        assert second.code == 1
        assert f"another Orchard (pid {first.pid}) is already running tasks" in second.err
        assert "Traceback" not in second.err
        # doctor beside a live supervisor reports, and does not take its running task away
        doctor = cli("doctor", "--json")
        assert doctor.code == 0, doctor.out
        assert cli("task", "show", task_id, "--json").json()["state"] == "running"
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert cli("task", "show", task_id, "--json").json()["state"] == "stopped"
    assert cli("run").code == 0  # the home is free again
