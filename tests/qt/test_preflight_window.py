"""The window's pre-flight and lasting feedback: refusals inside the new-task dialog, nothing
made; results that matter in the banner until dismissed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.client import Refused
from app.core.states import TaskState
from tests.conftest import git, make_repo
from tests.qt.conftest import run, until
from tests.qt.test_window import Session

pytestmark = pytest.mark.timeout(120)

GHOST = (
    '[agents.ghost]\nargv = ["orchard-no-such-agent-xyz", "{prompt}"]\n'
    'install_hint = "install it with: npm install -g ghost-agent"\n'
)


async def _dialog(s: Session, agent: str, prompt: str) -> Any:
    from app.qt.board.newtask import NewTaskDialog

    s.controller.projects.new_task()
    dialog = await until(lambda: next(iter(s.window.findChildren(NewTaskDialog)), None))
    dialog.agent.setCurrentText(agent)
    dialog.prompt.setPlainText(prompt)
    dialog.launch.click()
    return dialog


def _nothing_made(s: Session, repo: Path) -> None:
    assert s.orchard.store.tasks() == []
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]
    assert not any(s.orchard.home.worktrees.glob("*/*"))


def test_a_prompt_too_long_for_the_agent_is_refused_in_the_dialog_with_nothing_made(
    loop: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = Session(tmp_path / "home")
        await s.orchard.add_project(str(repo))
        dialog = await _dialog(s, "shell", "echo " + "x" * 393 * 1024)
        await until(lambda: dialog.error.isVisible(), what="the refusal in the dialog")
        assert "too long" in dialog.error.text() and "393 KB" in dialog.error.text()
        assert dialog.isVisible() and not dialog.queue_anyway.isVisible()
        assert dialog.launch.isEnabled()  # shorten it and try again
        _nothing_made(s, repo)
        dialog.reject()
        await s.close()

    run(loop, scenario)


def test_an_agent_not_installed_is_refused_in_the_dialog_and_can_be_queued_anyway(
    loop: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "config.toml").write_text(GHOST)

    async def scenario() -> None:
        s = Session(tmp_path / "home")
        await s.orchard.add_project(str(repo))
        dialog = await _dialog(s, "ghost", "do it")
        await until(lambda: dialog.error.isVisible(), what="the refusal in the dialog")
        assert "npm install -g ghost-agent" in dialog.error.text()
        assert "--anyway" not in dialog.error.text()  # the window offers a button instead
        assert dialog.queue_anyway.isVisible()
        _nothing_made(s, repo)
        assert s.window.banner.texts() == []  # the dialog that caused it says it
        dialog.queue_anyway.click()
        [task] = await until(s.orchard.store.tasks, what="queued anyway")
        # Queued anyway, it fails when it starts: a result that stays in the banner.
        await until(lambda: s.task(task.id) and s.task(task.id).state is TaskState.FAILED)
        await until(lambda: s.window.banner.isVisible(), what="the banner")
        [text] = s.window.banner.texts()
        assert f"Task {task.short_id} failed" in text and "not installed" in text
        await s.close()

    run(loop, scenario)


def test_a_refused_job_stays_in_the_banner_until_dismissed(loop: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        s = Session(tmp_path / "home")

        async def refused() -> None:
            raise Refused("task abc is running; stop it first", "UserError", {})

        s.controller.spawn(refused())
        await until(lambda: s.window.banner.isVisible(), what="the banner")
        s.controller.spawn(refused())
        await until(lambda: "(×2)" in s.window.banner.texts()[0], what="counted, not stacked")
        s.controller.announce("Landed 'Fix' on main (merge) as 0123456789", "ok")
        banner = s.window.banner
        assert banner.texts() == [
            "Landed 'Fix' on main (merge) as 0123456789",
            "task abc is running; stop it first  (×2)",
        ]
        assert banner.dismiss_all.isVisible()
        banner.dismiss_buttons[0].click()
        assert banner.texts() == ["task abc is running; stop it first  (×2)"]
        assert banner.isVisible() and not banner.dismiss_all.isVisible()
        banner.dismiss(0)
        assert not banner.isVisible()
        await s.close()

    run(loop, scenario)
