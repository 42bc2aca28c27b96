"""No feedback is lost: landing or discarding from the window first asks about unsent comments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.core.states import TaskState
from app.services.land.followup import add_comment
from tests.conftest import git, make_repo
from tests.qt.conftest import run, until
from tests.qt.test_landing_window import _landing, say_yes, session, succeeded  # noqa: F401

pytestmark = pytest.mark.timeout(180)


def test_merge_warns_of_an_unsent_comment_and_lands_without_it(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": "one\ntwo\n"})

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, shout="printf 'one\\nTWO\\n' > f.txt")
        await add_comment(s.orchard, task.id, "f.txt", 2, "lower case, please")
        s.window.board.select_task(task.id)
        await until(lambda: s.window.header.buttons["merge"].isEnabled())
        s.window.header.buttons["merge"].click()
        dialog = await until(lambda: _landing(s).merger.dialog)
        await until(lambda: dialog.land_button.isEnabled(), what="the check passed")
        assert dialog.unsent.isVisibleTo(dialog) and dialog.request_button.isVisibleTo(dialog)
        assert "1 unsent comment" in dialog.unsent.text()
        assert "f.txt:2" in dialog.unsent.text() and "lower case, please" in dialog.unsent.text()
        assert dialog.land_button.text() == "Merge without it"
        dialog.land_button.click()
        await until(lambda: s.task(task.id).state is TaskState.MERGED, what="merged")
        assert git(repo, "show", "main:f.txt") == "one\nTWO\n"
        [kept] = s.orchard.store.comments(task.id)
        assert kept.dropped_at is not None and kept.sent_at is None
        # The board hears of the land from the supervisor, the banner from the land's answer.
        await until(lambda: any("kept as dropped" in t for t in s.window.banner.texts()))
        await s.close()

    run(loop, scenario)


def test_request_changes_sends_the_comment_instead_of_landing(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": "one\n"})

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, edit="printf 'ONE\\n' > f.txt")
        await add_comment(s.orchard, task.id, "f.txt", 1, "keep it lower case")
        s.window.board.select_task(task.id)
        await until(lambda: s.window.header.buttons["merge"].isEnabled())
        s.window.header.buttons["merge"].click()
        dialog = await until(lambda: _landing(s).merger.dialog)
        await until(lambda: dialog.request_button.isVisibleTo(dialog))
        dialog.request_button.click()
        await until(lambda: s.orchard.store.comments(task.id, open_only=True) == [])
        [sent] = s.orchard.store.comments(task.id)
        assert sent.sent_at is not None and sent.dropped_at is None
        assert s.orchard.task(task.id).turns >= 1
        assert git(repo, "show", "main:f.txt") == "one\n"  # nothing landed
        await until(lambda: s.task(task.id).state is not TaskState.QUEUED, what="next turn")
        await s.close()

    run(loop, scenario)


@pytest.mark.usefixtures("say_yes")  # Yes to the discard's own confirmation
def test_discard_asks_about_an_unsent_comment_then_drops_it(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = await session(tmp_path / "home", repo)
        [task] = await succeeded(s, work="printf 'x\\n' > work.txt")
        await add_comment(s.orchard, task.id, "work.txt", 1, "why?")
        landing = _landing(s)
        landing.discard([task.id])
        box = await until(lambda: landing.asked)
        assert "1 unsent comment" in box.windowTitle() and "work.txt:1" in box.text()
        assert s.orchard.task(task.id).state is TaskState.SUCCEEDED  # nothing removed yet
        box.without.click()
        await until(lambda: s.task(task.id).state is TaskState.DISCARDED, what="discarded")
        assert all(c.dropped_at for c in s.orchard.store.comments(task.id))
        await s.close()

    run(loop, scenario)


def test_enter_in_the_merge_dialog_sends_rather_than_drops(qapp: object) -> None:
    from app.core.task import Comment
    from app.qt.land.mergedialog import MergeDialog
    from tests.qt.test_board import make_task

    dialog = MergeDialog(make_task(1), False)
    dialog.show_unsent([Comment("task00001", "f.txt", 2, "why?", id=7)])
    assert dialog.request_button.isDefault() and not dialog.land_button.isDefault()
    assert dialog.options().drop_comments == (7,)
    dialog.deleteLater()
