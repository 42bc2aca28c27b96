"""The land train through the real entry point: the service lands the cars by itself."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import Cli, git, make_repo
from tests.server.conftest import task_state, wait_for

CHECK = "if [ -e fail.flag ]; then echo 'fail.flag is here'; exit 1; fi\necho 'all good'\n"


def _cars(on: Cli) -> dict[str, dict[str, object]]:
    listed = on("land", "list", "--json")
    assert listed.code == 0, listed.err
    return {c["task"]: c for t in listed.json() for c in t["cars"]}


def test_the_service_lands_the_train_by_itself(tmp_path: Path, on: Cli) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "hello\n", "check.sh": CHECK})
    start = git(repo, "rev-parse", "main").strip()
    assert on("project", "add", str(repo), "--name", "gated", "--test", "sh check.sh").code == 0
    ids = [
        on("task", "new", "gated", command, "--agent", "shell").out.strip()
        for command in ("echo a > a.txt", "touch fail.flag", "echo c > c.txt")
    ]
    for task_id in ids:
        wait_for(lambda t=task_id: task_state(on, t) == "succeeded", what=f"task {task_id}")
    added = on("land", "add", *ids, "ffff0000")
    assert added.code == 1
    assert added.out.count("joined the train to main") == 3
    assert added.err.strip().count("\n") == 0 and "ffff0000" in added.err
    wait_for(
        lambda: all(c["state"] in ("landed", "ejected") for c in _cars(on).values()),
        timeout=120,
        what="the train to land its cars",
    )
    cars = _cars(on)
    assert [cars[i]["state"] for i in ids] == ["landed", "ejected", "landed"]
    assert "test command failed" in str(cars[ids[1]]["reason"])
    assert "fail.flag is here" in str(cars[ids[1]]["output"])
    assert [task_state(on, i) for i in ids] == ["merged", "succeeded", "merged"]
    landed = git(repo, "rev-list", "--first-parent", "--reverse", f"{start}..main").split()
    assert landed == [cars[ids[0]]["landed_commit"], cars[ids[2]]["landed_commit"]]
    text = on("land", "list")
    assert text.code == 0 and "gated → main" in text.out and "ejected" in text.out
    assert "test command failed" in text.out


def test_pause_resume_and_remove_a_car_under_test(tmp_path: Path, on: Cli) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "hello\n", "check.sh": CHECK})
    slow = "sleep 3 && sh check.sh"
    assert on("project", "add", str(repo), "--name", "gated", "--test", slow).code == 0
    assert "no land trains" in on("land", "list").out
    assert "no train has cars waiting" in on("land", "order").out
    assert on("land", "pause").code == 1  # no train yet: one line, refused
    task_id = on("task", "new", "gated", "echo a > a.txt", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "succeeded", what="the task")
    git(repo, "branch", "side")
    side = git(repo, "rev-parse", "side").strip()
    assert on("land", "add", task_id, "--into", "side").code == 0
    wait_for(lambda: _cars(on)[task_id]["state"] == "testing", what="the car under test")
    paused = on("land", "pause", "--into", "side")
    assert paused.code == 0 and "paused" in paused.out
    removed = on("land", "remove", task_id)
    assert removed.code == 0 and "taken off" in removed.out
    assert on("land", "remove", task_id).code == 1
    assert on("land", "resume").code == 0
    time.sleep(4)  # the test run it was under ends: it lands nothing
    assert git(repo, "rev-parse", "side").strip() == side
    assert task_state(on, task_id) == "succeeded"
    assert _cars(on)[task_id]["reason"] == "taken off the train"
