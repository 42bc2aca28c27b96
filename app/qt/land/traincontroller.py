"""The land train from the window: tasks join from the board or a review, the tab follows it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QTimer

from app.client import Refused
from app.core.train import CarState, Train
from app.core.words import counted
from app.qt.land.trainview import TrainView
from app.qt.shell import WindowHost

log = logging.getLogger(__name__)
SHOWN_MS = 1000  # how often the tab asks for the trains while it is on screen
HIDDEN_TICKS = 10  # and, while hidden, every this many ticks (to tell of ejected cars)


class TrainController:
    """Polls the trains into the tab, and owns the awaits behind its actions."""

    def __init__(self, main: WindowHost, view: TrainView) -> None:
        self.main = main
        self.view = view
        self.trains: list[Train] = []
        self._riding: set[int] | None = None  # cars seen on a train; None: not looked yet
        self._ticks = 0
        self._job: asyncio.Task[None] | None = None
        self._timer = QTimer(view)
        self._timer.setInterval(SHOWN_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()
        main.window.actions["train_add"].triggered.connect(self._on_train_add_triggered)
        main.window.board.context_menu.addAction(main.window.actions["train_add"])
        for signal, slot in (
            (view.move_requested, self.move),
            (view.remove_requested, self.remove),
            (view.send_back_requested, self.send_back),
            (view.pause_requested, self.pause),
            (view.resume_requested, self.resume),
            (view.order_requested, self.suggest_order),
            (view.order_accepted, self.use_suggested_order),
        ):
            signal.connect(slot)

    def stop(self) -> None:
        """Stop polling (the window is closing)."""
        self._timer.stop()
        if self._job is not None:
            self._job.cancel()

    def _on_timer_timeout(self) -> None:
        self._ticks += 1
        if not self.view.isVisible() and self._ticks % HIDDEN_TICKS:
            return
        if self._job is None or self._job.done():
            self._job = asyncio.ensure_future(self.refresh())

    async def refresh(self) -> list[Train]:
        """Read the trains and show them; tell of cars that left since the last look."""
        try:
            self.trains = await self.main.ops.trains()
        except Exception as exc:  # the tab keeps what it shows; the cause goes to the log
            log.warning("could not read the land trains: %s", exc)
            return self.trains
        titles = {t.id: t.title for t in self.main.tasks.values()}
        self.view.set_trains(self.trains, titles, time.time())
        self._tell_ejected(titles)
        return self.trains

    def _tell_ejected(self, titles: dict[str, str]) -> None:
        cars = [c for t in self.trains for c in t.cars]
        riding = {c.id for c in cars if c.on_train}
        if self._riding is not None:
            for car in cars:
                if car.id in self._riding and car.state is CarState.EJECTED:
                    title = titles.get(car.task_id, car.task_id[:8])
                    self.main.announce(
                        f"“{title}” left the land train to {car.target}: {car.reason}"
                    )
                    self.main.notify(
                        f"Left the land train to {car.target}",
                        f"{title}: {car.reason}",
                        car.task_id,
                    )
        self._riding = riding

    # joining

    def _on_train_add_triggered(self) -> None:
        ids = self.main.window.board.selected_ids()
        if not ids:
            self.main.say("Select finished tasks to add to the land train", error=True)
            return
        self.board(ids)

    def board(self, task_ids: list[str]) -> None:
        """Put tasks on the train of their target; say in a line each why any were refused."""
        self.main.spawn(self._board(task_ids))

    async def _board(self, task_ids: list[str]) -> None:
        try:
            boarding = await self.main.ops.add_cars(task_ids)
        except Refused as exc:
            self.main.announce(str(exc))
            return
        titles = {t.id: t.title for t in self.main.tasks.values()}
        for line in boarding.refused:
            ref, _, why = line.partition(": ")
            title = titles.get(next((i for i in task_ids if i.startswith(ref)), ref), ref)
            self.main.announce(f"“{title}” did not join the land train: {why or line}")
        if boarding.joined:
            target = boarding.joined[0].target
            joined = counted(len(boarding.joined), "task")
            self.main.say(f"{joined} joined the land train to {target}")
        await self.refresh()

    # the tab's actions

    def move(self, task_id: str, places: int) -> None:
        """Move a car `places` later (earlier if negative)."""
        self._act(self.main.ops.move_car(task_id, places), select=task_id)

    def remove(self, task_id: str) -> None:
        """Take a car off its train."""
        self._act(self.main.ops.remove_car(task_id), "Taken off the land train")

    def send_back(self, task_id: str) -> None:
        """Send an ejected car's task back to its agent; it rejoins when fixed."""
        said = "Sent back to its agent; it rejoins the land train when its fix succeeds"
        self._act(self.main.ops.send_back_car(task_id), said)

    def pause(self, target: str) -> None:
        """Pause the train to `target`."""
        self._act(self.main.ops.pause_trains(target), f"The land train to {target} is paused")

    def resume(self, target: str) -> None:
        """Let the train to `target` go on."""
        self._act(self.main.ops.resume_trains(target), f"The land train to {target} goes on")

    def suggest_order(self) -> None:
        """Show the forecast's order for each train, for the person to take or leave."""
        self.main.spawn(self._suggest_order())

    async def _suggest_order(self) -> None:
        try:
            proposed = await self.main.ops.order_trains()
        except Refused as exc:
            self.main.announce(str(exc))
            return
        titles = {t.id: t.title for t in self.main.tasks.values()}
        lines = [
            f"{t.target}: " + ", ".join(
                f"{n}. {titles.get(c.task_id, c.task_id[:8])}" for n, c in enumerate(t.cars, 1)
            )
            for t in proposed
        ]  # fmt: skip
        self.view.show_proposal(
            "Suggested order, the fewest conflicts first — " + "; ".join(lines)
            if lines
            else "No train has cars waiting to order."
        )
        self.view.use_order_button.setVisible(bool(lines))

    def use_suggested_order(self) -> None:
        """Take the forecast's order."""
        self.view.hide_proposal()
        self._act(
            self.main.ops.order_trains(apply=True), "The land train takes the suggested order"
        )

    def _act(self, call: Coroutine[Any, Any, Any], said: str = "", select: str = "") -> None:
        self.main.spawn(self._acted(call, said, select))

    async def _acted(self, call: Coroutine[Any, Any, Any], said: str, select: str) -> None:
        try:
            await call
        except Refused as exc:
            self.main.say(str(exc), error=True)
            return
        if said:
            self.main.say(said)
        await self.refresh()
        if select:
            self.view.select_task(select)
