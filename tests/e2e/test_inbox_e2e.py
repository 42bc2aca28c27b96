"""Needs you, with the real Claude Code CLI against the scripted model: it asks through Orchard.

A foreground `orchard run` (no service) supervises; `orchard inbox` and `orchard answer`, run
as other processes, reach it through the inbox's door.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Cli, child_env, git
from tests.e2e.e2ekit import need, task_events
from tests.e2e.inboxkit import env_for, setup_tasks, start_run, tool_result_text, waiting
from tests.e2e.model_server import ScriptedModelServer, ToolUse

pytestmark = pytest.mark.e2e


def test_a_command_waits_until_allowed_from_the_cli(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("claude")
    with ScriptedModelServer(["touch x"]) as srv:
        env = env_for(srv.base_url, tmp_path)
        (task_id,) = setup_tasks(cli, repo, env, "Create x")
        run = start_run(home, env, running)
        (item,) = waiting(cli, env, 1)
        assert (item["task"], item["agent"], item["kind"]) == (task_id, "claude", "command")
        assert item["command"] == "touch x" and item["id"] == f"{task_id}-1"
        assert item["waiting_seconds"] >= 0 and not item["dangerous"]
        # The config the agent was given lives in Orchard's state, never in its worktree.
        assert (home / "agent-state" / task_id / "orchard-mcp.json").is_file()
        answered = cli("answer", item["id"], "--allow", env=env)
        assert answered.code == 0 and answered.out.strip() == f"{item['id']}: allowed"
        assert run.wait(timeout=120) == 0, run.stderr.read()
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert task["state"] == "succeeded"
    assert "x" in git(repo, "ls-tree", "--name-only", task["branch"]).split()
    assert not (Path(task["worktree"]) / "orchard-mcp.json").exists()
    again = cli("answer", item["id"], "--allow", env=env)
    assert again.code == 1 and again.err.count("\n") == 1
    assert "no longer be answered" in again.err or "no such request" in again.err


def test_denied_the_model_sees_the_message(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("claude")
    with ScriptedModelServer(["touch x"]) as srv:
        env = env_for(srv.base_url, tmp_path)
        (task_id,) = setup_tasks(cli, repo, env, "Create x")
        run = start_run(home, env, running)
        (item,) = waiting(cli, env, 1)
        assert cli("answer", item["id"], "--deny", "not in this repo", env=env).code == 0
        run.wait(timeout=120)
        seen = json.dumps([r.body for r in srv.requests])
    assert "not in this repo" in seen
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert "x" not in git(repo, "ls-tree", "--name-only", task["branch"]).split()


def test_always_allow_in_the_project_and_the_next_task_does_not_ask(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("claude")
    with ScriptedModelServer(["touch x"]) as srv:
        env = env_for(srv.base_url, tmp_path)
        (first,) = setup_tasks(cli, repo, env, "Create x")
        run = start_run(home, env, running)
        (item,) = waiting(cli, env, 1)
        assert cli("answer", item["id"], "--allow-project", env=env).code == 0
        assert run.wait(timeout=120) == 0
        assert "touch x" in (home / "inbox.toml").read_text()
        made = cli("task", "new", "repo", "Create x again", "--agent", "claude", env=env)
        second = made.out.strip()
        run = subprocess.run(
            [sys.executable, "-m", "app", "--home", str(home), "run"],
            env=child_env(env), cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
    task = cli("task", "show", second, "--json", env=env).json()
    assert task["state"] == "succeeded"
    assert "x" in git(repo, "ls-tree", "--name-only", task["branch"]).split()
    assert first != second


def test_five_tasks_waiting_on_one_command_answered_with_one_match(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("claude")
    with ScriptedModelServer(["bash -lc 'touch made-by-agent'"]) as srv:
        env = env_for(srv.base_url, tmp_path)
        ids = setup_tasks(cli, repo, env, "Make the file", n=5)
        run = start_run(home, env, running)
        items = waiting(cli, env, 5, timeout=180)
        assert sorted(i["task"] for i in items) == sorted(ids)
        answered = cli("answer", "--match", "touch made-*", "--allow", env=env)
        assert answered.code == 0 and len(answered.out.splitlines()) == 5
        assert run.wait(timeout=180) == 0
    for task_id in ids:
        task = cli("task", "show", task_id, "--json", env=env).json()
        names = git(repo, "ls-tree", "--name-only", task["branch"]).split()
        assert task["state"] == "succeeded" and "made-by-agent" in names


def test_dangerous_commands_ask_even_when_the_project_allows_everything(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("claude")
    (home).mkdir(parents=True, exist_ok=True)
    (home / "inbox.toml").write_text('[projects.repo]\nallow = ["*"]\ndeny = []\n')
    with ScriptedModelServer(["touch ok", "rm -rf src"]) as srv:
        env = env_for(srv.base_url, tmp_path)
        (task_id,) = setup_tasks(cli, repo, env, "Tidy")
        run = start_run(home, env, running)
        (item,) = waiting(cli, env, 1)
        assert item["command"] == "rm -rf src" and item["dangerous"]
        assert cli("answer", "--match", "*", "--allow", env=env).code == 1  # never by pattern
        assert cli("answer", item["id"], "--deny", env=env).code == 0
        assert run.wait(timeout=120) == 0
    task = cli("task", "show", task_id, "--json", env=env).json()
    names = git(repo, "ls-tree", "-r", "--name-only", task["branch"]).split()
    assert "ok" in names and "src/app.py" in names
    assert any(e["kind"] == "command" for e in task_events(cli, task_id, env))


QUESTION = "Which greeting should the file hold?"
ASK_USER = ToolUse(
    "AskUserQuestion",
    {
        "questions": [
            {
                "question": QUESTION,
                "header": "Greeting",
                "multiSelect": False,
                "options": [
                    {"label": "Hello", "description": "the friendly one"},
                    {"label": "Goodbye", "description": "the sad one"},
                ],
            }
        ]
    },
)


def test_a_question_is_answered_from_the_inbox_and_the_model_gets_the_reply(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("claude")
    with ScriptedModelServer([ASK_USER]) as srv:
        env = env_for(srv.base_url, tmp_path)
        (task_id,) = setup_tasks(cli, repo, env, "Ask me which greeting")
        run = start_run(home, env, running)
        (item,) = waiting(cli, env, 1)
        assert (item["task"], item["kind"], item["tool"]) == (
            task_id,
            "question",
            "AskUserQuestion",
        )
        assert item["question"] == QUESTION and item["options"] == ["Hello", "Goodbye"]
        assert cli("answer", item["id"], "--allow", env=env).code == 1  # a question wants a reply
        answered = cli("answer", item["id"], "--reply", "Goodbye", env=env)
        assert answered.code == 0 and answered.out.strip() == f"{item['id']}: replied to"
        assert run.wait(timeout=120) == 0, run.stderr.read()
        results = [tool_result_text(r.body) for r in srv.requests_to("/v1/messages")]
    said = [text for text in results if text]
    assert said and QUESTION in said[-1] and "Goodbye" in said[-1], said
    assert cli("task", "show", task_id, "--json", env=env).json()["state"] == "succeeded"


def test_allowed_for_the_task_claude_itself_stops_asking_in_its_session(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("claude")
    with ScriptedModelServer(["touch x", "touch x", "touch y"]) as srv:
        env = env_for(srv.base_url, tmp_path)
        (task_id,) = setup_tasks(cli, repo, env, "Create x twice, then y")
        run = start_run(home, env, running)
        (item,) = waiting(cli, env, 1)
        assert cli("answer", item["id"], "--allow-task", env=env).code == 0
        (second,) = waiting(cli, env, 1)
        # Had Claude asked for `touch x` again, Orchard would have answered it (as ...-2), and
        # `touch y` would wait as ...-3: the session rule Claude was handed spared the call.
        assert second["command"] == "touch y" and second["id"] == f"{task_id}-2"
        assert cli("answer", second["id"], "--allow", env=env).code == 0
        assert run.wait(timeout=120) == 0, run.stderr.read()
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert {"x", "y"} <= set(git(repo, "ls-tree", "--name-only", task["branch"]).split())
    settings = Path(task["worktree"]) / ".claude"
    assert not settings.exists()  # the rule lived in Claude's session only
