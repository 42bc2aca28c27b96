"""Desktop notifications on a private session bus, to a notification server that records.

The bus is a real dbus-daemon of this test's own; the server is written here with the same
library the window uses, registered as org.freedesktop.Notifications. CI installs dbus-daemon
(.ci/run), so a missing one fails the test instead of skipping it.
"""

import asyncio
import dataclasses
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from dbus_fast import Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusDict, DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal
from PySide6.QtCore import QSettings

from app.core.states import TaskState
from app.qt.board import BoardView, TaskHeaderView
from app.qt.log import LogView
from app.qt.shell.mainwindow import MainWindow
from app.qt.shell.notifier import NotifierController, describe
from tests.qt.conftest import run, until
from tests.qt.test_board import make_task


class RecordingServer(ServiceInterface):
    """A notification server that keeps every Notify call and can say an action was picked."""

    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.received: list[dict[str, Any]] = []

    @dbus_method()
    def Notify(  # the D-Bus member's name
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: Annotated[list[str], DBusSignature("as")],
        hints: DBusDict,
        timeout: DBusInt32,
    ) -> DBusUInt32:
        self.received.append(
            {"app": app_name, "summary": summary, "body": body, "actions": actions, "hints": hints}
        )
        return len(self.received)

    @dbus_signal()
    def ActionInvoked(self, pair: list[Any]) -> Annotated[list[Any], DBusSignature("us")]:
        return pair


@pytest.fixture
def session_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Start a private session bus and point this test (only) at it."""
    daemon = shutil.which("dbus-daemon")
    assert daemon, "dbus-daemon is missing: install the Debian package dbus (CI does)"
    out = subprocess.run(
        [daemon, "--session", "--print-address=1", "--print-pid=1", "--fork"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.split()
    address, pid = out[0], int(out[1])
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    try:
        yield address
    finally:
        os.kill(pid, signal.SIGTERM)


def _window() -> MainWindow:
    return MainWindow(BoardView(), TaskHeaderView(), LogView())


def test_three_tasks_ending_together_make_one_notification_whose_action_opens(
    loop: Any, session_bus: str, qtbot: Any, tmp_path: Path
) -> None:
    async def scenario() -> None:
        server_bus = await MessageBus().connect()
        server = RecordingServer()
        server_bus.export("/org/freedesktop/Notifications", server)
        await server_bus.request_name("org.freedesktop.Notifications")
        window = _window()
        qtbot.addWidget(window)
        tasks = [make_task(n, TaskState.RUNNING) for n in (1, 2, 3)]
        window.board.set_tasks(tasks)
        reviews: list[list[str]] = []
        window.actions["review"].triggered.connect(
            lambda: reviews.append(window.board.selected_ids())
        )
        settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
        notifier = NotifierController(window, settings, window.menu("View"), asyncio.ensure_future)
        notifier.coalesce_seconds = 0.3
        for task in tasks:
            notifier.on_task_changed(task, dataclasses.replace(task, state=TaskState.SUCCEEDED))
        await until(lambda: server.received, what="a notification")
        await asyncio.sleep(0.5)
        [got] = server.received  # one, not three
        assert got["app"] == "Orchard"
        assert got["summary"] == "3 tasks ready for review"
        assert got["body"] == "Task 1\nTask 2\nTask 3"
        assert got["hints"]["desktop-entry"] == Variant("s", "dev.orchard.Orchard")
        assert reviews == [] and not window.isVisible()  # it took no focus and opened nothing

        lone = dataclasses.replace(tasks[1], state=TaskState.SUCCEEDED)
        notifier.on_task_changed(tasks[1], lone)
        await until(lambda: len(server.received) == 2, what="the second notification")
        second = server.received[1]
        assert (second["summary"], second["body"]) == ("Task finished", "Task 2")
        assert second["actions"] == ["default", "Open", "review", "Review"]
        # The server records a Notify before its reply leaves: a click comes after the reply.
        await until(lambda: 2 in notifier._shown, what="the reply to reach the window")
        server.ActionInvoked([2, "review"])
        await until(lambda: reviews, what="the review opened")
        assert reviews == [["task00002"]] and window.isVisible()
        notifier.close()
        window.close()
        server_bus.disconnect()

    run(loop, scenario)


def test_a_mixed_batch_counts_each_kind_and_names_five_tasks() -> None:
    states = [TaskState.SUCCEEDED] * 5 + [TaskState.FAILED, TaskState.NEEDS_INPUT]
    tasks = [make_task(n, state) for n, state in enumerate(states, 1)]
    summary, body = describe(tasks)
    assert summary == "7 tasks: 5 finished, 1 failed, 1 need you"
    assert body.splitlines() == ["Task 1", "Task 2", "Task 3", "Task 4", "Task 5", "and 2 more"]
