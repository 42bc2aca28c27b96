"""The land train: approved tasks queued per target branch, each proven before it lands.

Pure values shared by the service and its clients: a car (one task on a train), a train (the
cars of one project's target branch, in order) and what they say about themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise


class CarState(StrEnum):
    WAITING = "waiting"  # in the queue, to be proven
    TESTING = "testing"  # being proven: applied on the target and its test command running
    LANDED = "landed"  # the target moved to include it
    EJECTED = "ejected"  # left the train; `reason` says why


ON_TRAIN = frozenset({CarState.WAITING, CarState.TESTING})


@dataclass(frozen=True, slots=True)
class Car:
    id: int  # the row's number; a task may ride several times (sent back, rejoined)
    task_id: str
    project: str
    target: str  # the branch it lands on
    position: int  # its place in the queue: smaller goes first
    state: CarState
    strategy: str = "merge"
    send_back: bool = False  # on ejection, ask the agent to fix it, then rejoin
    reason: str = ""  # why it was ejected
    output: str = ""  # the failing test command's output tail; under test: its output so far
    proven_on: str | None = None  # the target commit it is (or was last) proven on
    landed_commit: str | None = None  # what the target moved to
    sent_back_turns: int | None = None  # the task's turns when sent back to its agent
    joined_at: float = 0.0
    updated_at: float = 0.0
    # The cars (task ids, in order) it is (or was last) proven behind: the cars ahead of it
    # that its proof assumed land first, on `proven_on`; empty when proven on the target alone.
    ahead: tuple[str, ...] = ()

    @property
    def on_train(self) -> bool:
        return self.state in ON_TRAIN

    def to_json(self) -> dict[str, object]:
        """Return the car as the JSON object `orchard land list --json` prints."""
        return {
            "id": self.id,
            "task": self.task_id,
            "project": self.project,
            "target": self.target,
            "position": self.position,
            "state": self.state.value,
            "strategy": self.strategy,
            "send_back": self.send_back,
            "reason": self.reason,
            "output": self.output,
            "proven_on": self.proven_on,
            "landed_commit": self.landed_commit,
            "ahead": list(self.ahead),
            "joined_at": self.joined_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True, slots=True)
class Train:
    project: str
    target: str
    cars: tuple[Car, ...]  # in queue order: those still on the train first, then the rest
    paused: str | None = None  # why the train waits (a person paused it, a dirty checkout)

    @property
    def waiting(self) -> tuple[Car, ...]:
        """Return the cars still to land, in order."""
        return tuple(c for c in self.cars if c.on_train)

    def to_json(self) -> dict[str, object]:
        """Return the train as the JSON object `orchard land list --json` prints."""
        return {
            "project": self.project,
            "target": self.target,
            "paused": self.paused,
            "cars": [c.to_json() for c in self.cars],
        }


@dataclass(frozen=True, slots=True)
class Boarding:
    """What `land add` did: the cars that joined, and a line per task refused."""

    joined: tuple[Car, ...]
    refused: tuple[str, ...]


def in_order(cars: list[Car]) -> tuple[Car, ...]:
    """Return cars on the train first, by position, then those that left, latest first."""
    riding = sorted((c for c in cars if c.on_train), key=lambda c: (c.position, c.id))
    left = sorted((c for c in cars if not c.on_train), key=lambda c: -c.updated_at)
    return (*riding, *left)


def send_back_prompt(target: str, reason: str, output: str) -> str:
    """Return the follow-up that asks the agent to make its car land."""
    lines = [
        f"Your change could not land on {target}: {reason}.",
        f"Bring your branch up to date with {target} (merge or rebase onto it), resolve "
        "any conflicts, and make the project's tests pass.",
    ]
    if output.strip():
        lines += ["", "The test command's output ended with:", "```", output.strip(), "```"]
    return "\n".join(lines)


def proposed_order(
    cars: tuple[Car, ...], conflicts: Mapping[str, frozenset[str | None]]
) -> tuple[Car, ...]:
    """Order a train's cars so that the fewest conflicts come first.

    `conflicts` maps a task to the tasks its change conflicts with (None: its target). The car
    under test keeps its place; a car that conflicts with the target goes last (it will leave);
    the others go by how many of the train's cars they conflict with, then by their place.
    """
    riding = {c.task_id for c in cars}

    def cost(car: Car) -> tuple[bool, int, int]:
        clashes = conflicts.get(car.task_id, frozenset())
        with_cars = len([t for t in clashes if t in riding and t != car.task_id])
        return None in clashes, with_cars, car.position

    testing = [c for c in cars if c.state is CarState.TESTING]
    rest = sorted((c for c in cars if c.state is not CarState.TESTING), key=cost)
    return (*testing, *rest)


PACE_GAP_LIMIT = 3600.0  # a gap longer than this between two cars leaving is idle, not pace


def pace(train: Train, now: float) -> float | None:
    """Return the seconds one car takes, by the median gap between cars that left the train.

    With fewer than two that left, the car under test's time so far is the best guess; with
    no car under test either, there is none.
    """
    left = sorted(c.updated_at for c in train.cars if not c.on_train)
    gaps = sorted(b - a for a, b in pairwise(left) if 0 < b - a < PACE_GAP_LIMIT)
    if gaps:
        return gaps[len(gaps) // 2]
    testing = [c for c in train.cars if c.state is CarState.TESTING]
    return max(now - testing[0].updated_at, 1.0) if testing else None


def time_to_land(train: Train, now: float) -> dict[int, float]:
    """Return, by car id, the estimated seconds until each car still on the train lands."""
    each = pace(train, now)
    if each is None:
        return {}
    ahead = 0.0
    found = {}
    for car in train.waiting:
        if car.state is CarState.TESTING:
            ahead += max(each - (now - car.updated_at), 0.0)
        else:
            ahead += each
        found[car.id] = ahead
    return found


def about(seconds: float) -> str:
    """Return a rough duration for a person: "under a minute", "about 2 min", "about 1 h 10"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60:02d}"
