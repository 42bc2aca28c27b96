"""The land train's runner: it lands the cars of each target branch, in order, by itself.

One driver per (project, target). Each car is proven (proof.py) on the target as it is now;
on green its work is archived, then the target moves by a compare-and-swap of its ref (or a
fast-forward of the clean checkout that has it): the single commit point. A target moved by
anyone else meanwhile fails that step cleanly and the car is proven again on the new target.
On red the car leaves with its reason and the train goes on. The state is in the database:
a car found `testing` when the runner starts is proven again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from dataclasses import replace

from app.core.states import LIVE_STATES, TaskState
from app.core.train import ON_TRAIN, Car, CarState, send_back_prompt
from app.services.land.archive import archive_task, branch_head
from app.services.land.followup import comments_to_drop, send_followup
from app.services.land.landing import LandRefused, advance_target, record_land, still_landable
from app.services.land.proof import Ejected, Proof, prove
from app.services.land.testgate import TEST_TIMEOUT
from app.services.orchard import Orchard, UserError
from app.services.tasks import Message, TaskUpdated

log = logging.getLogger(__name__)
POLL_SECONDS = 5.0  # a look at every train even when nothing woke the runner
Key = tuple[str, str]  # (project, target)


class TrainRunner:
    """Drives every land train of a home, in the service's event loop."""

    def __init__(self, orchard: Orchard, test_timeout: float = TEST_TIMEOUT) -> None:
        self.orchard = orchard
        self.test_timeout = test_timeout
        self._wake = asyncio.Event()
        self._drivers: dict[Key, asyncio.Task[None]] = {}

    def wake(self) -> None:
        """Look at the trains now: cars joined, a train was resumed."""
        self._wake.set()

    def busy(self) -> bool:
        """Say whether any train that is not paused has cars to land."""
        store = self.orchard.store
        return any(
            store.train_paused(c.project, c.target) is None for c in store.cars(states=ON_TRAIN)
        )

    def on_message(self, message: Message) -> None:
        """A task ended a turn: a car sent back to its agent may rejoin."""
        if isinstance(message, TaskUpdated) and message.task.state not in LIVE_STATES:
            self.wake()

    async def run(self) -> None:
        """Drive the trains until cancelled; a car left `testing` by a dead runner is re-proven."""
        for car in self.orchard.store.cars(states=[CarState.TESTING]):
            log.warning(
                "car of task %s was under test when Orchard stopped: re-proving", car.task_id
            )
            self.orchard.store.update_car(car.id, state=CarState.WAITING)
        try:
            while True:
                self._wake.clear()
                try:
                    await self._look()
                except Exception:  # the database is busy…: the next look tries again
                    log.exception("the land train could not look at its cars")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Stop every driver; a car under test stays `testing`, to be re-proven."""
        drivers, self._drivers = list(self._drivers.values()), {}
        for driver in drivers:
            driver.cancel()
        for driver in drivers:
            with contextlib.suppress(asyncio.CancelledError):
                await driver

    async def _look(self) -> None:
        await self._rejoin_sent_back()
        store = self.orchard.store
        for car in store.cars(states=ON_TRAIN):
            key = (car.project, car.target)
            if key in self._drivers or store.train_paused(*key) is not None:
                continue
            driver = asyncio.create_task(self._drive(key))
            self._drivers[key] = driver
            driver.add_done_callback(functools.partial(self._on_driver_done, key))

    def _on_driver_done(self, key: Key, _: asyncio.Task[None]) -> None:
        self._drivers.pop(key, None)
        self.wake()  # cars may have joined while the last one was being proven

    async def _drive(self, key: Key) -> None:
        """Land the train's cars one after the other until it is empty or paused."""
        try:
            while await self._step(*key):
                pass
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # nothing fails silently: the train says why it stopped
            log.exception("the land train of %s failed", key)
            self.orchard.store.pause_train(*key, f"the train stopped on an error: {exc}")

    async def _step(self, project: str, target: str) -> bool:
        """Prove and land (or eject) the first car; return whether to go on."""
        store = self.orchard.store
        riding = store.cars(project, target, ON_TRAIN)
        if not riding or store.train_paused(project, target) is not None:
            return False
        car = riding[0]
        base = await branch_head(store.project(project).path, target)
        if base is None:
            store.pause_train(project, target, f"the target branch {target} does not exist")
            return False
        car = store.update_car(car.id, state=CarState.TESTING, proven_on=base, reason="")
        try:
            proof = await prove(self.orchard, car, base, timeout=self.test_timeout)
        except Ejected as exc:
            await self._eject(car, exc.reason, exc.output)
            return True
        return await self._land(proof)

    async def _land(self, proof: Proof) -> bool:
        """Archive the car's work, move the target, mark the task merged; say whether to go on."""
        store, car, check = self.orchard.store, proof.car, proof.check
        if store.car(car.id).state is not CarState.TESTING:
            return True  # taken off the train while it was proven
        if store.train_paused(car.project, car.target) is not None:
            store.update_car(car.id, state=CarState.WAITING)  # proven again on resume
            return False
        if check.dirty or check.busy:
            return self._pause(car, check.busy or _dirty_line(check.checkout, check.dirty))
        try:
            task = still_landable(self.orchard, self.orchard.task(car.task_id), check)
            unsent = comments_to_drop(self.orchard, task, False, "land")
        except UserError as exc:
            await self._eject(car, str(exc))
            return True
        await archive_task(self.orchard, task, force=True)  # nothing is lost, whatever follows
        try:
            await advance_target(replace(check, target_commit=proof.base), proof.commit)
        except LandRefused as exc:
            now = await branch_head(check.repo, car.target)
            if now != proof.base:  # someone else moved the target: prove it again on theirs
                store.update_car(car.id, state=CarState.WAITING)
                return True
            return self._pause(car, str(exc))
        landed, _ = await record_land(self.orchard, task, check, proof.commit, unsent)
        store.update_car(car.id, state=CarState.LANDED, landed_commit=proof.commit)
        self.orchard.supervisor.announce(landed)
        return True

    def _pause(self, car: Car, reason: str) -> bool:
        """Put the car back in line and pause its train, saying why."""
        self.orchard.store.update_car(car.id, state=CarState.WAITING)
        self.orchard.store.pause_train(car.project, car.target, reason)
        log.warning("the land train of %s paused: %s", car.target, reason)
        return False

    async def _eject(self, car: Car, reason: str, output: str = "") -> None:
        """Take the car off the train with its reason; the task stays ready for review."""
        store = self.orchard.store
        car = store.update_car(car.id, state=CarState.EJECTED, reason=reason, output=output)
        task = store.update(
            car.task_id, last_event=f"left the land train to {car.target}: {reason}"
        )
        self.orchard.supervisor.announce(task)
        if car.send_back:
            await self._send_back(car, task.turns)

    async def _send_back(self, car: Car, turns: int) -> None:
        """Ask the car's agent to fix what ejected it; it rejoins when that turn succeeds."""
        prompt = send_back_prompt(car.target, car.reason, car.output)
        try:
            await send_followup(self.orchard, car.task_id, prompt)
        except UserError as exc:
            self.orchard.store.update_car(car.id, reason=f"{car.reason}; not sent back: {exc}")
            return
        self.orchard.store.update_car(car.id, sent_back_turns=turns)

    async def _rejoin_sent_back(self) -> None:
        """Put at the end of its train each car whose agent's fix-up turn succeeded."""
        store = self.orchard.store
        for car in store.cars(states=[CarState.EJECTED]):
            if car.sent_back_turns is None:
                continue
            task = store.task(car.task_id)
            if task.state in LIVE_STATES | {TaskState.QUEUED} or task.turns <= car.sent_back_turns:
                continue
            store.update_car(car.id, sent_back_turns=None)
            if task.state is not TaskState.SUCCEEDED:
                store.update_car(car.id, reason=f"{car.reason}; the agent's fix {task.state}")
                continue
            store.add_car(
                car.task_id, car.project, car.target, strategy=car.strategy, send_back=True
            )


def _dirty_line(checkout: str | None, files: tuple[str, ...]) -> str:
    names = ", ".join(repr(p) for p in files)
    return f"{checkout} has uncommitted changes to {names}; commit or stash them, then resume"
