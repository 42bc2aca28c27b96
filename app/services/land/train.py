"""The land train's runner: it lands the cars of each target branch, in order, by itself.

One driver per (project, target). Cars are proven speculatively, as Zuul's gate and GitLab's
merge trains do: while car 1 is tested on the target, car 2 is tested on the target plus car 1,
car 3 on the target plus cars 1 and 2, and so on (chain.py builds those commits one on another
and runs their test commands at once), as far as the parallel limit allows. Landing stays
strictly in order: the first car lands when its proof is green, by a compare-and-swap of the
target's ref from the commit its proof started on (or a fast-forward of the clean checkout
that has it): the single commit point. Car k's proof is on exactly the commit car k-1 made, so
it lands only if the cars it assumed are the ones that landed, on the target really there. A
target moved by anyone else throws the whole chain away; a failing car throws away every proof
that assumed it, and those cars are proven again without it. The state is in the database: a
car found `testing` when the runner starts is proven again.

Why speculation rather than batching with bisection (bors): with a test command that waits
(I/O, network, sleeps) speculation brings ten cars from ten test runs down to about
ten / parallel of them, and a failing car costs one more test run for the cars behind it, not
log2(batch) runs for the whole batch; each landed commit is also the very commit that was
tested, so the target's first-parent history is green commit by commit, which a batch that
lands as one merge does not prove for its middle cars. Batching wins when tests are CPU-bound
and the machine cannot run two at once; there the parallel limit (settings.parallel) caps the
speculation depth, and with 2 cores it should be set low.

The parallel limit is shared with the agents, who keep priority: the car at the front is
always proven (a person landing by hand is not held back by running agents either), and the
speculative proofs behind it take only the slots that running agents and other proofs leave
free. The supervisor does not count proofs, so a queued agent starts as soon as agents are
under the limit; speculation then shrinks until proofs end. Agents are the work the person is
waiting on; a speculative proof is a bet.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.core.landing import TestRun
from app.core.states import LIVE_STATES, TaskState
from app.core.train import ON_TRAIN, Car, CarState, send_back_prompt
from app.services import process
from app.services.land.archive import archive_task, branch_head
from app.services.land.chain import Chain, Link
from app.services.land.followup import comments_to_drop, send_followup
from app.services.land.landing import LandRefused, advance_target, record_land, still_landable
from app.services.land.proof import Ejected, Proof, failed, run_tests
from app.services.land.testgate import TEST_TIMEOUT
from app.services.orchard import Orchard, UserError
from app.services.tasks import Message, TaskUpdated

log = logging.getLogger(__name__)
POLL_SECONDS = 5.0  # a look at every train even when nothing woke the runner
STALE_SECONDS = 600.0  # a scratch checkout left alone this long belongs to no live proof
Key = tuple[str, str]  # (project, target)


class TrainRunner:
    """Drives every land train of a home, in the service's event loop."""

    def __init__(self, orchard: Orchard, test_timeout: float = TEST_TIMEOUT) -> None:
        self.orchard = orchard
        self.test_timeout = test_timeout
        self._wake = asyncio.Event()
        self._drivers: dict[Key, asyncio.Task[None]] = {}
        self._nudges: set[asyncio.Event] = set()  # one per driver: look at your train now
        self._tests = 0  # test commands of proofs running now, on every train
        self.proofs: list[Proven] = []  # every proof and how it went, oldest first

    def wake(self) -> None:
        """Look at the trains now: cars joined, a train was resumed, a proof ended."""
        self._wake.set()
        for nudge in self._nudges:
            nudge.set()

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
        self._reap()
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

    def _reap(self) -> None:
        """Kill the test commands a dead runner left in its scratch checkouts; remove those."""
        scratch = self.orchard.home.root / "scratch"
        for left in scratch.glob("scratch-*") if scratch.is_dir() else ():
            killed = process.kill_orphans_in(str(left))
            for pgid in killed:
                log.warning("killed process group %d, left by a proof of a stopped Orchard", pgid)
            idle = not process.groups_working_in(str(left)) and _untouched_for(left, STALE_SECONDS)
            if killed or idle:
                shutil.rmtree(left, ignore_errors=True)  # git prunes its record later

    async def stop(self) -> None:
        """Stop every driver; a car under test stays `testing`, to be re-proven."""
        drivers, self._drivers = list(self._drivers.values()), {}
        for driver in drivers:
            driver.cancel()
        for driver in drivers:
            with contextlib.suppress(asyncio.CancelledError):
                await driver
        await self.orchard.scratch.close()  # the proofs' checkouts, kept between proofs

    async def _look(self) -> None:
        await self._rejoin_sent_back()
        await self.orchard.scratch.prune()
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
        """Land the train's cars in order until it is empty or paused."""
        nudge, chain = asyncio.Event(), Chain()
        self._nudges.add(nudge)
        stopping = False
        try:
            while await self._step(*key, chain, nudge):
                pass
        except asyncio.CancelledError:
            stopping = True  # the service stops: a car under test stays `testing`
            raise
        except Exception as exc:  # nothing fails silently: the train says why it stopped
            log.exception("the land train of %s failed", key)
            self.orchard.store.pause_train(*key, f"the train stopped on an error: {exc}")
        finally:
            self._nudges.discard(nudge)
            self._throw_away(chain.discard(0), "the train stopped", requeue=not stopping)
            await chain.close()

    async def _step(self, project: str, target: str, chain: Chain, nudge: asyncio.Event) -> bool:
        """Land or eject the first car if its proof is over, else prove more; say if to go on."""
        nudge.clear()
        store = self.orchard.store
        riding = store.cars(project, target, ON_TRAIN)
        if not riding or store.train_paused(project, target) is not None:
            return False
        base = await branch_head(store.project(project).path, target)
        if base is None:
            store.pause_train(project, target, f"the target branch {target} does not exist")
            return False
        moved = chain.base is not None and chain.base != base
        self._throw_away(chain.sync(base, riding), "the target moved" if moved else "it moved")
        self._take_results(chain)
        if chain.links and chain.links[0].settled:
            return await self._settle(chain)
        await self._fill(chain, riding)
        if chain.links and chain.links[0].settled:
            return True
        woken = asyncio.ensure_future(nudge.wait())
        waits: set[asyncio.Future[Any]] = {woken, *chain.testing()}
        await asyncio.wait(waits, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        woken.cancel()
        return True

    async def _fill(self, chain: Chain, riding: list[Car]) -> None:
        """Prove the next cars, each behind those ahead of it, while slots are free."""
        while len(chain.links) < len(riding):
            if chain.links and not self._slot_free():
                return
            car = riding[len(chain.links)]
            link = await chain.extend(self.orchard, car)
            link.car = self.orchard.store.update_car(
                car.id, state=CarState.TESTING, proven_on=chain.base, reason="",
                ahead=tuple(c.task_id for c in link.ahead),
            )  # fmt: skip
            if link.failure is not None:
                self._record(link, "did not apply")
                continue
            self._tests += 1  # the slot is taken now, given back when the test task is done
            link.test = asyncio.create_task(self._test(link))
            link.test.add_done_callback(self._test_done)

    def _slot_free(self) -> bool:
        agents, limit = self.orchard.supervisor.slots()
        return agents + self._tests < limit

    async def _test(self, link: Link) -> TestRun | None:
        """Run the car's test command on its link's commit."""
        assert link.after is not None
        return await run_tests(self.orchard, link.car, link.after, self.test_timeout)

    def _test_done(self, _: asyncio.Task[TestRun | None]) -> None:
        self._tests -= 1
        self.wake()  # a slot is free, here or on another train

    def _take_results(self, chain: Chain) -> None:
        """Read the test runs that ended; a red one throws away the links that assumed it."""
        for link in list(chain.links):
            if link.test is None or not link.test.done() or link.out or link.tests:
                continue
            if link not in chain.links:
                continue  # thrown away by a failure ahead of it
            failure: Ejected | None
            try:
                tests = link.test.result()
            except Exception as exc:  # the scratch checkout could not be made…
                log.exception("the proof of task %s failed", link.car.task_id)
                tests, failure = None, Ejected(f"the proof could not run: {exc}")
            else:
                failure = failed(tests) if tests is not None and not tests.ok else None
            link.tests = tests
            if failure is None:
                self._record(link, "passed")
                continue
            self._record(link, "failed")
            self._throw_away(chain.fail(link, failure), f"task {link.car.task_id[:8]} failed")

    def _throw_away(self, links: list[Link], why: str, requeue: bool = True) -> None:
        """Forget the proofs of `links` (their tests are cancelled); their cars wait again."""
        for link in links:
            if link.failure is None and (link.tests is None or link.tests.ok):
                self._record(link, f"thrown away: {why}")
            car = self.orchard.store.car(link.car.id)
            if requeue and car.state is CarState.TESTING:
                self.orchard.store.update_car(car.id, state=CarState.WAITING)

    async def _settle(self, chain: Chain) -> bool:
        """Land the first car of the chain, or eject it; say whether to go on."""
        link = chain.links[0]
        if link.failure is not None:
            chain.pop_landed()
            await self._eject(link.car, link.failure.reason, link.failure.output)
            return True
        assert link.after is not None and link.check is not None
        go_on = await self._land(Proof(link.car, link.before, link.after, link.check, link.tests))
        if self.orchard.store.car(link.car.id).state is CarState.LANDED:
            chain.pop_landed()  # the chain goes on from the commit that landed
            self._record(link, "landed")
        return go_on

    def _record(self, link: Link, outcome: str) -> None:
        proven = Proven(
            link.car.task_id, link.before, tuple(c.task_id for c in link.ahead), outcome
        )
        self.proofs.append(proven)
        log.info("%s", proven)

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


@dataclass(frozen=True, slots=True)
class Proven:
    """One proof of a car: on which target commit, behind which cars, and how it went."""

    task_id: str
    base: str  # the commit it was applied on (the target plus the cars ahead)
    ahead: tuple[str, ...]  # the tasks of the cars it assumed land first
    outcome: str  # passed, failed, did not apply, landed, thrown away: why

    def __str__(self) -> str:
        behind = f" behind {', '.join(t[:8] for t in self.ahead)}" if self.ahead else " alone"
        return f"proof of task {self.task_id[:8]}{behind}: {self.outcome}"


def _untouched_for(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except OSError:
        return False


def _dirty_line(checkout: str | None, files: tuple[str, ...]) -> str:
    names = ", ".join(repr(p) for p in files)
    return f"{checkout} has uncommitted changes to {names}; commit or stash them, then resume"
