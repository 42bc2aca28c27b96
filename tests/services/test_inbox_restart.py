"""Claude's permission helper across a restart of the supervising process: asked again, or expired.

The helper is the real one (`python -m app.services.inbox.mcpserver`), spoken to over MCP on its
stdin; each supervising process is a real Door on a real Unix socket in the home.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.inbox import Answer, Verdict
from app.services.inbox import Door, Inbox
from tests.conftest import ROOT, child_env

CALL = {"tool_name": "Bash", "input": {"command": "touch x"}, "tool_use_id": "toolu_1"}


@pytest.fixture
def helper(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    argv = [sys.executable, "-m", "app.services.inbox.mcpserver"]
    argv += ["--door", str(tmp_path / "asks.sock"), "--task", "t1"]
    env = child_env({"ORCHARD_DOOR_RETRY_SECONDS": "30"})
    proc = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    yield proc
    proc.kill()
    proc.wait()


def _call(helper: subprocess.Popen[str], n: int) -> None:
    message = {"jsonrpc": "2.0", "id": n, "method": "tools/call"}
    message["params"] = {"name": "approve", "arguments": CALL}
    assert helper.stdin is not None
    helper.stdin.write(json.dumps(message) + "\n")
    helper.stdin.flush()


async def _reply(helper: subprocess.Popen[str]) -> dict[str, Any]:
    assert helper.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(helper.stdout.readline), 30)
    return dict(json.loads(json.loads(line)["result"]["content"][0]["text"]))


async def _until(condition: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def _supervisor(tmp_path: Path, runs_t1: bool) -> tuple[Inbox, Door]:
    inbox = Inbox()
    asker = inbox.asker_for("t1", "claude", "repo", str(tmp_path)) if runs_t1 else None
    return inbox, Door(inbox, lambda task: asker if task == "t1" else None, tmp_path)


def test_a_waiting_call_asks_the_next_process_again_under_its_id(
    tmp_path: Path, helper: subprocess.Popen[str]
) -> None:
    async def go() -> None:
        first, door = _supervisor(tmp_path, runs_t1=True)
        await door.start()
        first.new_id("t1")  # the task asked once before: this ask is t1-2
        _call(helper, 1)
        await _until(lambda: [a.id for a in first.pending()] == ["t1-2"])
        door.close()  # the process goes away with the call waiting
        await asyncio.sleep(1.0)  # nothing is said to Claude meanwhile
        assert helper.poll() is None
        second, again = _supervisor(tmp_path, runs_t1=True)
        await again.start()
        await _until(lambda: second.pending())
        (ask,) = second.pending()
        assert (ask.id, ask.command) == ("t1-2", "touch x")
        assert second.new_id("t1") == "t1-3"  # later asks follow it
        replied = asyncio.ensure_future(_reply(helper))
        assert second.answer(["t1-2"], Answer(Verdict.DENY, "not now")) == {"t1-2": ""}
        assert await replied == {"behavior": "deny", "message": "not now", "interrupt": False}
        again.close()

    asyncio.run(go())


def test_a_process_that_does_not_run_the_task_expires_the_call_never_allows(
    tmp_path: Path, helper: subprocess.Popen[str]
) -> None:
    async def go() -> None:
        first, door = _supervisor(tmp_path, runs_t1=True)
        await door.start()
        _call(helper, 1)
        await _until(lambda: first.pending())
        door.close()
        second, again = _supervisor(tmp_path, runs_t1=False)
        await asyncio.sleep(0.5)
        await again.start()
        reply = await _reply(helper)
        assert reply["behavior"] == "deny" and "expired" in reply["message"]
        refused = second.answer(["t1-1"], Answer(Verdict.ALLOW))["t1-1"]
        assert "has ended" in refused
        again.close()

    asyncio.run(go())


def test_without_any_process_the_call_waits_then_expires(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "app.services.inbox.mcpserver"]
    argv += ["--door", str(tmp_path / "asks.sock"), "--task", "t1"]
    env = child_env({"ORCHARD_DOOR_RETRY_SECONDS": "2"})
    with subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    ) as proc:
        started = time.monotonic()
        _call(proc, 1)
        reply = asyncio.run(_reply(proc))
        waited = time.monotonic() - started
        proc.kill()
    assert reply["behavior"] == "deny" and "expired" in reply["message"]
    assert waited >= 1.5  # it kept trying for its whole grace, then refused; never allowed
