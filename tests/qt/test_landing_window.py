"""Landing actions in the window over a real Orchard: discard and restore, follow up."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtWidgets import QDialog, QMessageBox

from app.core.states import TaskState
from app.core.task import Task
from app.qt.land.controller import LandingController
from app.services.land.followup import add_comment
from tests.conftest import git, make_repo
from tests.qt.conftest import run, until
from tests.qt.test_window import Session, group_of

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def say_yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Answer every confirmation with Yes, keeping what was asked."""
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *args: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    def confirm(_parent: Any, _title: str, text: str, detail: str, *args: Any) -> bool:
        asked.append(f"{text} {detail}")
        return True

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr("app.qt.confirm.ask", confirm)
    return asked


async def session(home: Path, repo: Path) -> Session:
    """Open the window over `home` with `repo` added as the project 'repo'."""
    s = Session(home)
    await s.orchard.add_project(str(repo))
    return s


async def succeeded(s: Session, **commands: str) -> list[Task]:
    """Run one shell task per title=command in 'repo' and wait until all have succeeded."""
    tasks = [
        (await s.orchard.new_tasks("repo", cmd, agent="shell", title=title))[0]
        for title, cmd in commands.items()
    ]
    await until(
        lambda: all(s.task(t.id) and s.task(t.id).state is TaskState.SUCCEEDED for t in tasks),
        what="the tasks' turns",
    )
    return tasks


def test_discard_then_restore_from_the_header(
    loop: Any, tmp_path: Path, say_yes: list[str]
) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, work="printf 'kept\\n' > work.txt")
        (Path(task.worktree) / "scratch.txt").write_text("not committed\n")
        s.window.board.select_task(task.id)
        await until(lambda: s.window.header.buttons["discard"].isEnabled())
        s.window.header.buttons["discard"].click()
        await until(lambda: s.task(task.id).state is TaskState.DISCARDED, what="discarded")
        assert "archived" in say_yes[0]
        assert not Path(task.worktree).exists()
        assert group_of(s, task.id) == "Done"
        await until(lambda: s.window.header.buttons["restore"].isVisibleTo(s.window))
        s.window.header.buttons["restore"].click()
        await until(lambda: s.task(task.id).state is TaskState.SUCCEEDED, what="restored")
        assert (Path(task.worktree) / "work.txt").read_text() == "kept\n"
        assert (Path(task.worktree) / "scratch.txt").read_text() == "not committed\n"
        assert group_of(s, task.id) == "Ready for review"
        await s.close()

    run(loop, scenario)


def test_a_running_task_is_not_discarded(loop: Any, tmp_path: Path, say_yes: list[str]) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [landing] = [t for t in s.controller.tools if isinstance(t, LandingController)]
        [task] = await s.orchard.new_tasks("repo", "sleep 30", agent="shell", title="slow")
        await until(lambda: s.task(task.id) and s.task(task.id).state is TaskState.RUNNING)
        try:
            landing.discard([task.id])
            message = s.window.statusBar().currentMessage()
        finally:
            await s.orchard.stop_task(task.id)
            await s.close()
        assert not say_yes  # not even asked
        assert "stop" in message.lower()
        assert Path(task.worktree).exists()

    run(loop, scenario)


def test_the_board_marks_tasks_that_conflict(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": "one\ntwo\nthree\n", "g.txt": "g\n"})

    async def scenario() -> None:
        from app.qt.land.forecastcontroller import CONFLICT, ForecastController

        s = await session(tmp_path / "home", repo)
        tasks = await succeeded(
            s,
            left="printf 'one\\nLEFT\\nthree\\n' > f.txt",
            right="printf 'one\\nRIGHT\\nthree\\n' > f.txt",
            apart="echo other > g.txt",
        )
        [forecaster] = [t for t in s.controller.tools if isinstance(t, ForecastController)]
        await forecaster.refresh()
        board = s.window.board.board_model
        left, right, apart = tasks
        assert board.mark(left.id)[0] == CONFLICT
        assert "“right”" in board.mark(left.id)[1] and "f.txt" in board.mark(left.id)[1]
        assert board.mark(right.id)[0] == CONFLICT
        assert board.mark(apart.id) is None
        title = board.index_of(left.id).data()
        assert title == f"{CONFLICT} left"
        await s.close()

    run(loop, scenario)


def _landing(s: Session) -> LandingController:
    [landing] = [t for t in s.controller.tools if isinstance(t, LandingController)]
    return landing


def test_merge_from_the_window_checks_then_lands(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": "one\ntwo\n"})

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, shout="printf 'one\\nTWO\\n' > f.txt")
        s.window.board.select_task(task.id)
        await until(lambda: s.window.header.buttons["merge"].isEnabled())
        s.window.header.buttons["merge"].click()
        merger = _landing(s).merger
        dialog = await until(lambda: merger.dialog)
        await until(lambda: dialog.land_button.isEnabled(), what="the check passed")
        assert "Ready: 1 commit lands on main" in dialog.findings.text()
        dialog.strategy.setCurrentIndex(1)  # squash
        dialog.land_button.click()
        await until(lambda: s.task(task.id).state is TaskState.MERGED, what="merged")
        assert git(repo, "show", "main:f.txt") == "one\nTWO\n"
        assert git(repo, "status", "--porcelain") == ""  # the checkout moved with it, clean
        assert group_of(s, task.id) == "Done"
        await s.close()

    run(loop, scenario)


def test_merge_dialog_shows_conflicts_and_offers_the_agent(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": "one\ntwo\n"})

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, clash="printf 'one\\nTASK\\n' > f.txt")
        (repo / "f.txt").write_text("one\nMAIN\n")
        git(repo, "commit", "-qam", "main moves")
        before = git(repo, "rev-parse", "main")
        s.window.board.select_task(task.id)
        await until(lambda: s.controller.shown_task() is not None)
        merger = _landing(s).merger
        merger.merge(task.id)
        dialog = await until(lambda: merger.dialog, what="the merge dialog")
        await until(lambda: dialog.resolve_button.isVisibleTo(dialog), what="conflict found")
        assert not dialog.land_button.isEnabled()
        assert "f.txt" in dialog.findings.text() and "conflicts" in dialog.findings.text()
        assert "TASK" in dialog.output.toPlainText()
        dialog.resolve_button.click()
        await until(lambda: s.task(task.id).turns >= 2, what="the agent's follow-up turn")
        assert git(repo, "rev-parse", "main") == before  # nothing landed
        await s.close()

    run(loop, scenario)


def test_ctrl_r_opens_the_review_of_the_shown_task(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, hi="echo hi > new.txt")
        s.window.board.select_task(task.id)
        await until(lambda: s.controller.shown_task() is not None)
        s.window.actions["review"].trigger()
        review = _landing(s).reviews[task.id]
        await until(lambda: review.window.files.model.rowCount() == 1, what="the file list")
        assert review.window.isVisible()
        s.window.actions["review"].trigger()  # a second Ctrl+R raises the same window
        assert list(_landing(s).reviews) == [task.id]
        await s.close()
        assert not review.window.isVisible()

    run(loop, scenario)


def test_an_older_land_does_not_take_over_a_newer_dialog(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": "one\n", "g.txt": "g\n"})

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        a, b = await succeeded(s, a="echo A > f.txt", b="echo B > g.txt")
        merger = _landing(s).merger
        merger.merge(a.id)
        first = await until(lambda: merger.dialog, what="a's dialog")
        await until(lambda: first.land_button.isEnabled(), what="a's check")
        first.land_button.click()
        await asyncio.sleep(0)  # a's land is under way
        merger.merge(b.id)
        await until(lambda: merger.dialog is not first, what="b's dialog")
        second = merger.dialog
        assert second is not None
        await until(lambda: s.task(a.id).state is TaskState.MERGED, what="a merged")
        await until(lambda: second.land_button.isEnabled(), what="b's check")
        await asyncio.sleep(0.2)
        assert merger.dialog is second and shiboken6.isValid(second)
        assert merger.check is not None and merger.check.task.id == b.id
        assert not shiboken6.isValid(first)  # closed dialogs are deleted

        # A real git failure: with an email but an empty name configured, git writes no commit.
        git(repo, "config", "user.email", "t@example.com")
        git(repo, "config", "user.name", "")
        empty_name = "empty ident name"
        second.land_button.click()
        await until(lambda: empty_name in second.findings.text(), what="the failure")
        assert "The land failed" in second.findings.text()
        assert second.land_button.isEnabled()
        (Path(b.worktree) / "loose.txt").write_text("uncommitted\n")  # the check commits it
        second.check_requested.emit("main")
        await until(lambda: "The check failed" in second.findings.text(), what="check failure")
        assert empty_name in second.findings.text()
        second.reject()
        await until(lambda: merger.dialog is None, what="the dialog forgotten")
        await s.close()

    run(loop, scenario)


def test_follow_up_inline_under_the_log_runs_a_second_turn(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, one="echo one > a.txt")
        composer = s.window.log.composer
        s.window.board.select_task(task.id)
        await until(lambda: composer.send_button.isEnabled(), what="the composer ready")
        await until(lambda: s.window.header.buttons["followup"].isEnabled())
        s.window.header.buttons["followup"].click()  # puts the cursor in the composer
        assert not [d for d in s.window.findChildren(QDialog) if d.isVisible()]  # no modal
        composer.message.setPlainText("echo two > b.txt")
        composer.message.submit.emit()  # Ctrl+Enter
        await until(lambda: composer.message.toPlainText() == "", what="the box cleared")
        await until(
            lambda: s.task(task.id).turns == 2 and s.task(task.id).state is TaskState.SUCCEEDED,
            what="the second turn",
        )
        assert git(repo, "show", f"{task.branch}:b.txt") == "two\n"
        assert git(repo, "show", f"{task.branch}:a.txt") == "one\n"
        await s.close()

    run(loop, scenario)


def test_activating_an_attempt_group_on_the_board_opens_its_compare_window(
    loop: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        tasks = await s.orchard.new_tasks(
            "repo", "echo hi > new.txt", agent="shell", title="Coupons", attempts=3
        )
        group = tasks[0].group
        assert group is not None
        board = s.window.board
        await until(lambda: board.board_model.group_index(group).isValid(), what="the group")
        row = board.filter_model.mapFromSource(board.board_model.group_index(group))
        assert board.filter_model.rowCount(row) == 3
        board.tree.activated.emit(row)
        compare = _landing(s).compares[group]
        await until(lambda: compare.view.board is not None, what="the scoreboard")
        assert compare.view.table.columnCount() == 3
        assert compare.view.isVisible()
        board.tree.activated.emit(row)  # a second activation raises the same window
        assert list(_landing(s).compares) == [group]
        view = compare.view
        await s.close()
        assert not shiboken6.isValid(view) or not view.isVisible()

    run(loop, scenario)


def test_the_composer_waits_for_a_running_task_and_shows_refusals_inline(
    loop: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await s.orchard.new_tasks("repo", "sleep 30", agent="shell", title="slow")
        composer = s.window.log.composer
        await until(lambda: s.task(task.id) and s.task(task.id).state is TaskState.RUNNING)
        s.window.board.select_task(task.id)
        await until(lambda: "follow up once this turn ends" in composer.message.placeholderText())
        assert not composer.send_button.isEnabled() and not composer.message.isEnabled()
        await _landing(s).follow_ups.send(task.id, "more")  # the service refuses: said inline
        assert composer.error.isVisibleTo(composer) and composer.error.text()
        await s.orchard.stop_task(task.id)
        [done] = await succeeded(s, done="echo x > x.txt")
        await add_comment(s.orchard, done.id, "x.txt", 1, "why x?")
        s.window.board.select_task(done.id)
        await until(lambda: "with 1 open review comment" in composer.hint.text(), what="count")
        assert composer.send_button.isEnabled() and not composer.error.isVisible()
        await s.close()

    run(loop, scenario)


def test_the_composer_is_addressed_to_the_task_selected_on_the_board(
    loop: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [done] = await succeeded(s, done="echo x > x.txt")
        composer = s.window.log.composer
        s.window.board.select_task(done.id)  # nothing changes after: the selection alone says
        await until(lambda: "Follow up with shell" in composer.message.placeholderText())
        assert composer.send_button.isEnabled()
        await s.close()

    run(loop, scenario)
