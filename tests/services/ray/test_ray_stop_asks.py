"""Stopping a task on the cluster from another process; Claude Code's asks on a node."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from app.core.profiles import AgentProfile, OutputFormat
from app.core.states import TaskState
from app.services.tasks.taskrun import NO_ASKING_ON_NODES
from tests.conftest import cli_for, process_alive
from tests.services.ray.conftest import RayCluster, ray_orchard, wait_for

pytestmark = pytest.mark.ray

WAITS = "sleep 300 & echo $! > child.pid; echo started; wait"
ALONE = {"ORCHARD_SERVICE": "off"}  # the CLI acts itself, as when no service runs


async def _child(ray_cluster: RayCluster, task_id: str) -> int:
    pidfile = ray_cluster.node_dir / "worktrees" / task_id / "child.pid"
    return int(await wait_for(lambda: pidfile.exists() and pidfile.read_text().strip()))


def test_a_stop_from_another_process_reaches_the_task_through_its_supervisor(
    ray_cluster: RayCluster, repo: Path, ray_home: Path
) -> None:
    """The task has no process group here: the supervising process sees the request."""
    orchard = ray_orchard(ray_home, ray_cluster, resources={"second": 1})

    async def scenario() -> None:
        orchard.lock.acquire()
        await orchard.add_project(str(repo))
        (task,) = await orchard.new_tasks("repo", WAITS, agent="shell")
        running = asyncio.create_task(orchard.supervisor.run())
        child = await _child(ray_cluster, task.id)
        stop = await asyncio.to_thread(cli_for(ray_home), "task", "stop", task.id, env=ALONE)
        assert (stop.code, stop.out.split()) == (0, [task.short_id, "stopped"]), stop.err
        await running
        assert orchard.task(task.id).state is TaskState.STOPPED
        assert not process_alive(child)

    try:
        asyncio.run(scenario())
    finally:
        orchard.close()


def test_a_stop_reaches_a_turn_no_orchard_follows_through_its_actor(
    ray_cluster: RayCluster, repo: Path, ray_home: Path
) -> None:
    """Orchard quit with the turn going on: `task stop` reaches the agent by its actor's name."""
    ray_home.mkdir(parents=True)
    (ray_home / "config.toml").write_text(
        f'[executor]\nkind = "ray"\naddress = "{ray_cluster.address}"\ncpus = 0\n'
        f'node_dir = "{ray_cluster.node_dir}"\n[executor.resources]\nsecond = 1\n'
    )
    orchard = ray_orchard(ray_home, ray_cluster, resources={"second": 1})
    child = 0

    async def until_quit() -> str:
        nonlocal child
        await orchard.add_project(str(repo))
        (task,) = await orchard.new_tasks("repo", WAITS, agent="shell")
        running = asyncio.create_task(orchard.supervisor.run())
        child = await _child(ray_cluster, task.id)
        assert not running.done()
        return task.id  # asyncio.run cancels the run: Orchard quits with the turn going on

    try:
        task_id = asyncio.run(until_quit())
    finally:
        orchard.close()
    assert process_alive(child)
    stop = cli_for(ray_home)("task", "stop", task_id, env=ALONE)
    assert stop.code == 0 and stop.out.split()[1] == "stopped", stop.err
    asyncio.run(wait_for(lambda: not process_alive(child), timeout=10))


def test_claude_code_on_a_node_cannot_ask_and_uses_the_projects_list_alone(
    ray_cluster: RayCluster, repo: Path, ray_home: Path
) -> None:
    """Orchard's permission tool needs the inbox's socket here: on a node it is not offered."""
    # An agent that asks as Claude Code does, and writes down the argv it was given.
    argv = ("sh", "-c", 'printf "%s\\n" "$@" > argv.txt', "sh", "-p", "{prompt}")
    asker = AgentProfile("asker", argv, OutputFormat.TEXT, asks="claude")
    orchard = ray_orchard(ray_home, ray_cluster, resources={"second": 1})
    orchard.settings = replace(orchard.settings, profiles={"asker": asker})
    orchard.supervisor.settings = orchard.settings

    async def scenario() -> None:
        await orchard.add_project(str(repo))
        orchard.rules.remember("repo", "npm test")
        (task,) = await orchard.new_tasks("repo", "do it", agent="asker")
        await orchard.supervisor.run()
        done = orchard.task(task.id)
        assert done.state is TaskState.SUCCEEDED, done.error
        given = (Path(done.worktree) / "argv.txt").read_text().splitlines()
        assert given[:2] == ["-p", "do it"] and "--permission-prompt-tool" not in given
        assert given[given.index("--allowedTools") + 1 :].count("Bash(npm test)") == 1
        events = (orchard.home.logs / task.id / "events.jsonl").read_text()
        assert NO_ASKING_ON_NODES in events
        assert not (orchard.home.agent_state / task.id / "orchard-mcp.json").exists()

    try:
        asyncio.run(scenario())
    finally:
        orchard.close()
