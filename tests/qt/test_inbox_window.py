"""Needs you in the window over a real Orchard: agents' asks wait in its inbox, answered here.

Shell tasks run (`sleep`), and ask through the Orchard's own broker as an agent adapter does;
the window reads the asks through the operations, and its answers reach the waiting askers.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTabWidget

from app.core.inbox import Answer, Ask, AskKind, Verdict
from app.core.states import TaskState
from app.core.task import Task
from app.qt.inbox import InboxController, RulesView
from app.qt.shell.toolscontroller import SettingsController
from tests.conftest import make_repo
from tests.qt.conftest import run, until
from tests.qt.test_notifications import RecordingServer, session_bus
from tests.qt.test_window import Session, group_of

pytestmark = pytest.mark.timeout(120)
__all__ = ["session_bus"]  # a fixture this module uses


def _inbox(s: Session) -> InboxController:
    [controller] = [t for t in s.controller.tools if isinstance(t, InboxController)]
    return controller


async def _running(s: Session, count: int) -> list[Task]:
    tasks = []
    for n in range(count):
        [t] = await s.orchard.new_tasks("repo", "sleep 60", agent="shell", title=f"Build {n}")
        tasks.append(t)
    ids = [t.id for t in tasks]
    await until(lambda: all(s.task(i) and s.task(i).state is TaskState.RUNNING for i in ids))
    return [s.task(i) for i in ids]


def _ask(s: Session, task: Task, command: str) -> asyncio.Task[Answer]:
    """Ask as the task's agent adapter would; the answer comes back when a person gives it."""
    asker = s.orchard.inbox.asker_for(task.id, "shell", "repo", task.worktree)
    return asyncio.ensure_future(asker(Ask("", "", "", AskKind.COMMAND, command=command)))


def test_asks_wait_in_the_inbox_board_and_header_and_a_glob_answers_them(
    loop: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = Session(tmp_path / "home")
        try:
            await s.orchard.add_project(str(repo))
            inbox = _inbox(s)
            inbox.coalesce_seconds = 0.3
            tasks = await _running(s, 3)
            await until(lambda: inbox._seen is not None, what="the first read")
            jobs = [_ask(s, t, f"bash -lc 'npm test -- part{n}'") for n, t in enumerate(tasks)]
            risky = _ask(s, tasks[0], "git push --force origin main")
            view = inbox.view
            await until(lambda: view.model.rowCount() == 4, what="the asks in the inbox")
            assert [a.command for a in view.model.asks()][-1] == "git push --force origin main"
            assert view.model.asks()[-1].dangerous
            assert {group_of(s, t.id) for t in tasks} == {"Needs you"}
            w = s.window
            assert w.tabs.tabText(w.tabs.indexOf(w.inbox)) == "Needs you (4)"
            # one notification for the burst, however many asks it had
            await until(lambda: s.controller.notifier.sent, what="the notification")
            await asyncio.sleep(0.5)
            assert s.controller.notifier.sent == [
                ("3 agents need you", "\n".join(
                    [f"Build {n}: bash -lc 'npm test -- part{n}'" for n in range(3)]
                    + ["Build 0: git push --force origin main"]
                )),
            ]  # fmt: skip
            # the header of a waiting task shows its first request, and opens it
            w.board.select_task(tasks[1].id)
            await until(lambda: "npm test -- part1" in w.header.pending_text())
            w.header.pending_button.click()
            assert w.tabs.currentWidget() is w.inbox
            assert [a.task_id for a in view.selected()] == [tasks[1].id]
            # a glob picks the three test runs; one key answers them all
            view.match_edit.setText("npm test*")
            view.list.setFocus()
            QTest.keyClick(view.list, Qt.Key.Key_A)
            answers = await asyncio.wait_for(asyncio.gather(*jobs), 10)
            assert [a.verdict for a in answers] == [Verdict.ALLOW] * 3
            await until(lambda: view.model.rowCount() == 1, what="the answered asks gone")
            assert group_of(s, tasks[1].id) == "Running"
            assert group_of(s, tasks[0].id) == "Needs you"  # its dangerous ask still waits
            view.select_ask(view.model.asks()[0].id)
            QTest.keyClick(view.list, Qt.Key.Key_D)
            QTest.keyClicks(view.field, "never force-push main")
            QTest.keyClick(view.field, Qt.Key.Key_Return)
            denied = await asyncio.wait_for(risky, 10)
            assert denied == Answer(Verdict.DENY, "never force-push main")
            await until(lambda: view.model.rowCount() == 0 and view.stack.currentIndex() == 0)
            await until(
                lambda: w.header.pending_text() == "" and group_of(s, tasks[0].id) == "Running"
            )
            assert w.tabs.tabText(w.tabs.indexOf(w.inbox)) == "Needs you"
            assert len(s.controller.notifier.sent) == 1
        finally:
            for task in list(s.controller._tasks):
                s.orchard.inbox.expire_task(task)
            await s.close()

    run(loop, scenario)


def test_settings_edit_the_projects_allowed_and_denied_patterns(loop: Any, tmp_path: Path) -> None:
    repo, other = make_repo(tmp_path / "repo"), make_repo(tmp_path / "other")

    async def scenario() -> None:
        s = Session(tmp_path / "home")
        try:
            await s.orchard.add_project(str(repo))
            await s.orchard.add_project(str(other))
            [settings] = [t for t in s.controller.tools if isinstance(t, SettingsController)]
            settings.open()
            dialog = settings.dialog
            assert dialog is not None
            tabs = dialog.findChild(QTabWidget)
            [index] = [i for i in range(tabs.count()) if tabs.tabText(i) == "Needs &you"]
            view = tabs.widget(index)
            assert isinstance(view, RulesView)
            await until(lambda: view.project_combo.count() == 2, what="the projects")
            view.project_combo.setCurrentText("repo")
            await until(lambda: "git status*" in view.allow_edit.toPlainText(), what="the list")
            view.allow_edit.setPlainText(view.allow_edit.toPlainText() + "\nnpm test*\nnpm test*")
            view.deny_edit.setPlainText("curl *")
            view.project_combo.setCurrentText("other")  # its edits are kept, not lost
            await until(lambda: "git status*" in view.allow_edit.toPlainText(), what="the other")
            view.deny_edit.setPlainText("npm publish*")
            dialog.accept()
            await until(lambda: s.orchard.rules.policy("other").deny == ("npm publish*",))
            await until(lambda: "npm test*" in s.orchard.rules.policy("repo").allow)
            policy = s.orchard.rules.policy("repo")
            assert policy.allow.count("npm test*") == 1 and policy.deny == ("curl *",)
            assert "npm test*" not in s.orchard.rules.policy("other").allow
        finally:
            await s.close()

    run(loop, scenario)


def test_a_burst_of_asks_is_one_desktop_notification_whose_action_opens_the_inbox(
    loop: Any, session_bus: str, tmp_path: Path
) -> None:
    from dbus_fast.aio import MessageBus

    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        server_bus = await MessageBus().connect()
        server = RecordingServer()
        server_bus.export("/org/freedesktop/Notifications", server)
        await server_bus.request_name("org.freedesktop.Notifications")
        s = Session(tmp_path / "home")
        try:
            await s.orchard.add_project(str(repo))
            inbox = _inbox(s)
            inbox.coalesce_seconds = 0.3
            tasks = await _running(s, 2)
            await until(lambda: inbox._seen is not None, what="the first read")
            jobs = [_ask(s, t, "make check") for t in tasks]
            await until(lambda: server.received, what="a notification")
            await asyncio.sleep(1.5)  # a later read of the same asks tells nothing more
            [got] = server.received
            assert got["summary"] == "2 agents need you"
            assert got["body"] == "Build 0: make check\nBuild 1: make check"
            assert got["actions"] == ["default", "Open", "inbox", "Answer"]
            assert s.window.tabs.currentIndex() == 0  # nothing moved: no focus taken
            notifier = s.controller.notifier
            await until(lambda: 1 in notifier._to_inbox, what="the reply to reach the window")
            server.ActionInvoked([1, "inbox"])
            await until(lambda: s.window.tabs.currentWidget() is s.window.inbox, what="the tab")
            assert not any(job.done() for job in jobs)  # the person answers, never the click
        finally:
            for task in list(s.controller._tasks):
                s.orchard.inbox.expire_task(task)
            await s.close()
            server_bus.disconnect()

    run(loop, scenario)
