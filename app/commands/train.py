"""`orchard land …`: the land train. Approved tasks join; the service lands them in order."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.commands.handler import Handlers, ops_of, print_json
from app.core.landing import STRATEGIES
from app.core.train import Car, CarState, Train
from app.services.orchard import Orchard

SHOWN_LEFT = 10  # cars that left a train (landed, ejected) that `land list` still shows


def add_commands(sub: Any) -> Handlers:
    """Add the `land` command group to the top-level `sub` and return its handlers."""
    land = sub.add_parser(
        "land",
        help="the land train: approved tasks land in order, each proven by the tests first",
    )
    actions = land.add_subparsers(dest="action", required=True, parser_class=type(land))
    add = actions.add_parser("add", help="put tasks on the train of their target branch")
    add.add_argument("ids", nargs="+", metavar="ID")
    add.add_argument("--into", metavar="BRANCH", help="the target (default: each task's base)")
    add.add_argument("--strategy", choices=STRATEGIES, default="merge")
    add.add_argument(
        "--send-back", action="store_true", help="an ejected car goes back to its agent to fix"
    )
    ls = actions.add_parser("list", help="show the trains and their cars")
    ls.add_argument("--project")
    ls.add_argument("--json", action="store_true")
    remove = actions.add_parser("remove", help="take a task off its train")
    remove.add_argument("id")
    for name, what in (("pause", "pause the trains"), ("resume", "let paused trains go on")):
        verb = actions.add_parser(name, help=what)
        verb.add_argument("--into", metavar="BRANCH", help="only the train to this branch")
    order = actions.add_parser(
        "order", help="propose the order with the fewest conflicts first (the forecast's)"
    )
    order.add_argument("--apply", action="store_true", help="take that order")
    order.add_argument("--into", metavar="BRANCH", help="only the train to this branch")
    move = actions.add_parser("move", help="move a task's car later (+N) or earlier (-N)")
    move.add_argument("id")
    move.add_argument("places", type=int, help="how many places later; negative: earlier")
    back = actions.add_parser(
        "send-back", help="send an ejected car's task back to its agent; it rejoins when fixed"
    )
    back.add_argument("id")
    return {
        ("land", "move"): cmd_land_move,
        ("land", "send-back"): cmd_land_send_back,
        ("land", "order"): cmd_land_order,
        ("land", "add"): cmd_land_add,
        ("land", "list"): cmd_land_list,
        ("land", "remove"): cmd_land_remove,
        ("land", "pause"): cmd_land_pause,
        ("land", "resume"): cmd_land_resume,
    }


async def cmd_land_add(orchard: Orchard, args: argparse.Namespace) -> int:
    boarded = await ops_of(args).add_cars(args.ids, args.into, args.strategy, args.send_back)
    for car in boarded.joined:
        print(f"{car.task_id[:8]} joined the train to {car.target}")
    for line in boarded.refused:
        print(f"orchard: not added: {line}", file=sys.stderr)
    return 1 if boarded.refused else 0


async def cmd_land_list(orchard: Orchard, args: argparse.Namespace) -> int:
    trains = await ops_of(args).trains(args.project)
    if args.json:
        print_json([t.to_json() for t in trains])
        return 0
    titles = {t.id: t.title for t in orchard.store.tasks(project=args.project)}
    for train in trains:
        _print_train(train, titles)
    if not trains:
        print("no land trains (orchard land add ID… puts tasks on one)")
    return 0


def _print_train(train: Train, titles: dict[str, str]) -> None:
    paused = f" (paused: {train.paused})" if train.paused else ""
    print(f"{train.project} → {train.target}{paused}")
    riding = train.waiting
    left = [c for c in train.cars if not c.on_train][:SHOWN_LEFT]
    for number, car in enumerate([*riding, *left], start=1):
        place = f"{number:>2}." if car.on_train else "   "
        print(f"  {place} {car.state.value:<8} {car.task_id[:8]} {titles.get(car.task_id, '')}")
        detail = _detail(car)
        if detail:
            print(f"      {detail}")


def _detail(car: Car) -> str:
    if car.state is CarState.EJECTED:
        return car.reason
    if car.state is CarState.LANDED and car.landed_commit:
        return f"landed as {car.landed_commit[:10]}"
    return ""


async def cmd_land_remove(orchard: Orchard, args: argparse.Namespace) -> int:
    car = await ops_of(args).remove_car(args.id)
    print(f"{car.task_id[:8]} taken off the train to {car.target}")
    return 0


async def cmd_land_pause(orchard: Orchard, args: argparse.Namespace) -> int:
    for train in await ops_of(args).pause_trains(args.into):
        print(f"the train {train.project} → {train.target} is paused")
    return 0


async def cmd_land_resume(orchard: Orchard, args: argparse.Namespace) -> int:
    for train in await ops_of(args).resume_trains(args.into):
        print(f"the train {train.project} → {train.target} goes on")
    return 0


async def cmd_land_order(orchard: Orchard, args: argparse.Namespace) -> int:
    trains = await ops_of(args).order_trains(args.apply, args.into)
    titles = {t.id: t.title for t in orchard.store.tasks()}
    verb = "now lands" if args.apply else "would land best"
    for train in trains:
        print(f"the train {train.project} → {train.target} {verb} in this order:")
        for number, car in enumerate(train.cars, start=1):
            print(f"  {number:>2}. {car.task_id[:8]} {titles.get(car.task_id, '')}")
    if not trains:
        print("no train has cars waiting")
    return 0


async def cmd_land_move(orchard: Orchard, args: argparse.Namespace) -> int:
    train = await ops_of(args).move_car(args.id, args.places)
    titles = {t.id: t.title for t in orchard.store.tasks(project=train.project)}
    _print_train(train, titles)
    return 0


async def cmd_land_send_back(orchard: Orchard, args: argparse.Namespace) -> int:
    car = await ops_of(args).send_back_car(args.id)
    print(
        f"{car.task_id[:8]} went back to its agent; it rejoins the train to {car.target} when fixed"
    )
    return 0
