"""Needs you through the background service, with the real Claude Code CLI and the scripted model.

The task is run by the service (not a foreground run): its ask is on the board feed and in
`orchard inbox`, is answered through the service's operation, and the agent continues. A
service killed while an ask waits answers nothing for the person: the task is interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from app.client import Operations, ServiceClient, ServiceLink, client_call
from app.core.inbox import Answer, Verdict
from tests.conftest import Cli, git, make_repo
from tests.e2e.agent_env import claude_env
from tests.e2e.e2ekit import need
from tests.e2e.model_server import ScriptedModelServer
from tests.server.conftest import service_pid, task_state, wait_for, wait_gone

pytestmark = pytest.mark.e2e


def _start(on: Cli, tmp_path: Path, url: str) -> tuple[dict[str, str], str, Path]:
    env = {**claude_env(url, tmp_path / "agent"), "ORCHARD_SERVICE": "on"}
    repo = make_repo(tmp_path / "repo", {"README.md": "hello\n"})
    assert on("project", "add", str(repo), "--name", "demo", env=env).code == 0
    made = on("task", "new", "demo", "Create x", "--agent", "claude", env=env)
    assert made.code == 0, made.err
    return env, made.out.strip(), repo


def _inbox(on: Cli, env: dict[str, str], count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def listed() -> bool:
        result = on("inbox", "--json", env=env)
        found[:] = json.loads(result.out) if result.code == 0 and result.out.strip() else []
        return len(found) >= count

    wait_for(listed, 90, f"{count} requests in the inbox")
    return found


def test_a_service_run_asks_on_the_board_and_is_answered_through_its_operation(
    on: Cli, home: Path, tmp_path: Path
) -> None:
    need("claude")
    with ScriptedModelServer(["touch x"]) as srv:
        env, task_id, repo = _start(on, tmp_path, srv.base_url)

        async def watch_and_answer() -> list[list[dict[str, Any]]]:
            link = ServiceLink(home)
            seen: list[list[dict[str, Any]]] = []
            answered = False
            async for line in link.lines("/v1/board"):
                if "asks" not in line:
                    continue
                seen.append(list(line["asks"]))
                if seen[-1] and not answered:
                    (item,) = await asyncio.to_thread(_inbox, on, env, 1)
                    assert item["id"] == seen[-1][0]["id"] and item["command"] == "touch x"
                    ops = Operations(client_call(ServiceClient(home)))
                    results = await ops.answer_asks([item["id"]], Answer(Verdict.ALLOW))
                    assert results == {item["id"]: ""}
                    answered = True
                elif answered and not seen[-1]:
                    break  # the list emptied once answered
            await link.close()
            return seen

        seen = asyncio.run(asyncio.wait_for(watch_and_answer(), 120))
        wait_for(lambda: task_state(on, task_id) == "succeeded", 120, "the agent to finish")
    (ask,) = next(s for s in seen if s)
    assert ask["task_id"] == task_id and ask["kind"] == "command" and ask["agent"] == "claude"
    branch = on("task", "show", task_id, "--json", env=env).json()["branch"]
    assert "x" in git(repo, "ls-tree", "--name-only", branch).split()


def test_a_killed_service_answers_nothing_and_its_restart_expires_the_ask(
    on: Cli, home: Path, tmp_path: Path
) -> None:
    need("claude")
    with ScriptedModelServer(["touch x"]) as srv:
        env, task_id, _repo = _start(on, tmp_path, srv.base_url)
        (item,) = _inbox(on, env, 1)
        asked = len(srv.requests_to("/v1/messages"))
        pid = service_pid(home)
        pgid = on("task", "show", task_id, "--json", env=env).json()["pgid"]
        assert pgid
        try:
            _kill_and_restart(on, env, home, pid, item, task_id, asked, srv)
        except BaseException:  # a failure must not leave the orphaned agent running
            with contextlib.suppress(OSError):
                if b"claude" in Path(f"/proc/{pgid}/cmdline").read_bytes():
                    os.killpg(pgid, signal.SIGKILL)
            raise
    worktree = Path(on("task", "show", task_id, "--json", env=env).json()["worktree"])
    assert not (worktree / "x").exists()


def _kill_and_restart(
    on: Cli,
    env: dict[str, str],
    home: Path,
    pid: int,
    item: dict[str, Any],
    task_id: str,
    asked: int,
    srv: ScriptedModelServer,
) -> None:
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)
    time.sleep(3.0)  # the helper waits for the next service; Claude hears nothing
    assert len(srv.requests_to("/v1/messages")) == asked
    assert on("service", "start", env=env).code == 0  # the next service, a new process
    assert service_pid(home) != pid
    refused = on("answer", item["id"], "--allow", env=env)
    assert refused.code == 1 and refused.err.count("\n") == 1, refused.err
    assert "can no longer be answered" in refused.err
    assert task_state(on, task_id) == "interrupted"
    listed = on("inbox", "--json", env=env)
    assert listed.code == 0 and json.loads(listed.out) == []
    time.sleep(1.0)
    # The agent was stopped with its call unanswered: the model never heard an answer.
    assert len(srv.requests_to("/v1/messages")) == asked
