"""Commands through the service: reads answered by the small client exactly as the full command
line answers them, and `orchard run` following the service's queue with the same exit codes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, Cli, child_env, make_repo
from tests.server.conftest import task_state, wait_for

OFF = {"ORCHARD_SERVICE": "off"}  # the full command line, reading and writing the database
READS = [
    ("task", "list"),
    ("task", "list", "--json"),
    ("task", "list", "--project", "demo"),
    ("task", "show", "{id}"),
    ("task", "show", "{id}", "--json"),
    ("task", "logs", "{id}"),
    ("task", "logs", "{id}", "--json"),
    ("task", "logs", "{id}", "--raw"),
]


def test_reads_through_the_service_print_what_the_full_cli_prints(
    on: Cli, project: str, home: Path
) -> None:
    task_id = on("task", "new", project, "echo one; echo two", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "succeeded", what="the task to end")
    for words in READS:
        argv = [w.format(id=task_id[:8]) for w in words]
        quick, full = on(*argv), on(*argv, env=OFF)
        assert (quick.code, quick.out, quick.err) == (full.code, full.out, full.err), argv
        assert quick.out.strip(), argv
    missing = on("task", "show", "feedbeef")
    assert missing.code == 1 and missing.err.startswith("orchard: no task")
    assert missing.err == on("task", "show", "feedbeef", env=OFF).err


def test_task_new_through_the_service_queues_as_the_full_cli_does(
    on: Cli, project: str, home: Path
) -> None:
    assert on("service", "start").code == 0
    new = on("task", "new", project, "echo a", "--agent", "shell", "--title", "T")
    assert new.code == 0 and len(new.out.strip()) == 32 and new.out.count("\n") == 1
    group = on("task", "new", project, "echo b", "--agent", "shell", "--attempts", "2", "--json")
    rows = [json.loads(line) for line in group.out.splitlines()]
    assert len(rows) == 2 and rows[0]["group"] == rows[1]["group"] and rows[0]["group"]
    assert on("task", "show", new.out.strip(), "--json").json()["title"] == "T"
    for bad in (("nope", "x"), (project, "x", "--agent", "nobody"), (project, "  ")):
        quick, full = on("task", "new", *bad), on("task", "new", *bad, env=OFF)
        assert (quick.code, quick.out, quick.err) == (full.code, full.out, full.err), bad
        assert quick.code == 1 and quick.err.startswith("orchard: ")


def test_reads_without_a_service_start_none(on: Cli, project: str, home: Path) -> None:
    listed = on("task", "list")
    assert listed.code == 0 and listed.out == ""
    assert on("service", "status").code == 3  # reading is no reason to start it


def test_orchard_run_follows_the_queue_and_fails_for_a_failed_task(
    on: Cli, project: str, home: Path
) -> None:
    ok = on("task", "new", project, "sleep 1; echo ok > ok.txt", "--agent", "shell").out.strip()
    bad = on("task", "new", project, "exit 3", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, bad) == "failed", what="the failing task to end")
    run = on("run")
    assert run.code == 1, run.err  # it ended before `run` began, and still counts
    assert "2 tasks: 1 failed, 1 succeeded" in run.err
    assert task_state(on, ok) == "succeeded"
    again = on("run")
    assert again.code == 0 and "nothing was queued" in again.err


def test_ctrl_c_on_orchard_run_stops_the_agents_it_follows(
    on: Cli, project: str, home: Path
) -> None:
    task_id = on("task", "new", project, "sleep 60", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "running", what="the agent to run")
    run = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(home), "run"],
        env=child_env({"ORCHARD_SERVICE": "on"}),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert "stopping the agents this run follows" in err
    assert task_state(on, task_id) == "stopped"


def test_task_stop_reaches_the_service_that_runs_the_task(
    on: Cli, project: str, home: Path
) -> None:
    task_id = on("task", "new", project, "sleep 60", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "running", what="the agent to run")
    stopped = on("task", "stop", task_id)
    assert stopped.code == 0 and stopped.out == f"{task_id[:8]} stopped\n", stopped.err
    shown = on("task", "show", task_id, "--json").json()
    assert shown["state"] == "stopped" and shown["pgid"] is None


def test_ctrl_c_ends_a_merge_waiting_on_the_service_at_once(
    on: Cli, home: Path, tmp_path: Path
) -> None:
    make_repo(tmp_path / "gated", {"README.md": "hello\n"})
    added = on("project", "add", str(tmp_path / "gated"), "--name", "gated", "--test", "sleep 30")
    assert added.code == 0, added.err
    task_id = on("task", "new", "gated", "echo x > x.txt", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "succeeded", what="the agent to finish")
    merge = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(home), "task", "merge", task_id],
        env=child_env({"ORCHARD_SERVICE": "on"}),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # the service runs the project's tests on the would-be result
    asked = time.monotonic()
    merge.send_signal(signal.SIGINT)
    _, err = merge.communicate(timeout=60)
    assert merge.returncode == 130, err
    assert time.monotonic() - asked < 10  # not the tests' 30 s
    assert task_state(on, task_id) == "succeeded"  # nothing landed
