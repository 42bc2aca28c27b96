"""Running many agents: parallelism, Ctrl-C, stop, timeouts, one supervisor per home."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, Cli, child_env, cli_for, git, process_alive

PIDS = "echo $$ > agent.pid; sleep 60 & echo $! > child.pid; wait"


def popen_run(home: Path, *args: str) -> subprocess.Popen[str]:
    """Start `orchard run` as a real supervisor process."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(home), "run", *args],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_tasks(cli: Cli, ids: list[str], ready, timeout: float = 60) -> list[dict]:
    """Poll `task list --json` until `ready(task)` holds for every task in `ids`."""
    deadline = time.monotonic() + timeout
    tasks: list[dict] = []
    while time.monotonic() < deadline:
        tasks = [t for t in cli("task", "list", "--json").json() if t["id"] in ids]
        if len(tasks) == len(ids) and all(ready(t) for t in tasks):
            return tasks
        time.sleep(0.3)
    raise AssertionError(f"tasks never got ready: {[t['state'] for t in tasks]}")


def _wait_states(cli: Cli, ids: list[str], states: set[str]) -> list[dict]:
    return wait_tasks(cli, ids, lambda t: t["state"] in states)


def _pid_files(task: dict) -> list[int]:
    wt = Path(task["worktree"])
    deadline = time.monotonic() + 20
    while not ((wt / "agent.pid").exists() and (wt / "child.pid").exists()):
        assert time.monotonic() < deadline, "agent never wrote its pids"
        time.sleep(0.1)
    time.sleep(0.1)
    return [int((wt / n).read_text()) for n in ("agent.pid", "child.pid")]


def test_32_parallel_shell_tasks_all_succeed(cli: Cli, repo: Path) -> None:
    cli("project", "add", str(repo))
    prompt = "echo $$ > agent.pid; for i in 1 2 3; do echo step $i; sleep 0.2; done"
    ids = cli("task", "new", "repo", prompt, "--agent", "shell", "--attempts", "10").out.split()
    for _ in range(2):
        ids += cli(
            "task", "new", "repo", prompt, "--agent", "shell", "--attempts", "10"
        ).out.split()
    ids += cli("task", "new", "repo", prompt, "--agent", "shell", "--attempts", "2").out.split()
    assert len(ids) == 32
    started = time.monotonic()
    run = cli("run", "--parallel", "32", timeout=300)
    assert run.code == 0, run.err
    assert time.monotonic() - started < 120
    tasks = cli("task", "list", "--json").json()
    assert [t["state"] for t in tasks] == ["succeeded"] * 32
    assert len({t["worktree"] for t in tasks}) == 32
    for task in tasks:
        assert cli("task", "logs", task["id"], "--raw").out == "step 1\nstep 2\nstep 3\n"
        pid = int(git(Path(task["worktree"]), "show", "HEAD:agent.pid"))
        assert not process_alive(pid)
    assert "32 tasks: 32 succeeded" in run.err


def test_ctrl_c_stops_every_agent_and_keeps_work(cli: Cli, repo: Path, home: Path) -> None:
    cli("project", "add", str(repo))
    ids = cli(
        "task",
        "new",
        "repo",
        f"echo partial > work.txt; {PIDS}",
        "--agent",
        "shell",
        "--attempts",
        "3",
    ).out.split()
    queued = cli("task", "new", "repo", "true", "--agent", "shell").out.strip()
    proc = popen_run(home, "--parallel", "3")
    tasks = _wait_states(cli, ids, {"running"})
    pids = [pid for t in tasks for pid in _pid_files(t)]
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "stopping all agents" in err and "Traceback" not in err
    for pid in pids:
        assert not process_alive(pid), f"process {pid} survived Ctrl-C"
    for task_id in ids:
        task = cli("task", "show", task_id, "--json").json()
        assert task["state"] == "stopped"
        assert Path(task["worktree"]).is_dir()
        assert (home / "logs" / task_id / "events.jsonl").exists()
        assert git(repo, "show", f"{task['branch']}:work.txt") == "partial\n"
    assert cli("task", "show", queued, "--json").json()["state"] == "queued"


def test_stop_one_task_from_another_process(cli: Cli, repo: Path, home: Path) -> None:
    cli("project", "add", str(repo))
    victim = cli("task", "new", "repo", PIDS, "--agent", "shell").out.strip()
    other = cli("task", "new", "repo", "sleep 2; echo finished", "--agent", "shell").out.strip()
    proc = popen_run(home)
    [task] = _wait_states(cli, [victim], {"running"})
    pids = _pid_files(task)
    stop = cli("task", "stop", victim[:8])
    assert stop.code == 0 and "stopped" in stop.out
    proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert cli("task", "show", victim, "--json").json()["state"] == "stopped"
    assert cli("task", "show", other, "--json").json()["state"] == "succeeded"
    assert not any(process_alive(p) for p in pids)


def test_stop_a_queued_task(cli: Cli, repo: Path) -> None:
    cli("project", "add", str(repo))
    task_id = cli("task", "new", "repo", "true", "--agent", "shell").out.strip()
    assert cli("task", "stop", task_id).code == 0
    assert cli("task", "show", task_id, "--json").json()["state"] == "stopped"
    assert cli("run").code == 0
    assert cli("task", "show", task_id, "--json").json()["state"] == "stopped"
    again = cli("task", "stop", task_id)
    assert again.code == 1 and "not running" in again.err


def test_timeout_fails_the_task(cli: Cli, repo: Path, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "config.toml").write_text('[agents.slow]\nargv = ["sleep", "30"]\ntimeout = 1\n')
    cli("project", "add", str(repo))
    task_id = cli("task", "new", "repo", "x", "--agent", "slow").out.strip()
    started = time.monotonic()
    assert cli("run").code == 1
    assert time.monotonic() - started < 20
    task = cli("task", "show", task_id, "--json").json()
    assert task["state"] == "failed" and "timed out after 1 s" in task["error"]


def test_one_supervisor_per_home(cli: Cli, repo: Path, home: Path) -> None:
    cli("project", "add", str(repo))
    task_id = cli("task", "new", "repo", "sleep 3", "--agent", "shell").out.strip()
    proc = popen_run(home)
    _wait_states(cli, [task_id], {"running"})
    second = cli("run")
    assert second.code == 1
    assert f"another Orchard (pid {proc.pid})" in second.err
    late = cli("task", "new", "repo", "echo late", "--agent", "shell").out.strip()
    proc.communicate(timeout=60)
    assert proc.returncode == 0
    # the running supervisor picked up the task queued while it ran
    assert cli("task", "show", late, "--json").json()["state"] == "succeeded"


def test_agent_left_by_a_dead_supervisor_is_killed_and_interrupted(
    cli: Cli, repo: Path, home: Path
) -> None:
    cli("project", "add", str(repo))
    task_id = cli("task", "new", "repo", PIDS, "--agent", "shell").out.strip()
    proc = popen_run(home)
    [task] = _wait_states(cli, [task_id], {"running"})
    pids = _pid_files(task)
    proc.kill()  # SIGKILL: no chance to clean up
    proc.communicate()
    assert all(process_alive(p) for p in pids)
    run = cli("run")
    assert "interrupted" in run.err
    task = cli("task", "show", task_id, "--json").json()
    assert task["state"] == "interrupted" and Path(task["worktree"]).is_dir()
    assert not any(process_alive(p) for p in pids)


def test_follow_logs_until_the_task_ends(cli: Cli, repo: Path, home: Path) -> None:
    cli("project", "add", str(repo))
    task_id = cli(
        "task",
        "new",
        "repo",
        "for i in 1 2 3 4; do echo tick $i; sleep 0.5; done",
        "--agent",
        "shell",
    ).out.strip()
    proc = popen_run(home)
    _wait_states(cli, [task_id], {"running", "succeeded"})
    follow = cli("task", "logs", task_id, "--follow", "--raw", timeout=60)
    proc.communicate(timeout=60)
    assert follow.out == "tick 1\ntick 2\ntick 3\ntick 4\n"


def test_disk_full_while_writing_a_log(cli: Cli, repo: Path, tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(small)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        home = small / "home"
        env_cli = cli_for(home)
        assert env_cli("project", "add", str(repo)).code == 0
        task_id = env_cli(
            "task",
            "new",
            "repo",
            "yes 'a line of agent output' | head -c 20000000",
            "--agent",
            "shell",
        ).out.strip()
        run = env_cli("run", timeout=120)
        assert run.code == 1
        task = env_cli("task", "show", task_id, "--json").json()
        assert task["state"] == "failed" and "disk full" in task["error"]
        raw = (home / "logs" / task_id / "raw.log").read_bytes()
        assert raw.startswith(b"a line of agent output\n")
        events = (home / "logs" / task_id / "events.jsonl").read_bytes()
        assert all(json.loads(line) for line in events.split(b"\n")[:-1][:50])
    finally:
        subprocess.run(["umount", "-l", str(small)], check=False)
