"""Needs you in a window of the service: an agent's ask reaches the window on the board's feed.

The service (another process) runs a shell task; its agent's helper asks through the inbox's
door as Claude Code's permission tool does, and waits; the window answers it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.client import door_request
from app.core.states import TaskState
from app.qt.inbox import InboxController
from tests.qt.conftest import run, until
from tests.qt.test_window_client import ClientSession, _status, home, project, queue

pytestmark = pytest.mark.timeout(240)
__all__ = ["home", "project"]  # the fixtures this module uses


def test_an_ask_in_the_service_reaches_the_window_and_its_answer_the_agent(
    loop: Any, qtbot: Any, home: Path, project: str
) -> None:
    async def scenario() -> None:
        s = ClientSession(home)
        try:
            [inbox] = [t for t in s.controller.tools if isinstance(t, InboxController)]
            assert inbox.fed  # the feed brings the asks: the window does not ask for them
            await until(lambda: _status(home), what="the service to answer")
            [task_id] = queue(home, project, "sleep 60")
            await until(lambda: s.state(task_id) is TaskState.RUNNING)
            request = {
                "tool_name": "Bash",
                "input": {"command": "make deploy"},
                "tool_use_id": "u1",
            }
            asking = asyncio.ensure_future(
                door_request(home, {"op": "claude", "task": task_id, "request": request})
            )
            view = inbox.view
            await until(lambda: view.model.rowCount() == 1, what="the ask in the window")
            [ask] = view.model.asks()
            assert (ask.task_id, ask.command) == (task_id, "make deploy")
            assert s.window.board.board_model.asking() == {task_id}
            view.list.setFocus()
            view.select_ask(ask.id)
            QTest.keyClick(view.list, Qt.Key.Key_D)
            QTest.keyClicks(view.field, "not from an agent")
            QTest.keyClick(view.field, Qt.Key.Key_Return)
            reply = await asyncio.wait_for(asking, 20)
            assert reply["reply"]["behavior"] == "deny"
            assert reply["reply"]["message"] == "not from an agent"
            await until(lambda: view.model.rowCount() == 0, what="the answered ask gone")
            assert s.window.board.board_model.asking() == frozenset()
        finally:
            await s.close()

    run(loop, scenario)
