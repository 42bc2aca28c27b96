"""The speculative chain of one land train: its cars built one on another, tested at once.

The chain starts at the target's commit (its base). Each link is one car applied on the commit
the link before it made (a car that did not apply, or whose tests failed, is left out of what
follows it), so link k's commit is exactly what the target becomes if the cars ahead of it
land as they were built. Links are built in order, one at a time (git objects only, fast);
their test commands then run at once. What a link assumed is `ahead`: when that stops being
true (a car ahead failed, left, or moved; the target moved under the chain), the link and every
link after it are thrown away, their tests cancelled, and they are built again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from app.core.landing import LandCheck, TestRun
from app.core.train import Car
from app.services.land.proof import Ejected, Step, apply_car, landed_steps
from app.services.orchard import Orchard

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Link:
    """One car of the chain: where it was applied, what it assumed, how its proof went."""

    car: Car
    before: str  # the commit it was applied on
    ahead: tuple[Car, ...]  # the cars it assumed land before it, on the chain's base
    after: str | None = None  # the commit it makes; None when it did not apply
    check: LandCheck | None = None
    failure: Ejected | None = None  # why it cannot land on what it assumed
    test: asyncio.Task[TestRun | None] | None = None
    tests: TestRun | None = None

    @property
    def out(self) -> bool:
        """Say whether the car leaves on this assumption (what follows it goes without it)."""
        return self.failure is not None

    @property
    def settled(self) -> bool:
        """Say whether its proof is over: failed, or built and tested green."""
        return self.out or (self.test is not None and self.test.done())


@dataclass(eq=False)
class Chain:
    base: str | None = None  # the target's commit the chain starts from
    links: list[Link] = field(default_factory=list)

    @property
    def head(self) -> str:
        """Return the commit the next car would be applied on."""
        built = [link.after for link in self.links if not link.out and link.after]
        assert self.base is not None
        return built[-1] if built else self.base

    def assumed(self) -> tuple[Car, ...]:
        """Return the cars the next link assumes land before it."""
        return tuple(link.car for link in self.links if not link.out)

    def testing(self) -> list[asyncio.Task[TestRun | None]]:
        """Return the test runs still under way."""
        return [link.test for link in self.links if link.test and not link.test.done()]

    def sync(self, target: str, riding: list[Car]) -> list[Link]:
        """Throw away what no longer holds against the target and the cars on the train."""
        if target != self.base:
            self.base = target
            return self.discard(0)
        for i, link in enumerate(self.links):
            if i >= len(riding) or riding[i].id != link.car.id:
                return self.discard(i)
        return []

    def discard(self, start: int) -> list[Link]:
        """Drop the links from `start` on, cancelling their tests; return them."""
        dropped, self.links = self.links[start:], self.links[:start]
        for link in dropped:
            if link.test is not None:
                link.test.cancel()
        return dropped

    def fail(self, link: Link, failure: Ejected) -> list[Link]:
        """Mark `link` out; throw away every link after it, which assumed it; return those."""
        link.failure = failure
        return self.discard(self.links.index(link) + 1)

    def pop_landed(self) -> Link:
        """The first link landed (or left): the chain now starts after it."""
        link = self.links.pop(0)
        if not link.out and link.after:
            self.base = link.after
        return link

    async def extend(self, orchard: Orchard, car: Car) -> Link:
        """Build the next link: `car` applied on the chain's head; a conflict leaves it out."""
        link = Link(car, self.head, self.assumed())
        steps = await landed_steps(orchard, car)
        steps += [
            Step(x.car, x.before, x.after) for x in self.links if not x.out and x.after is not None
        ]
        try:
            link.after, link.check = await apply_car(orchard, car, link.before, steps)
        except Ejected as exc:
            link.failure = exc
        self.links.append(link)
        return link

    async def close(self) -> None:
        """Cancel every test under way and wait for each to be cleaned up."""
        running = self.testing()
        self.discard(0)
        for test in running:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await test
