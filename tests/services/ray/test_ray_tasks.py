"""Tasks on a real 2-node Ray cluster: checkout on the node, result fetched into the branch."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.core.states import TaskState
from tests.conftest import git
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
    ray_cluster: RayCluster, repo: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "go"
    prompt = f"echo started; while [ ! -e {flag} ]; do sleep 0.05; done; echo hi > made.txt"
    orchard = ray_orchard(tmp_path / "home", ray_cluster, resources={"second": 1})

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
        assert log.startswith("started\n")

    try:
        asyncio.run(scenario())
    finally:
        orchard.close()
