"""The land train through the real entry point: the service lands the cars by itself."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from app.services import process
from tests.conftest import Cli, git, make_repo
from tests.server.conftest import service_pid, task_state, wait_for, wait_gone

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


def test_a_sigkilled_service_moves_no_target_half_way_and_the_train_resumes(
    tmp_path: Path, on: Cli, home: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "hello\n", "check.sh": CHECK})
    start = git(repo, "rev-parse", "main").strip()
    slow = "sleep 3 && sh check.sh"
    assert on("project", "add", str(repo), "--name", "gated", "--test", slow).code == 0
    ids = [
        on("task", "new", "gated", f"echo {n} > {n}.txt", "--agent", "shell").out.strip()
        for n in ("a", "b", "c")
    ]
    for task_id in ids:
        wait_for(lambda t=task_id: task_state(on, t) == "succeeded", what=f"task {task_id}")
    assert on("land", "add", *ids).code == 0
    scratch = str(home / "scratch")
    wait_for(lambda: process.groups_working_in(scratch), what="a proof's test command to run")
    time.sleep(1)  # in the middle of the test command
    proofs = set(process.groups_working_in(scratch))
    service = service_pid(home)
    os.killpg(os.getpgid(service), signal.SIGKILL)
    wait_gone(service)
    assert all(process.group_alive(g) for g in proofs)  # the test commands outlived it
    moved = git(repo, "rev-parse", "main").strip()
    assert moved == start  # nothing was proven yet: the target did not move at all

    assert on("service", "start").code == 0
    wait_for(lambda: not any(process.group_alive(g) for g in proofs), what="orphans reaped")
    wait_for(
        lambda: all(c["state"] == "landed" for c in _cars(on).values()),
        timeout=120,
        what="the train to resume and land its cars",
    )
    cars = _cars(on)
    landed = git(repo, "rev-list", "--first-parent", "--reverse", f"{start}..main").split()
    assert landed == [cars[i]["landed_commit"] for i in ids]
    assert [task_state(on, i) for i in ids] == ["merged"] * 3
    assert process.groups_working_in(scratch) == []
    assert on("service", "stop").code == 0
    assert not [p for p in Path(scratch).glob("scratch-*")]  # the kept checkouts went with it


# An agent that ignores its prompt: its first turn changes shared.txt; the turn it is sent back
# for merges the target in, keeping its own side, as an agent told to resolve the conflict would.
FIXER = (
    "if [ -e turn1.txt ]; then git merge -q -X ours -m 'merge the target' main; "
    "else echo fixer > shared.txt; echo 1 > turn1.txt; fi"
)


def test_an_ejected_car_is_sent_back_fixed_by_its_agent_and_lands(
    tmp_path: Path, on: Cli, home: Path
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(f'[agents.fixer]\nargv = ["sh", "-c", "{FIXER}"]\n')
    repo = make_repo(tmp_path / "repo", {"shared.txt": "one\n", "check.sh": CHECK})
    assert on("project", "add", str(repo), "--name", "gated", "--test", "sh check.sh").code == 0
    first = on("task", "new", "gated", "echo first > shared.txt", "--agent", "shell").out.strip()
    fixer = on("task", "new", "gated", "fix it", "--agent", "fixer").out.strip()
    for task_id in (first, fixer):
        wait_for(lambda t=task_id: task_state(on, t) == "succeeded", what=f"task {task_id}")
    assert on("land", "add", first, fixer, "--send-back").code == 0
    wait_for(lambda: task_state(on, fixer) == "merged", timeout=120, what="the fixed car to land")
    rides = [c for t in on("land", "list", "--json").json() for c in t["cars"]]
    mine = sorted((c for c in rides if c["task"] == fixer), key=lambda c: c["id"])
    assert [c["state"] for c in mine] == ["ejected", "landed"]
    assert "'shared.txt'" in mine[0]["reason"] and first[:8] in mine[0]["reason"]
    assert git(repo, "show", "main:shared.txt") == "fixer\n"
    assert task_state(on, first) == "merged"
