"""Needs you, when things go wrong: the real Claude Code CLI against the scripted model.

An unreadable list still lets a person answer; nothing is allowed because nobody answered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, git
from tests.e2e.e2ekit import need
from tests.e2e.inboxkit import env_for, setup_tasks, start_run, tool_result_text, waiting
from tests.e2e.model_server import ScriptedModelServer

pytestmark = pytest.mark.e2e


def test_an_unreadable_list_still_reaches_a_person_and_doctor_says_why(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("claude")
    home.mkdir(parents=True, exist_ok=True)
    (home / "inbox.toml").write_text("[projects.repo\nallow = [")
    with ScriptedModelServer(["touch x"]) as srv:
        env = env_for(srv.base_url, tmp_path)
        (task_id,) = setup_tasks(cli, repo, env, "Create x")
        run = start_run(home, env, running)
        (item,) = waiting(cli, env, 1)
        assert item["command"] == "touch x"
        assert cli("answer", item["id"], "--allow", env=env).code == 0
        assert run.wait(timeout=120) == 0, run.stderr.read()
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert "x" in git(repo, "ls-tree", "--name-only", task["branch"]).split()
    found = cli("doctor", "--json", env=env)
    kinds = [f["kind"] for f in found.json()["findings"]]
    assert "rules_unreadable" in kinds, found.out


def test_nothing_is_allowed_when_the_agent_stops_waiting(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("claude")
    with ScriptedModelServer(["touch x"]) as srv:
        # Claude Code gives up on the permission tool after 3 s: a timeout, never an allow.
        env = {**env_for(srv.base_url, tmp_path), "MCP_TOOL_TIMEOUT": "3000"}
        (task_id,) = setup_tasks(cli, repo, env, "Create x")
        run = start_run(home, env, running)
        (item,) = waiting(cli, env, 1)
        run.wait(timeout=120)
        seen = [r.body for r in srv.requests_to("/v1/messages")]
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert not (Path(task["worktree"]) / "x").exists()
    assert "x" not in git(repo, "ls-tree", "--name-only", task["branch"]).split()
    said = tool_result_text(seen[-1])  # the model heard a timeout, not a success
    assert "timed out" in said and "error" in said.lower(), said
    late = cli("answer", item["id"], "--allow", env=env)
    assert late.code == 1 and late.err.count("\n") == 1
