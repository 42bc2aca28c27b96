"""`orchard task` subcommands: comment, comments, followup."""

from __future__ import annotations

import argparse
import re
from typing import Any

from app.commands.handler import Handlers, ops_of, print_json
from app.core.task import Comment, CommentThread, Task
from app.services.orchard import Orchard, UserError

_LOCATION = re.compile(r"^(?P<path>.+):(?P<line>[0-9]+)$")


def add_commands(sub: Any) -> Handlers:
    """Add this feature's subcommands to `sub` and return their handlers."""
    comment = sub.add_parser("comment", help="comment on a line of a task's changes")
    comment.add_argument("id")
    comment.add_argument("location", metavar="FILE:LINE", help="e.g. src/app.py:12")
    comment.add_argument("text")
    comment.add_argument(
        "--old", action="store_true", help="LINE is in the base version, not the task's"
    )
    comment.add_argument("--send", action="store_true", help="send all open comments now")
    comments = sub.add_parser("comments", help="list a task's comments not yet sent")
    comments.add_argument("id")
    comments.add_argument(
        "--all",
        action="store_true",
        help="every comment, sent and dropped too, with the agent's answer to it",
    )
    comments.add_argument("--json", action="store_true")
    send = sub.add_parser(
        "followup", help="send open comments and TEXT to the task's agent as a new turn"
    )
    send.add_argument("id")
    send.add_argument("text", nargs="?", default="")
    return {
        ("task", "comment"): cmd_comment,
        ("task", "comments"): cmd_comments,
        ("task", "followup"): cmd_followup,
    }


def parse_location(value: str) -> tuple[str, int]:
    """Split FILE:LINE into the path and a line number from 1 up."""
    match = _LOCATION.match(value.strip())
    if match is None or int(match["line"]) < 1:
        raise UserError(f"'{value}' is not FILE:LINE (for example src/app.py:12)")
    return match["path"], int(match["line"])


async def cmd_comment(orchard: Orchard, args: argparse.Namespace) -> int:
    path, line = parse_location(args.location)
    side = "old" if args.old else "new"
    ops = ops_of(args)
    comment = await ops.add_comment(args.id, path, line, args.text, side)
    print(f"comment {comment.id} on {comment.path}:{comment.line}")
    if args.send:
        _print_sent(await ops.send_followup(args.id))
    return 0


async def cmd_comments(orchard: Orchard, args: argparse.Namespace) -> int:
    if args.all:
        return _print_threads(await ops_of(args).comment_threads(args.id), args.json)
    comments = await ops_of(args).comments(args.id, open_only=True)
    if args.json:
        print_json([c.to_json() for c in comments])
        return 0
    for c in comments:
        print(_describe(c))
    return 0


async def cmd_followup(orchard: Orchard, args: argparse.Namespace) -> int:
    _print_sent(await ops_of(args).send_followup(args.id, args.text))
    return 0


def _print_threads(threads: list[CommentThread], as_json: bool) -> int:
    if as_json:
        print_json(
            [
                {
                    **t.comment.to_json(),
                    "answer": t.answer,
                    "turn": t.turn,
                    "answering": t.answering,
                }
                for t in threads
            ]
        )
        return 0
    for t in threads:
        c = t.comment
        state = "dropped" if c.dropped_at else "sent" if c.sent_at else "open"
        print(f"{_describe(c)}\n    [{state}]")
        if t.turn:
            going = ", still answering" if t.answering else ""
            answer = "\n".join(
                f"    | {line}" for line in (t.answer or "(nothing said)").splitlines()
            )
            print(f"    agent, turn {t.turn}{going}:\n{answer}")
    return 0


def _describe(c: Comment) -> str:
    side = " (old)" if c.side == "old" else ""
    quote = f"\n    > {c.quote}" if c.quote else ""
    return f"{c.id}  {c.path}:{c.line}{side}{quote}\n    {c.text}"


def _print_sent(task: Task) -> None:
    print(
        f"{task.short_id} {task.state.value} for a follow-up turn "
        "(`orchard run` or the open window starts it)"
    )
