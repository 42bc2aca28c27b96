"""`orchard inbox` and `orchard answer`: what waits on a person, and answering it, in batches."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import orjson

from app.client import DoorClosed, door_follow, door_open, door_request
from app.commands.handler import Handlers, ops_of, print_json
from app.core.inbox import Answer, Ask, Verdict
from app.core.wire import decode, encode
from app.services.orchard import Orchard, UserError

_VERBS = {
    "allow": (Verdict.ALLOW, "allowed"),
    "allow_task": (Verdict.ALLOW_TASK, "allowed for its task"),
    "allow_project": (Verdict.ALLOW_PROJECT, "allowed in its project from now on"),
    "deny": (Verdict.DENY, "denied"),
    "reply": (Verdict.REPLY, "replied to"),
    "raise_cap": (Verdict.RAISE, "cap raised; the task continues"),
    "stop": (Verdict.STOP, "stopped; its work is kept"),
}


def add_commands(sub: Any) -> Handlers:
    """Add `inbox` and `answer` to the top-level `sub` and return their handlers."""
    inbox = sub.add_parser("inbox", help="what the agents wait on you for, oldest first")
    inbox.add_argument("--json", action="store_true")
    inbox.add_argument("--follow", action="store_true", help="print it again on every change")
    answer = sub.add_parser(
        "answer", help="answer waiting requests: by id, or every command matching --match"
    )
    answer.add_argument("ids", nargs="*", metavar="ITEM")
    answer.add_argument("--match", metavar="PATTERN", help="a shell glob over the commands")
    verbs = answer.add_mutually_exclusive_group(required=True)
    verbs.add_argument("--allow", action="store_true", help="this once")
    verbs.add_argument("--allow-task", action="store_true", help="for the rest of its task")
    verbs.add_argument(
        "--allow-project", action="store_true", help="always, in its project (recorded)"
    )
    verbs.add_argument("--deny", nargs="?", const="", metavar="MESSAGE", help="the agent sees it")
    verbs.add_argument("--reply", metavar="TEXT", help="a question's answer")
    verbs.add_argument(
        "--raise",
        dest="raise_cap",
        nargs="?",
        const="",
        metavar="AMOUNT",
        help="a budget: raise the cap by AMOUNT (in its unit; else doubled) and continue",
    )
    verbs.add_argument("--stop", action="store_true", help="a budget: stop the task, work kept")
    return {("inbox", None): cmd_inbox, ("answer", None): cmd_answer}


async def _pending(orchard: Orchard, args: argparse.Namespace) -> list[Ask]:
    if door_open(orchard.home.root):
        found = await door_request(orchard.home.root, {"op": "list"})
        asks: list[Ask] = decode(found["items"], list[Ask])
        return asks
    return await ops_of(args).pending_asks()


async def cmd_inbox(orchard: Orchard, args: argparse.Namespace) -> int:
    """List the requests waiting on a person; with --follow, again on every change."""
    if not args.follow:
        _show(await _pending(orchard, args), args.json)
        return 0
    if not door_open(orchard.home.root):
        raise UserError("no Orchard supervises this home now, so nothing can wait on you")
    try:
        async for items in door_follow(orchard.home.root):
            _show(decode(items, list[Ask]), args.json, follow=True)
    except DoorClosed as exc:
        raise UserError(f"the supervising Orchard went away ({exc})") from None
    return 0


def _show(asks: list[Ask], as_json: bool, follow: bool = False) -> None:
    now = time.time()
    if as_json:
        items = [a.to_json(now) for a in asks]
        if follow:
            sys.stdout.write(orjson.dumps(items).decode() + "\n")
        else:
            print_json(items)
    else:
        if follow:
            print(f"-- {len(asks)} waiting --")
        for ask in asks:
            danger = " (dangerous)" if ask.dangerous else ""
            waited = f"{max(0.0, now - ask.asked_at):.0f}s"
            print(f"{ask.id}\t{ask.agent}\t{waited}\t{ask.kind}{danger}\t{ask.subject}")
        if not asks and not follow:
            print("nothing waits on you", file=sys.stderr)
    sys.stdout.flush()


def _answer_of(args: argparse.Namespace) -> Answer:
    for name, (verdict, _) in _VERBS.items():
        value = getattr(args, name)
        if value is True or isinstance(value, str):
            message = value if isinstance(value, str) else ""
            if verdict is Verdict.REPLY and not message.strip():
                raise UserError("--reply needs the text of the reply")
            if verdict is Verdict.RAISE:
                return Answer(verdict, amount=_amount(message))
            return Answer(verdict, message)
    raise UserError(
        "say how to answer: --allow, --allow-task, --allow-project, --deny, --reply, --raise "
        "or --stop"
    )


def _amount(text: str) -> float | None:
    """Return --raise's amount, None for "double it"."""
    if not text.strip():
        return None
    try:
        amount = float(text)
    except ValueError:
        amount = 0.0
    if not amount > 0 or amount == float("inf"):
        raise UserError(f"--raise needs an amount above 0 in the cap's unit (not {text!r})")
    return amount


def _done(answer: Answer) -> str:
    return next(said for verdict, said in _VERBS.values() if verdict is answer.verdict)


async def cmd_answer(orchard: Orchard, args: argparse.Namespace) -> int:
    """Answer requests by id, or every waiting command that matches --match."""
    answer = _answer_of(args)
    if bool(args.ids) == bool(args.match):
        raise UserError("name the requests to answer, or give --match PATTERN (not both)")
    home, ops = orchard.home.root, ops_of(args)
    through_door = door_open(home)
    if args.match:
        if through_door:
            request = {"op": "answer_matching", "pattern": args.match, "answer": encode(answer)}
            ids: list[str] = (await door_request(home, request))["ids"]
        else:
            ids = await ops.answer_matching(args.match, answer)
        if not ids:
            raise UserError(f"no waiting command matches {args.match!r}")
        results = dict.fromkeys(ids, "")
    elif through_door:
        request = {"op": "answer", "ids": list(args.ids), "answer": encode(answer)}
        results = (await door_request(home, request))["results"]
    else:
        results = await ops.answer_asks(args.ids, answer)
    for ask_id, refusal in results.items():
        if refusal:
            print(f"orchard: {refusal}", file=sys.stderr)
        else:
            print(f"{ask_id}: {_done(answer)}")
    return 1 if any(results.values()) else 0
