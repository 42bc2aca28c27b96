"""Tasks on a real 2-node Ray cluster: checkout on the node, result fetched into the branch."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.core.states import TaskState
from tests.conftest import Cli, git, process_alive
from tests.services.ray.conftest import (
    RayCluster,
    agent_pids_in,
    ancestors,
    node_checkout,
    ray,
    ray_orchard,
    wait_for,
)

pytestmark = pytest.mark.ray


def test_a_shell_task_runs_in_a_checkout_on_the_second_node_and_lands_on_its_branch(
    ray_cluster: RayCluster, repo: Path, tmp_path: Path, ray_home: Path
) -> None:
    flag = tmp_path / "go"
    prompt = (
        f"echo started; echo warning >&2; while [ ! -e {flag} ]; do sleep 0.05; done; "
        "echo hi > made.txt"
    )
    orchard = ray_orchard(ray_home, ray_cluster, resources={"second": 1})

    async def scenario() -> None:
        await orchard.add_project(str(repo))
        (task,) = await orchard.new_tasks("repo", prompt, agent="shell")
        running = asyncio.create_task(orchard.supervisor.run())
        checkout = node_checkout(ray_cluster, task)
        pids = await wait_for(lambda: agent_pids_in(checkout))
        # The agent works in a checkout made on the node; Orchard has no worktree yet.
        assert not Path(task.worktree).exists()
        actor = ray.get_actor(f"task-{task.id}", namespace=orchard.supervisor.executor.namespace)
        where = ray.get(actor.where.remote())
        assert where["node"] == ray_cluster.second
        assert all(where["pid"] in ancestors(pid) for pid in pids)
        flag.touch()
        await running
        done = orchard.task(task.id)
        assert done.state is TaskState.SUCCEEDED, done.error
        assert done.node == ray_cluster.second
        assert (Path(done.worktree) / "made.txt").read_text() == "hi\n"
        assert "made.txt" in git(repo, "show", "--stat", done.branch)
        log = (orchard.home.logs / task.id / "raw.log").read_text()
        assert log == "started\n"  # stdout; stderr goes to the log's events
        events = (orchard.home.logs / task.id / "events.jsonl").read_text()
        assert '"warning"' in events

    try:
        asyncio.run(scenario())
    finally:
        orchard.close()


def test_stop_kills_the_agents_grandchild_on_its_node(
    ray_cluster: RayCluster, repo: Path, ray_home: Path
) -> None:
    prompt = "sleep 300 & echo $! > child.pid; echo started; wait"
    orchard = ray_orchard(ray_home, ray_cluster, resources={"second": 1})

    async def scenario() -> None:
        await orchard.add_project(str(repo))
        (task,) = await orchard.new_tasks("repo", prompt, agent="shell")
        running = asyncio.create_task(orchard.supervisor.run())
        pidfile = node_checkout(ray_cluster, task) / "child.pid"
        child = int(await wait_for(lambda: pidfile.exists() and pidfile.read_text().strip()))
        assert process_alive(child)
        stopped = await orchard.stop_task(task.id)
        await running
        assert orchard.task(task.id).state is TaskState.STOPPED, stopped
        await wait_for(lambda: not process_alive(child), timeout=5)

    try:
        asyncio.run(scenario())
    finally:
        orchard.close()


def test_an_unreachable_cluster_fails_the_run_in_one_line_and_leaves_tasks_queued(
    cli: Cli, repo: Path
) -> None:
    cli("project", "add", str(repo))
    task_id = cli("task", "new", "repo", "echo hi", "--agent", "shell").out.strip()
    env = {"ORCHARD_SERVICE": "off"}
    run = cli("run", "--executor", "ray", "--address", "127.0.0.1:1", env=env, timeout=60)
    assert run.code == 1
    assert run.err.strip().splitlines() == [
        "orchard: cannot reach the Ray cluster at 127.0.0.1:1: Connection refused; "
        "queued tasks wait (check [executor] address in config.toml)"
    ]
    assert cli("task", "show", task_id, "--json").json()["state"] == "queued"
    bad = cli("run", "--address", "127.0.0.1:1", env=env)
    assert (bad.code, bad.err) == (
        1,
        "orchard: --address names a Ray cluster: pass it with --executor ray\n",
    )


def test_ten_tasks_spread_over_both_nodes_by_their_agent_slots(
    ray_cluster: RayCluster, repo: Path, ray_home: Path
) -> None:
    """Each node has five agent slots and each task takes one: five land on each node."""
    orchard = ray_orchard(ray_home, ray_cluster, resources={"agent_slot": 1})

    async def scenario() -> None:
        await orchard.add_project(str(repo))
        tasks = await orchard.new_tasks(
            "repo", "echo $PWD > where.txt; sleep 1", agent="shell", attempts=10
        )
        await orchard.supervisor.run(parallel=10)
        done = [orchard.task(t.id) for t in tasks]
        assert [t.state for t in done] == [TaskState.SUCCEEDED] * 10, [t.error for t in done]
        nodes = sorted(t.node or "" for t in done)
        assert nodes == sorted([ray_cluster.head] * 5 + [ray_cluster.second] * 5)
        for t in done:
            # The result is in the local worktree once the task counts as succeeded.
            found = Path(t.worktree) / "where.txt"
            assert found.exists(), (orchard.home.logs / t.id / "events.jsonl").read_text()
            assert found.read_text().strip() == str(node_checkout(ray_cluster, t))

    try:
        asyncio.run(scenario())
    finally:
        orchard.close()


def test_an_idle_actor_ends_with_its_checkout_and_a_follow_up_starts_from_the_fetched_result(
    ray_cluster: RayCluster, repo: Path, ray_home: Path
) -> None:
    orchard = ray_orchard(ray_home, ray_cluster, resources={"second": 1}, idle_exit_seconds=1)
    executor = orchard.supervisor.executor

    async def scenario() -> None:
        await orchard.add_project(str(repo))
        (task,) = await orchard.new_tasks("repo", "echo one >> turns.txt", agent="shell")
        await orchard.supervisor.run()
        assert orchard.task(task.id).state is TaskState.SUCCEEDED
        checkout = node_checkout(ray_cluster, task)
        await wait_for(lambda: executor.find(task.id) is None and not checkout.exists(), 20)
        orchard.requeue(orchard.task(task.id), "followed up", next_prompt="echo two >> turns.txt")
        await orchard.supervisor.run()
        done = orchard.task(task.id)
        assert done.state is TaskState.SUCCEEDED, done.error
        assert (Path(done.worktree) / "turns.txt").read_text() == "one\ntwo\n"
        events = (orchard.home.logs / task.id / "events.jsonl").read_text()
        assert "or its actor ended" in events

    try:
        asyncio.run(scenario())
    finally:
        orchard.close()


def test_a_killed_actor_leaves_no_agent_behind_and_its_task_is_interrupted(
    ray_cluster: RayCluster, repo: Path, ray_home: Path
) -> None:
    """The agent has a session of its own: the reaper's watcher, not Ray, ends it."""
    prompt = "sleep 300 & echo $! > child.pid; echo started; wait"
    orchard = ray_orchard(ray_home, ray_cluster, resources={"second": 1})

    async def scenario() -> None:
        await orchard.add_project(str(repo))
        (task,) = await orchard.new_tasks("repo", prompt, agent="shell")
        running = asyncio.create_task(orchard.supervisor.run())
        checkout = node_checkout(ray_cluster, task)
        pidfile = checkout / "child.pid"
        child = int(await wait_for(lambda: pidfile.exists() and pidfile.read_text().strip()))
        agents = [*agent_pids_in(checkout), child]
        ray.kill(orchard.supervisor.executor.find(task.id), no_restart=True)
        await asyncio.wait_for(running, 60)
        assert orchard.task(task.id).state is TaskState.INTERRUPTED
        await wait_for(lambda: not any(process_alive(p) for p in agents), timeout=5)

    try:
        asyncio.run(scenario())
    finally:
        orchard.close()
