"""Faults of tasks on a Ray cluster: a node lost mid-turn, an Orchard that quits mid-turn."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from app.core.messages import TaskRawOutput
from app.core.states import TaskState
from app.services.remote import RayExecutor
from tests.conftest import ROOT, child_env, cli_for, git, process_alive
from tests.services.ray.conftest import (
    RayCluster,
    agent_pids_in,
    node_checkout,
    ray_orchard,
    wait_for,
)

pytestmark = pytest.mark.ray


def test_a_lost_node_interrupts_its_task_keeping_the_last_fetched_result_and_a_retry_runs_elsewhere(
    ray_cluster: RayCluster, repo: Path, ray_home: Path
) -> None:
    cluster = ray_cluster.cluster
    doomed = cluster.add_node(num_cpus=0, resources={"doomed": 10})
    cluster.wait_for_nodes()
    orchard = ray_orchard(ray_home, ray_cluster, resources={"doomed": 1})

    async def scenario() -> None:
        await orchard.add_project(str(repo))
        (task,) = await orchard.new_tasks("repo", "echo run >> runs.txt", agent="shell")
        await orchard.supervisor.run()
        first = orchard.task(task.id)
        assert (first.state, first.node) == (TaskState.SUCCEEDED, doomed.node_id), first.error
        fetched = git(repo, "rev-parse", first.branch).strip()
        # A follow-up goes to the same actor, in its checkout, then the node is lost.
        orchard.requeue(first, "followed up", next_prompt="echo lost > lost.txt; sleep 300")
        running = asyncio.create_task(orchard.supervisor.run())
        checkout = node_checkout(ray_cluster, task)
        # Lost once Orchard has seen the agent start: a start lost on its way back keeps the
        # follow-up for the retry (by design), which would then run `sleep 300` again.
        await wait_for(
            lambda: (
                (checkout / "lost.txt").exists()
                and orchard.task(task.id).state is TaskState.RUNNING
            )
        )
        agents = agent_pids_in(checkout)
        cluster.remove_node(doomed)
        await asyncio.wait_for(running, 60)
        lost = orchard.task(task.id)
        assert lost.state is TaskState.INTERRUPTED
        assert "was lost" in (lost.error or "") and "last fetched result is kept" in lost.error
        assert git(repo, "rev-parse", lost.branch).strip() == fetched
        await wait_for(lambda: not any(process_alive(p) for p in agents), timeout=10)
        # The retry starts afresh elsewhere, from the last fetched result.
        settings = replace(orchard.settings.executor, resources={"second": 1})
        orchard.supervisor.executor = RayExecutor(orchard.home, settings)
        orchard.retry_task(task.id)
        await orchard.supervisor.run()
        again = orchard.task(task.id)
        assert (again.state, again.node) == (TaskState.SUCCEEDED, ray_cluster.second), again.error
        assert (Path(again.worktree) / "runs.txt").read_text() == "run\nrun\n"
        events = (orchard.home.logs / task.id / "events.jsonl").read_text()
        assert "which ran the last turn, is gone" in events

    try:
        asyncio.run(scenario())
    finally:
        orchard.close()


def test_a_restarted_orchard_follows_the_turn_again_with_no_gap_and_no_duplicate(
    ray_cluster: RayCluster, repo: Path, ray_home: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "go"
    prompt = (
        "for i in $(seq 1 40); do echo line $i; sleep 0.02; done; "
        f"while [ ! -e {flag} ]; do sleep 0.05; done; "
        "for i in $(seq 41 80); do echo line $i; done"
    )
    first = ray_orchard(ray_home, ray_cluster, resources={"second": 1})
    seen = bytearray()

    async def until_quit() -> str:
        await first.add_project(str(repo))
        (task,) = await first.new_tasks("repo", prompt, agent="shell")
        first.supervisor.subscribe(
            lambda m: seen.extend(m.data) if isinstance(m, TaskRawOutput) else None
        )
        running = asyncio.create_task(first.supervisor.run())
        await wait_for(lambda: b"line 20\n" in seen)
        assert not running.done()
        return task.id  # asyncio.run cancels the run: Orchard quits with the turn going on

    try:
        task_id = asyncio.run(until_quit())
    finally:
        first.close()
    second = ray_orchard(ray_home, ray_cluster, resources={"second": 1})

    async def after_restart() -> None:
        second.lock.acquire()
        assert second.supervisor.reconcile() == []  # not interrupted: followed again
        running = asyncio.create_task(second.supervisor.run())
        await asyncio.sleep(0.5)
        flag.touch()
        await running

    try:
        asyncio.run(after_restart())
        done = second.task(task_id)
        assert done.state is TaskState.SUCCEEDED, done.error
        log = (second.home.logs / task_id / "raw.log").read_text()
        assert log.splitlines() == [f"line {i}" for i in range(1, 81)]
    finally:
        second.close()


def test_an_orchard_killed_mid_turn_is_followed_again_from_where_its_log_ends(
    ray_cluster: RayCluster, repo: Path, ray_home: Path, tmp_path: Path
) -> None:
    """`orchard run` SIGKILLed while its task runs on the cluster: the next Orchard reattaches."""
    flag = tmp_path / "go"
    prompt = (
        "for i in $(seq 1 40); do echo line $i; sleep 0.02; done; "
        f"while [ ! -e {flag} ]; do sleep 0.05; done; "
        "for i in $(seq 41 80); do echo line $i; done"
    )
    ray_home.mkdir(parents=True)
    (ray_home / "config.toml").write_text(
        f'[executor]\nkind = "ray"\naddress = "{ray_cluster.address}"\ncpus = 0\n'
        f'node_dir = "{ray_cluster.node_dir}"\n[executor.resources]\nsecond = 1\n'
    )
    cli = cli_for(ray_home)
    assert cli("project", "add", str(repo)).code == 0
    task_id = cli("task", "new", "repo", prompt, "--agent", "shell").out.strip()
    raw = ray_home / "logs" / task_id / "raw.log"
    run = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(ray_home), "run"],
        cwd=ROOT,
        env=child_env({"ORCHARD_SERVICE": "off"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (raw.exists() and b"line 20\n" in raw.read_bytes()):
            assert time.monotonic() < deadline and run.poll() is None, "the task never ran"
            time.sleep(0.05)
    finally:
        run.kill()
        run.wait()
    second = ray_orchard(ray_home, ray_cluster, resources={"second": 1})

    async def after_restart() -> None:
        second.lock.acquire()
        assert second.supervisor.reconcile() == []
        running = asyncio.create_task(second.supervisor.run())
        await asyncio.sleep(0.5)
        flag.touch()
        await running

    try:
        asyncio.run(after_restart())
        done = second.task(task_id)
        assert done.state is TaskState.SUCCEEDED, done.error
        assert raw.read_text().splitlines() == [f"line {i}" for i in range(1, 81)]
    finally:
        second.close()
