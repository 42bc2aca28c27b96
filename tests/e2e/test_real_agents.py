"""The real Codex and Claude Code CLIs, driven by Orchard, against a scripted model on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.client import stop_service
from tests.conftest import Cli, git
from tests.e2e.agent_env import claude_env, codex_env
from tests.e2e.e2ekit import allow_everything, need, task_events
from tests.e2e.model_server import ScriptedModelServer

pytestmark = pytest.mark.e2e

COMMANDS = ["printf 'hello\\n' > hello.txt", "echo more >> README.md"]
PROMPT = "Create hello.txt and add a line to README.md, then say 'All done.'"


def _env(agent: str, url: str, tmp: Path) -> dict[str, str]:
    return codex_env(url, tmp / "agent") if agent == "codex" else claude_env(url, tmp / "agent")


@pytest.fixture
def service_home(home: Path) -> Iterator[Path]:
    yield home
    stop_service(home, force=True)


@pytest.mark.parametrize("via", ["foreground", "service"])
@pytest.mark.parametrize("agent", ["codex", "claude"])
def test_agent_edits_land_on_the_task_branch(
    agent: str, via: str, cli: Cli, repo: Path, service_home: Path, tmp_path: Path
) -> None:
    """In the foreground `orchard run` runs the agent; through the service, the service does,
    with the environment of the command that started it, and `orchard run` follows it."""
    need(agent)
    allow_everything(service_home)  # asking is test_inbox_e2e's
    with ScriptedModelServer(COMMANDS) as srv:
        env = {**_env(agent, srv.base_url, tmp_path), "ORCHARD_SERVICE": "on"}
        if via == "foreground":
            env["ORCHARD_SERVICE"] = "off"
        assert cli("project", "add", str(repo), env=env).code == 0
        task_id = cli("task", "new", "repo", PROMPT, "--agent", agent, env=env).out.strip()
        if via == "service":
            seen = cli("service", "status", "--json", env=env).json()["environment"]
            assert seen["agents"][agent]  # found on the PATH the service took from `task new`
            assert ("ANTHROPIC_API_KEY" in seen["keys"]) == (agent == "claude")
        run = cli("run", env=env, timeout=240)
        prompts_seen = json.dumps([r.body for r in srv.requests])
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert run.code == 0, (run.err, task["error"])
    assert task["state"] == "succeeded"
    assert task["session_id"] and task["tokens_out"] and task["tokens_in"]
    assert "Create hello.txt" in prompts_seen

    changes = git(repo, "diff", "--name-status", task["base_commit"], task["branch"])
    assert set(changes.split("\n")) - {""} == {"A\thello.txt", "M\tREADME.md"}
    assert git(repo, "show", f"{task['branch']}:hello.txt") == "hello\n"
    assert git(repo, "show", f"{task['branch']}:README.md") == "hello\nmore\n"
    assert (task["files_changed"], task["insertions"], task["deletions"]) == (2, 2, 0)

    events = task_events(cli, task_id, env)
    kinds = {e["kind"] for e in events}
    assert {"session", "command", "message", "usage"} <= kinds
    done = [e for e in events if e["kind"] == "command" and e.get("status") == "completed"]
    assert [("hello.txt" in e["command"], e["exit_code"]) for e in done] == [(True, 0), (False, 0)]
    assert any(e["kind"] == "message" and "All done." in e["text"] for e in events)


def test_codex_model_failure_fails_the_task(cli: Cli, repo: Path, tmp_path: Path) -> None:
    need("codex")
    with ScriptedModelServer(COMMANDS, fail_status=500) as srv:
        env = _env("codex", srv.base_url, tmp_path)
        cli("project", "add", str(repo), env=env)
        task_id = cli("task", "new", "repo", PROMPT, "--agent", "codex", env=env).out.strip()
        run = cli("run", env=env, timeout=240)
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert run.code == 1 and task["state"] == "failed" and task["error"]
    assert any(e["kind"] == "error" for e in task_events(cli, task_id, env))
    assert git(repo, "rev-parse", task["branch"]).strip() == task["base_commit"]


def test_parallel_claude_runs_keep_separate_configs(
    cli: Cli, repo: Path, home: Path, tmp_path: Path
) -> None:
    need("claude")
    allow_everything(home)
    with ScriptedModelServer(COMMANDS) as srv:
        env = _env("claude", srv.base_url, tmp_path)
        cli("project", "add", str(repo), env=env)
        ids = cli(
            "task", "new", "repo", PROMPT, "--agent", "claude", "--attempts", "3", env=env
        ).out.split()
        run = cli("run", "--parallel", "3", env=env, timeout=240)
    assert run.code == 0, run.err
    tasks = [cli("task", "show", i, "--json", env=env).json() for i in ids]
    assert [t["state"] for t in tasks] == ["succeeded"] * 3
    assert len({t["session_id"] for t in tasks}) == 3
    for task in tasks:
        config = home / "agent-state" / task["id"] / "claude"
        assert config.is_dir()
        assert git(repo, "show", f"{task['branch']}:hello.txt") == "hello\n"
