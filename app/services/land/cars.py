"""Who rides the land train: tasks join, leave, and trains pause and resume.

Each task of a `land add` is taken or refused on its own, in one line; the runner (train.py)
lands what joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.core.forecast import ClashKind
from app.core.landing import STRATEGIES
from app.core.states import TaskState
from app.core.train import (
    ON_TRAIN,
    Boarding,
    Car,
    CarState,
    Train,
    in_order,
    proposed_order,
    send_back_prompt,
)
from app.services.land.followup import comments_to_drop, send_followup
from app.services.land.landcheck import ensure_landable, target_branch
from app.services.land.testgate import TEST_LOG, live_tail
from app.services.orchard import Orchard, UserError


async def board(
    orchard: Orchard,
    refs: Sequence[str],
    into: str | None = None,
    strategy: str = "merge",
    send_back: bool = False,
) -> Boarding:
    """Put each task on the train of its target; refuse, in a line each, those not ready."""
    if strategy not in STRATEGIES:
        raise UserError(f"unknown strategy '{strategy}' (use {', '.join(STRATEGIES)})")
    joined: list[Car] = []
    refused: list[str] = []
    for ref in refs:
        try:
            joined.append(await _board_one(orchard, ref, into, strategy, send_back))
        except UserError as exc:
            refused.append(f"{ref}: {exc}")
    if joined:
        orchard.wake_train()
    return Boarding(tuple(joined), tuple(refused))


async def _board_one(
    orchard: Orchard, ref: str, into: str | None, strategy: str, send_back: bool
) -> Car:
    task = orchard.task(ref)
    ensure_landable(task)
    if task.state is not TaskState.SUCCEEDED:
        raise UserError(f"task {task.short_id} is {task.state}; only a finished task can land")
    riding = orchard.store.cars(task_id=task.id, states=ON_TRAIN)
    if riding:
        raise UserError(f"task {task.short_id} is on the train to {riding[0].target} already")
    comments_to_drop(orchard, task, False, "land")
    repo = orchard.store.project(task.project).path
    target, _ = await target_branch(repo, task, into)
    return orchard.store.add_car(
        task.id, task.project, target, strategy=strategy, send_back=send_back
    )


def trains(orchard: Orchard, project: str | None = None) -> list[Train]:
    """Return every train (of `project`, if given), with its cars in order.

    A car under test carries the last lines its test command has written so far as `output`.
    """
    if project is not None:
        orchard.store.project(project)  # an unknown project is an error, not empty
    grouped: dict[tuple[str, str], list[Car]] = {}
    for car in orchard.store.cars(project=project):
        if car.state is CarState.TESTING:  # its test command's output so far
            car = replace(car, output=live_tail(orchard.home.logs / car.task_id / TEST_LOG))
        grouped.setdefault((car.project, car.target), []).append(car)
    return [
        Train(p, t, in_order(cars), orchard.store.train_paused(p, t))
        for (p, t), cars in sorted(grouped.items())
    ]


def take_off(orchard: Orchard, ref: str) -> Car:
    """Take a task off its train (a car under test lands nothing); return its car."""
    task = orchard.task(ref)
    riding = orchard.store.cars(task_id=task.id, states=ON_TRAIN)
    if not riding:
        raise UserError(f"task {task.short_id} is not on a land train")
    return orchard.store.update_car(
        riding[0].id, state=CarState.EJECTED, reason="taken off the train"
    )


def pause(orchard: Orchard, reason: str | None, into: str | None = None) -> list[Train]:
    """Pause (reason) or resume (None) the trains of `into`, or all; return them."""
    found = [t for t in trains(orchard) if into is None or t.target == into]
    if not found:
        where = f" to {into}" if into else ""
        raise UserError(f"there is no land train{where}")
    for train in found:
        orchard.store.pause_train(train.project, train.target, reason)
    if reason is None:
        orchard.wake_train()
    return [replace(t, paused=reason) for t in found]


async def order(orchard: Orchard, apply: bool = False, into: str | None = None) -> list[Train]:
    """Propose for each train the order with the fewest conflicts first; with `apply`, take it."""
    from app.services.land.forecast import forecast

    found = [t for t in trains(orchard) if t.waiting and (into is None or t.target == into)]
    proposed = []
    for train in found:
        seen = await forecast(orchard, train.project)
        conflicts = {
            car.task_id: frozenset(
                c.other for c in seen.for_task(car.task_id) if c.kind is ClashKind.CONFLICT
            )
            for car in train.waiting
        }
        cars = proposed_order(train.waiting, conflicts)
        if apply:
            cars = tuple(
                orchard.store.update_car(car.id, position=place)
                for place, car in enumerate(cars, start=1)
            )
        proposed.append(replace(train, cars=cars))
    return proposed


def move(orchard: Orchard, ref: str, places: int) -> Train:
    """Move a task's car `places` later (earlier if negative) in its train; return the train."""
    task = orchard.task(ref)
    riding = orchard.store.cars(task_id=task.id, states=ON_TRAIN)
    if not riding:
        raise UserError(f"task {task.short_id} is not on a land train")
    car = riding[0]
    if car.state is CarState.TESTING:
        raise UserError(f"task {task.short_id} is under test; the car under test keeps its place")
    line = list(in_order(orchard.store.cars(car.project, car.target, ON_TRAIN)))
    first = sum(c.state is CarState.TESTING for c in line)  # nothing passes the car under test
    at = line.index(car) + places
    line.remove(car)
    line.insert(min(max(at, first), len(line)), car)
    for place, other in enumerate(line, start=1):
        if other.position != place:
            orchard.store.update_car(other.id, position=place)
    return next(t for t in trains(orchard, car.project) if t.target == car.target)


async def send_back(orchard: Orchard, ref: str) -> Car:
    """Send an ejected car's task back to its agent to fix; it rejoins when that turn succeeds."""

    task = orchard.task(ref)
    if orchard.store.cars(task_id=task.id, states=ON_TRAIN):
        raise UserError(f"task {task.short_id} is on a land train; it has not been ejected")
    left = [c for c in orchard.store.cars(task_id=task.id) if c.state is CarState.EJECTED]
    if not left:
        raise UserError(f"task {task.short_id} has not left a land train")
    car = max(left, key=lambda c: c.updated_at)
    if car.sent_back_turns is not None:
        raise UserError(f"task {task.short_id} is with its agent already")
    await send_followup(orchard, task.id, send_back_prompt(car.target, car.reason, car.output))
    return orchard.store.update_car(car.id, sent_back_turns=task.turns)
