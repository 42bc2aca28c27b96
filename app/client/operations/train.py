"""Operations of the land train: tasks join and leave, trains are listed, paused, resumed."""

from __future__ import annotations

from collections.abc import Sequence

from app.client.operations.calls import Asker
from app.core.train import Boarding, Car, Train


class TrainOperations(Asker):
    """The land train: approved tasks landing in order, each proven first."""

    async def add_cars(
        self,
        refs: Sequence[str],
        into: str | None = None,
        strategy: str = "merge",
        send_back: bool = False,
    ) -> Boarding:
        """Put tasks on the train of their target; those not ready are refused, a line each."""
        found: Boarding = await self.do(
            "train.add", Boarding, refs=list(refs), into=into, strategy=strategy,
            send_back=send_back,
        )  # fmt: skip
        return found

    async def trains(self, project: str | None = None) -> list[Train]:
        """Return every land train with its cars in order."""
        found: list[Train] = await self.do("train.list", list[Train], project=project)
        return found

    async def remove_car(self, ref: str) -> Car:
        """Take a task off its land train."""
        found: Car = await self.do("train.remove", Car, ref=ref)
        return found

    async def pause_trains(self, into: str | None = None) -> list[Train]:
        """Pause the land trains (of one target branch, or all)."""
        found: list[Train] = await self.do("train.pause", list[Train], into=into)
        return found

    async def resume_trains(self, into: str | None = None) -> list[Train]:
        """Let paused land trains (of one target branch, or all) go on."""
        found: list[Train] = await self.do("train.resume", list[Train], into=into)
        return found

    async def order_trains(self, apply: bool = False, into: str | None = None) -> list[Train]:
        """Propose the order with the fewest conflicts first for each train; take it if asked."""
        found: list[Train] = await self.do("train.order", list[Train], apply=apply, into=into)
        return found

    async def move_car(self, ref: str, places: int) -> Train:
        """Move a task's car later (places > 0) or earlier in its train; return the train."""
        found: Train = await self.do("train.move", Train, ref=ref, places=places)
        return found

    async def send_back_car(self, ref: str) -> Car:
        """Send an ejected car's task back to its agent; it rejoins when that turn succeeds."""
        found: Car = await self.do("train.send_back", Car, ref=ref)
        return found
