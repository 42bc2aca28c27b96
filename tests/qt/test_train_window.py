"""The land train in the window, over a real Orchard: real repositories, shell agents, tests.

The train's runner lives in the background service; here it runs in the test's loop, as the
service runs it, while the window reads the trains through the operations.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest

from app.core.states import TaskState
from app.core.train import CarState
from app.qt.land.traincontroller import TrainController
from app.qt.land.trainview import CAR_ROLE, TrainView, selected_car
from app.services.land import TrainRunner
from tests.conftest import make_repo
from tests.qt.conftest import run, until
from tests.qt.test_landing_window import succeeded
from tests.qt.test_window import Session

pytestmark = pytest.mark.timeout(180)
CHECK = "if [ -e fail.flag ]; then echo 'fail.flag is here'; exit 1; fi\necho 'all good'\n"


@asynccontextmanager
async def session(tmp_path: Path, test: str = "sh check.sh") -> AsyncIterator[Session]:
    """Open the window over a home whose project 'repo' tests with check.sh."""
    repo = make_repo(tmp_path / "repo", {"README.md": "hello\n", "check.sh": CHECK})
    s = Session(tmp_path / "home")
    await s.orchard.add_project(str(repo), name="repo", test=test)
    try:
        yield s
    finally:
        await s.close()


@asynccontextmanager
async def runner(s: Session) -> AsyncIterator[TrainRunner]:
    """Run the land train's runner in this loop, as the service does."""
    train = TrainRunner(s.orchard, test_timeout=60)
    s.orchard.on_train = train.wake
    job = asyncio.ensure_future(train.run())
    try:
        yield train
    finally:
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)


def parts(s: Session) -> tuple[TrainController, TrainView]:
    [controller] = [t for t in s.controller.tools if isinstance(t, TrainController)]
    return controller, controller.view


def select(s: Session, *task_ids: str) -> None:
    """Select these tasks on the board, as a person would with Ctrl+click."""
    board = s.window.board
    board.tree.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for task_id in task_ids:
        index = board.filter_model.mapFromSource(board.board_model.index_of(task_id))
        board.tree.selectionModel().select(index, flags)


def states(view: TrainView) -> dict[str, tuple[str, str, str]]:
    """Return, by task id, each car's place, state word and reason as the tab shows them."""
    shown = {}
    for item in view._car_items():
        car = item.data(0, CAR_ROLE)
        shown[car.task_id] = (item.text(0), item.text(2), item.text(4))
    return shown


def test_tasks_join_from_the_board_move_by_keys_and_land_in_order(
    loop: Any, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with session(tmp_path) as s:
            _, view = parts(s)
            a, b, c = await succeeded(
                s,
                first="printf 'a\\n' > a.txt",
                broken="touch fail.flag",
                third="printf 'c\\n' > c.txt",
            )
            [slow] = await s.orchard.new_tasks("repo", "sleep 30", agent="shell", title="slow")
            await until(lambda: s.task(slow.id) and s.task(slow.id).state is TaskState.RUNNING)
            # Paused first, so the order can be changed before anything lands.
            s.orchard.store.pause_train("repo", "main", "paused by you")
            select(s, a.id, b.id, slow.id, c.id)
            first, second, third = [i for i in s.window.board.selected_ids() if i != slow.id]
            s.window.actions["train_add"].trigger()  # they join in the board's order
            await until(lambda: view.car_order("main") == [first, second, third], what="joined")
            [refused] = s.window.banner.texts()
            assert "“slow” did not join the land train" in refused and "running" in refused
            await s.orchard.stop_task(slow.id)

            s.window.tabs.setCurrentIndex(2)
            assert view.select_task(third)
            QTest.keyClick(view.tree, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
            await until(lambda: view.car_order("main") == [first, third, second], what="moved")
            assert states(view)[third][0] == "2"
            assert selected_car(view.tree).task_id == third  # still the current car
            assert view.pause_button.text() == "Resume"

            async with runner(s):
                view.pause_button.click()  # Resume
                await until(
                    lambda: not s.orchard.store.cars(states=[CarState.WAITING, CarState.TESTING]),
                    timeout=90,
                    what="the train to land",
                )
                await until(lambda: states(view)[b.id][1] == "ejected", what="the tab to follow")
            shown = states(view)
            assert shown[a.id][1] == shown[c.id][1] == "landed"
            assert "the test command failed" in shown[b.id][2]
            assert view.select_task(b.id)
            assert "fail.flag is here" in view.detail.toPlainText()
            assert "the test command failed" in view.about_car.text()
            assert view.send_back_button.isEnabled()
            assert any("“broken” left the land train" in t for t in s.window.banner.texts())
            left = "Left the land train to main"
            sent = s.controller.notifier.sent
            await until(lambda: any(m == left for m, _ in sent), what="the desktop told")
            assert next(b for m, b in sent if m == left).startswith("broken: ")
            assert s.task(a.id).state is TaskState.MERGED

    run(loop, scenario)


def test_the_car_under_test_shows_its_output_while_it_runs(loop: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        test = "echo 'halfway there'; sleep 60; sh check.sh"
        async with session(tmp_path, test) as s:
            _, view = parts(s)
            [a] = await succeeded(s, first="printf 'a\\n' > a.txt")
            s.window.tabs.setCurrentIndex(2)
            async with runner(s):
                assert (await s.controller.ops.add_cars([a.id])).joined
                await until(lambda: view.select_task(a.id) and states(view)[a.id][1] == "testing")
                await until(
                    lambda: "halfway there" in view.detail.toPlainText(),
                    timeout=30,
                    what="the running test's output in the tab",
                )
                assert "Its output so far" in view.about_car.text()
                assert s.orchard.store.car(selected_car(view.tree).id).state is CarState.TESTING

    run(loop, scenario)


def test_pause_and_resume_from_the_tab(loop: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with session(tmp_path) as s:
            train, view = parts(s)
            [a] = await succeeded(s, first="printf 'a\\n' > a.txt")
            s.orchard.store.pause_train("repo", "main", "paused by you")
            train.board([a.id])
            await until(lambda: view.car_order("main") == [a.id], what="joined")
            assert view.pause_button.text() == "Resume"
            view.pause_button.click()
            await until(lambda: s.orchard.store.train_paused("repo", "main") is None)
            await until(lambda: view.pause_button.text() == "Pause")
            view.pause_button.click()
            await until(lambda: s.orchard.store.train_paused("repo", "main") == "paused by you")
            await until(lambda: view.pause_button.text() == "Resume")
            view.remove_button.setEnabled(False)
            assert view.select_task(a.id)
            assert view.remove_button.isEnabled()
            view.remove_button.click()
            await until(lambda: states(view)[a.id][1] == "ejected", what="taken off")
            assert states(view)[a.id][2] == "taken off the train"

    run(loop, scenario)
