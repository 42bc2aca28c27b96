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
from app.core.train import ON_TRAIN, Boarding, Car, CarState, Train, in_order, proposed_order
from app.services.land.followup import comments_to_drop
from app.services.land.landcheck import ensure_landable, target_branch
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
    """Return every train (of `project`, if given), with its cars in order."""
    if project is not None:
        orchard.store.project(project)  # an unknown project is an error, not empty
    grouped: dict[tuple[str, str], list[Car]] = {}
    for car in orchard.store.cars(project=project):
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
