"""Landing actions in the window over a real Orchard: discard and restore, follow up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from app.core.states import TaskState
from tests.conftest import make_repo
from tests.qt.test_window import Session, group_of, loop, run, until

__all__ = ["loop"]
pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def say_yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Answer every confirmation with Yes, keeping what was asked."""
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *args: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_discard_then_restore_from_the_header(
    loop: Any, tmp_path: Path, say_yes: list[str]
) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = Session(tmp_path / "home")
        await s.orchard.add_project(str(repo))
        [task] = await s.orchard.new_tasks(
            "repo", "printf 'kept\\n' > work.txt", agent="shell", title="work"
        )
        await until(lambda: s.task(task.id) and s.task(task.id).state is TaskState.SUCCEEDED)
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
        s = Session(tmp_path / "home")
        await s.orchard.add_project(str(repo))
        [task] = await s.orchard.new_tasks("repo", "sleep 30", agent="shell", title="slow")
        await until(lambda: s.task(task.id) and s.task(task.id).state is TaskState.RUNNING)
        s.controller.tools[-1].discard([task.id])
        assert not say_yes  # not even asked
        assert "stop" in s.window.statusBar().currentMessage().lower()
        assert Path(task.worktree).exists()
        await s.orchard.stop_task(task.id)
        await s.close()

    run(loop, scenario)
