"""`orchard task compare`, `pick` and `combine`: best-of-N from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.commands.handler import Handlers, ops_of, print_json
from app.core.combine import TAKE_FORMAT, parse_take
from app.core.compare import (
    FIELD_TITLES,
    FIELDS,
    Attempt,
    Scoreboard,
    Take,
    TestResult,
    attempts_text,
    cells,
)
from app.services.land import compare
from app.services.orchard import Orchard

_WIDTHS = {
    "state": 18,
    "duration": 9,
    "files": 6,
    "lines": 12,
    "tokens": 7,
    "cost": 7,
    "tests": 0,
}


def add_commands(sub: Any) -> Handlers:
    """Add this feature's subcommands to `sub` and return their handlers."""
    cmp = sub.add_parser("compare", help="a best-of-N group's attempts side by side")
    cmp.add_argument("id", metavar="ID_OR_GROUP", help="a group id, or any attempt of the group")
    cmp.add_argument(
        "--run-tests", action="store_true", help="run the project's test command in each attempt"
    )
    cmp.add_argument(
        "--jobs", type=int, default=compare.DEFAULT_JOBS, metavar="N", help="test runs at once"
    )
    cmp.add_argument(
        "--timeout",
        type=float,
        default=compare.DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="kill a test run after this long",
    )
    cmp.add_argument("--json", action="store_true")
    pick = sub.add_parser("pick", help="pick the winner of a best-of-N group")
    pick.add_argument("id")
    pick.add_argument(
        "--discard-others", action="store_true", help="discard the group's other attempts"
    )
    _combine_command(sub)
    return {
        ("task", "compare"): cmd_task_compare,
        ("task", "pick"): cmd_task_pick,
        ("task", "combine"): cmd_task_combine,
    }


def _combine_command(sub: Any) -> None:
    combine = sub.add_parser(
        "combine",
        help="make one task of chosen files and hunks of a group's attempts",
        description="Makes a new task of the group, on its own branch from the attempts' base, "
        "holding exactly the chosen parts, ready for review. Takes of two attempts that "
        "overlap are refused before anything is made.",
    )
    combine.add_argument("group", metavar="GROUP", help="a group id, or any attempt of the group")
    combine.add_argument(
        "--take",
        action="append",
        type=_take_argument,
        required=True,
        metavar=TAKE_FORMAT,
        help="an attempt's file, or only its HUNKth hunk as the review numbers them; repeat",
    )
    combine.add_argument("--title", help="the new task's title (default: the group's, combined)")
    combine.add_argument("--json", action="store_true")


def _take_argument(text: str) -> Take:
    try:
        return parse_take(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


async def cmd_task_compare(orchard: Orchard, args: argparse.Namespace) -> int:
    """Print the scoreboard of a group, running the tests first if asked."""
    skipped: dict[str, str] = {}
    if args.run_tests:
        board, skipped = await compare.run_tests(
            orchard, args.id, args.jobs, args.timeout, on_result=_print_progress
        )
    else:
        board = await compare.load_scoreboard(orchard, args.id)
    if args.json:
        data = board.to_json()
        data["skipped"] = skipped
        print_json(data)
        return 0
    for line in table(board):
        print(line)
    for task_id, why in skipped.items():
        print(f"tests not run in {task_id[:8]}: {why}", file=sys.stderr)
    return 0


def _print_progress(task_id: str, result: TestResult) -> None:
    outcome = "passed" if result.passed else "timed out" if result.timed_out else "failed"
    print(f"{task_id[:8]}: tests {outcome} ({result.duration:.1f}s)", file=sys.stderr, flush=True)


def table(board: Scoreboard) -> list[str]:
    """Return the scoreboard as lines of a table, best attempt first; * marks a best value."""
    group = f"group {board.group}" if board.group else "a single attempt"
    test = board.test_command or "none (set one with `orchard project add PATH --test CMD`)"
    lines = [f"{group}: {attempts_text(len(board.attempts))}; test command: {test}", ""]
    head = "  ".join(_pad(FIELD_TITLES[f].upper(), _WIDTHS[f]) for f in FIELDS)
    lines.append(f"{'#':<2} {'ID':<8}  {head}".rstrip())
    for rank, attempt in enumerate(board.attempts, 1):
        lines.append(f"{rank:<2} {attempt.task.short_id:<8}  {_row(board, attempt)}".rstrip())
    if board.attempts:
        best = board.attempts[0].task.short_id
        lines += [
            "",
            "* best value",
            f"next: `orchard task diff {best}`, `orchard task pick {best}`",
        ]
    return lines


def _row(board: Scoreboard, attempt: Attempt) -> str:
    text = cells(attempt)
    marked = {
        f: text[f] + ("*" if attempt.id in board.best.get(f, frozenset()) else "") for f in FIELDS
    }
    return "  ".join(_pad(marked[f], _WIDTHS[f]) for f in FIELDS)


def _pad(text: str, width: int) -> str:
    return text.ljust(width) if width else text


async def cmd_task_pick(orchard: Orchard, args: argparse.Namespace) -> int:
    """Mark the winner of a group and say how to review and land it."""
    pick = await ops_of(args).pick_winner(args.id, discard_others=args.discard_others)
    short = pick.winner.short_id
    print(f"{short} is the winner of group {pick.winner.group}")
    for task in pick.discarded:
        print(f"discarded {task.short_id} (restore it with `orchard task restore {task.short_id}`)")
    for task_id, why in pick.failed.items():
        print(f"orchard: could not discard {task_id[:8]}: {why}", file=sys.stderr)
    print(f"review it:  orchard task diff {short}")
    print(f"land it:    orchard task merge {short}")
    if not args.discard_others:
        print(f"then drop the other attempts: orchard task pick {short} --discard-others")
    return 1 if pick.failed else 0


async def cmd_task_combine(orchard: Orchard, args: argparse.Namespace) -> int:
    """Make one task of chosen parts of a group's attempts and say how to review and land it."""
    combined = await ops_of(args).combine_attempts(args.group, args.take, args.title)
    task = combined.task
    if args.json:
        takes = [t.to_json() for t in combined.takes]
        print_json({"task": task.to_json(), "takes": takes, "commit": combined.commit})
        return 0
    print(f"{task.short_id} {task.title}: ready for review on {task.branch}")
    for take in combined.takes:
        print(f"  took {take.label()}")
    print(f"review it:  orchard task diff {task.short_id}")
    print(f"land it:    orchard task merge {task.short_id}")
    return 0
