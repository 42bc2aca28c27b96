"""Orchard's driver of `codex app-server`, with the real CLI, the real inbox and scripted model."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from app.core.events import Event
from app.core.inbox import Answer, Policy, Verdict
from app.services import process
from app.services.agents import CodexAppServer
from app.services.inbox import Inbox
from tests.conftest import make_repo
from tests.e2e.agent_env import codex_env
from tests.e2e.e2ekit import need
from tests.e2e.model_server import ScriptedModelServer

pytestmark = pytest.mark.e2e


async def _turn(repo: Path, env: dict[str, str], inbox: Inbox, during: Any) -> list[Event]:
    """Run one turn of Codex in `repo`, its asks going to `inbox`; `during` acts meanwhile."""
    events: list[Event] = []
    asker = inbox.asker_for("t1", "codex", "repo", str(repo))
    driver = CodexAppServer("Create x", str(repo), None, asker, events.extend)

    def out(data: bytes) -> None:
        events.extend(driver.parser.feed(data))

    child = await process.spawn(
        ["codex", "app-server"], str(repo), env, None, out, lambda _: None, True
    )
    talk = asyncio.create_task(driver.drive(child))
    try:
        await during()
        assert await asyncio.wait_for(child.wait(), 120) == 0
    finally:
        talk.cancel()
        child.close()
    return events + driver.parser.close()


async def _pending(inbox: Inbox) -> list[Any]:
    for _ in range(600):
        if inbox.pending():
            return inbox.pending()
        await asyncio.sleep(0.05)
    raise AssertionError("nothing was asked")


def test_an_ask_expired_while_pending_is_declined_and_refused_after(tmp_path: Path) -> None:
    need("codex")
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n"})
    inbox = Inbox()

    async def expire() -> None:
        (ask,) = await _pending(inbox)
        assert "touch x" in (ask.command or "") and ask.id == "t1-1"
        inbox.expire_task("t1")  # the task was stopped: its request is not allowed
        refused = inbox.answer([ask.id], Answer(Verdict.ALLOW))
        assert "has ended" in refused[ask.id]

    with ScriptedModelServer(["touch x"]) as srv:
        events = asyncio.run(_turn(repo, codex_env(srv.base_url, tmp_path), inbox, expire))
    assert not (repo / "x").exists()
    commands = [e for e in events if e["kind"] == "command"]
    assert commands[-1]["status"] == "declined"
    assert events[-1]["kind"] == "usage"  # the turn went on to its end


def test_the_projects_list_answers_at_once(tmp_path: Path) -> None:
    need("codex")
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n"})
    inbox = Inbox(lambda _project: Policy(allow=("touch *",)))

    async def nothing() -> None:
        return None

    with ScriptedModelServer(["touch x"]) as srv:
        events = asyncio.run(_turn(repo, codex_env(srv.base_url, tmp_path), inbox, nothing))
    assert (repo / "x").exists() and not inbox.pending()
    assert [e["status"] for e in events if e["kind"] == "command"] == ["in_progress", "completed"]
