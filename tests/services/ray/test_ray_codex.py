"""The real Codex CLI, run on the cluster's second node against the scripted model."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.core.states import TaskState
from tests.conftest import git
from tests.e2e.agent_env import codex_env
from tests.e2e.e2ekit import allow_everything, need
from tests.e2e.model_server import ScriptedModelServer
from tests.services.ray.conftest import RayCluster, ray_orchard

pytestmark = [pytest.mark.ray, pytest.mark.e2e]

COMMANDS = ["printf 'hello\\n' > hello.txt", "echo more >> README.md"]
PROMPT = "Create hello.txt and add a line to README.md, then say 'All done.'"


def test_a_codex_task_on_the_second_node_lands_on_its_branch(
    ray_cluster: RayCluster,
    repo: Path,
    ray_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    need("codex")
    with ScriptedModelServer(COMMANDS) as srv:
        # The agent's environment is the supervisor's: it travels to the node with the turn.
        for key, value in codex_env(srv.base_url, tmp_path / "agent").items():
            monkeypatch.setenv(key, value)
        allow_everything(ray_home)  # asking on a node is test_inbox's; this proves the node
        orchard = ray_orchard(ray_home, ray_cluster, resources={"second": 1})
        try:
            asyncio.run(_run(orchard, repo))
            task = orchard.store.tasks()[0]
        finally:
            orchard.close()
    assert task.state is TaskState.SUCCEEDED, task.error
    assert task.node == ray_cluster.second
    assert task.session_id and task.tokens_out
    assert git(repo, "show", f"{task.branch}:hello.txt") == "hello\n"
    assert git(repo, "show", f"{task.branch}:README.md") == "hello\nmore\n"
    assert (task.files_changed, task.insertions, task.deletions) == (2, 2, 0)
    events = (ray_home / "logs" / task.id / "events.jsonl").read_text()
    assert "All done." in events and '"kind":"command"' in events


async def _run(orchard, repo: Path) -> None:  # type: ignore[no-untyped-def]
    await orchard.add_project(str(repo))
    await orchard.new_tasks("repo", PROMPT, agent="codex")
    await orchard.supervisor.run()
