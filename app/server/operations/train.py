"""Operations of the land train: tasks join and leave, trains are listed, paused, resumed."""

from __future__ import annotations

from app.core.train import Boarding, Car, Train
from app.server.operations.registry import Params, flag, number, operation, optional_text, text
from app.services.orchard import Orchard, UserError


def _refs(params: Params) -> list[str]:
    refs = params.get("refs")
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
        raise UserError("the request needs 'refs' as a list of task ids")
    return refs


@operation("train.add")
async def add_cars(orchard: Orchard, params: Params) -> Boarding:
    """Put tasks on the land train of their target; refuse, a line each, those not ready."""
    from app.services.land import cars

    return await cars.board(
        orchard,
        _refs(params),
        optional_text(params, "into"),
        text(params, "strategy", "merge"),
        flag(params, "send_back"),
    )


@operation("train.list")
async def list_trains(orchard: Orchard, params: Params) -> list[Train]:
    """Return every land train with its cars in order."""
    from app.services.land import cars

    return cars.trains(orchard, optional_text(params, "project"))


@operation("train.remove")
async def remove_car(orchard: Orchard, params: Params) -> Car:
    """Take a task off its land train."""
    from app.services.land import cars

    return cars.take_off(orchard, text(params, "ref"))


@operation("train.pause")
async def pause_trains(orchard: Orchard, params: Params) -> list[Train]:
    """Pause the land trains (of one target branch, or all) until resumed."""
    from app.services.land import cars

    return cars.pause(orchard, "paused by you", optional_text(params, "into"))


@operation("train.resume")
async def resume_trains(orchard: Orchard, params: Params) -> list[Train]:
    """Let paused land trains (of one target branch, or all) go on."""
    from app.services.land import cars

    return cars.pause(orchard, None, optional_text(params, "into"))


@operation("train.order")
async def order_trains(orchard: Orchard, params: Params) -> list[Train]:
    """Propose the order with the fewest conflicts first for each train; take it if asked."""
    from app.services.land import cars

    return await cars.order(orchard, flag(params, "apply"), optional_text(params, "into"))


@operation("train.move")
async def move_car(orchard: Orchard, params: Params) -> Train:
    """Move a task's car later (places > 0) or earlier in its train."""
    from app.services.land import cars

    return cars.move(orchard, text(params, "ref"), number(params, "places"))


@operation("train.send_back")
async def send_back(orchard: Orchard, params: Params) -> Car:
    """Send an ejected car's task back to its agent; it rejoins when that turn succeeds."""
    from app.services.land import cars

    return await cars.send_back(orchard, text(params, "ref"))
