"""`orchard task` subcommands: merge, discard, restore, archives, purge-archives."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from typing import Any

from app.client import Refused
from app.commands.handler import Handlers, ops_of, print_json
from app.core.landing import STRATEGIES, LandCheck, LandResult, conflict_followup_prompt
from app.core.states import TaskState
from app.core.words import counted
from app.services.land import archive
from app.services.orchard import Orchard, UserError


def add_commands(sub: Any) -> Handlers:
    """Add this feature's subcommands to `sub` and return their handlers."""
    merge = sub.add_parser("merge", help="land a task's work on its base branch (or --into)")
    merge.add_argument("id")
    merge.add_argument("--strategy", choices=STRATEGIES, default="merge")
    merge.add_argument("--into", metavar="BRANCH", help="the branch to land on")
    merge.add_argument("--no-tests", action="store_true", help="skip the project's test command")
    merge.add_argument(
        "--cleanup", action="store_true", help="then archive and remove the worktree and branch"
    )
    merge.add_argument("--check", action="store_true", help="only say what landing would do")
    merge.add_argument(
        "--ask-agent", action="store_true", help="on conflicts, ask the agent to rebase and fix"
    )
    merge.add_argument("--json", action="store_true")
    merge.add_argument(
        "--drop-comments",
        action="store_true",
        help="land even with unsent review comments; they are kept as dropped",
    )
    discard = sub.add_parser("discard", help="archive a task's work, then remove it")
    discard.add_argument("id")
    discard.add_argument("--yes", "-y", action="store_true", help="do not ask")
    discard.add_argument(
        "--force", action="store_true", help="delete ignored files or submodule edits not archived"
    )
    discard.add_argument(
        "--drop-comments",
        action="store_true",
        help="discard even with unsent review comments; kept as dropped",
    )
    revert = sub.add_parser(
        "revert",
        help="drop a file or one hunk of a task's change (a commit on its branch)",
        description="Drops part of the agent's change before landing, as a commit on the "
        "task's branch; its next turn is told. --undo brings the latest dropped part back.",
    )
    revert.add_argument("id")
    revert.add_argument("path", nargs="?", help="the file, as the review lists it")
    revert.add_argument("--hunk", type=int, metavar="N", help="only its Nth hunk (from 1)")
    revert.add_argument("--undo", action="store_true", help="bring the latest drop back")
    restore = sub.add_parser("restore", help="bring a discarded task back from its archive")
    restore.add_argument("id")
    archives = sub.add_parser("archives", help="list discarded and cleaned-up tasks' archives")
    archives.add_argument("--json", action="store_true")
    purge = sub.add_parser("purge-archives", help="delete archives for good, oldest first")
    which = purge.add_mutually_exclusive_group(required=True)
    which.add_argument("--keep", type=int, metavar="N", help="keep the newest N")
    which.add_argument("--older-than", type=float, metavar="DAYS")
    return {
        ("task", "merge"): cmd_merge,
        ("task", "discard"): cmd_discard,
        ("task", "revert"): cmd_revert,
        ("task", "restore"): cmd_restore,
        ("task", "archives"): cmd_archives,
        ("task", "purge-archives"): cmd_purge,
    }


async def cmd_merge(orchard: Orchard, args: argparse.Namespace) -> int:
    ops = ops_of(args)
    if args.check:
        return _print_check(await ops.check_land(args.id, args.into), args.json)
    try:
        result = await ops.land(
            args.id,
            args.strategy,
            args.into,
            args.cleanup,
            not args.no_tests,
            drop_comments=args.drop_comments,
        )
    except Refused as refused:
        if refused.kind != "LandRefused":
            raise
        return await _refused(args, refused)
    if args.json:
        print_json(result.to_json())
    else:
        _print_landed(result)
    return 0


def _print_check(check: LandCheck, as_json: bool) -> int:
    problems = check.problems()
    if as_json:
        print_json(check.to_json())
        return 1 if problems else 0
    print(f"task {check.task.short_id} -> {check.target} ({check.target_commit[:10]})")
    print(
        f"  {counted(check.ahead, 'commit')} to land; "
        f"{check.target} has {counted(check.behind, 'new commit')}"
    )
    if check.behind:
        print("  the base moved ahead: --strategy rebase replays the task's commits on top")
    where = f"checked out in {check.checkout}" if check.checkout else "checked out nowhere"
    print(f"  {check.target} is {where}")
    for note in check.notes:
        print(f"  note: {note}")
    _print_conflicts(check)
    for problem in problems:
        print(f"  cannot land: {problem}")
    if not problems:
        print("  ready to land")
    return 1 if problems else 0


def _print_conflicts(check: LandCheck) -> None:
    for conflict in check.conflicts:
        print(f"  conflict: {conflict.path!r}")
        for message in conflict.messages:
            print(f"    {message}")
        for hunk in conflict.hunks:
            print("    " + hunk.replace("\n", "\n    "))


async def _refused(args: argparse.Namespace, refused: Refused) -> int:
    check: LandCheck | None = refused.detail.get("check")
    output: str = refused.detail.get("output", "")
    if args.json:
        data = {"landed": False, "error": str(refused), "output": output}
        data["check"] = check.to_json() if check else None
        print_json(data)
    print(f"orchard: {refused}", file=sys.stderr)
    if output:
        print(output.rstrip(), file=sys.stderr)
    if check and check.conflicts:
        if not args.json:
            _print_conflicts(check)
        await _offer_followup(args, check)
    return 1


async def _offer_followup(args: argparse.Namespace, check: LandCheck) -> None:
    prompt = conflict_followup_prompt(check, check.target)
    if not args.ask_agent:
        print(
            "to have the agent rebase onto "
            f"{check.target} and resolve these: orchard task merge {args.id} --ask-agent",
            file=sys.stderr,
        )
        return
    task = await ops_of(args).send_followup(check.task.id, prompt)
    print(
        f"asked the agent of task {task.short_id} to rebase onto {check.target} and resolve "
        f"the conflicts; it runs with `orchard run` (or in the window)",
        file=sys.stderr,
    )


def _print_landed(result: LandResult) -> None:
    where = f" (updated the checkout {result.checkout})" if result.checkout else ""
    print(
        f"landed task {result.task.short_id} on {result.target} as {result.commit[:10]} "
        f"({result.strategy}){where}"
    )
    if result.tests is not None:
        print(f"  tests passed: {result.tests.command} ({result.tests.summary})")
    for note in result.notes:
        print(f"  {note}")


async def cmd_discard(orchard: Orchard, args: argparse.Namespace) -> int:
    ops = ops_of(args)
    task = await ops.task(args.id)
    await ops.check_unsent(task.id, "discard", args.drop_comments)  # before asking
    if not args.yes and sys.stdin.isatty():
        try:
            answer = input(
                f"discard task {task.short_id} ({task.title})? it is archived first [y/N] "
            )
        except EOFError:
            print("\norchard: no answer (end of input); not discarded", file=sys.stderr)
            return 1
        if answer.strip().lower() not in ("y", "yes"):
            print("not discarded")
            return 1
    discarded = await ops.discard(task.id, force=args.force, drop_comments=args.drop_comments)
    repo = orchard.store.project(task.project).path
    commit = await archive.archive_commit(repo, task.id)
    if discarded.state is TaskState.MERGED:
        print(
            f"cleaned up merged task {task.short_id}: its worktree and branch {task.branch} "
            f"are removed (archived as {(commit or '')[:10]}); it stays merged"
        )
        return 0
    if commit is None:
        print(f"discarded task {task.short_id}; it had no worktree or branch yet to archive")
        return 0
    print(f"discarded task {task.short_id}: its worktree and branch {task.branch} are removed")
    changes = await archive.archived_changes(repo, commit)
    print(f"  archived as {archive.archive_ref(task.id)} ({commit[:10]}) in {repo}")
    print(f"  the branch's commits and {counted(len(changes), 'uncommitted or untracked file')}")
    for path in changes[:20]:
        print(f"    {path!r}")
    print(f"  restore with: orchard task restore {discarded.short_id}")
    return 0


async def cmd_revert(orchard: Orchard, args: argparse.Namespace) -> int:
    """Drop a file or a hunk of the task's change, or bring the latest drop back."""
    if args.undo:
        if args.path or args.hunk:
            raise UserError("--undo takes no PATH or --hunk: it brings back the latest drop")
        commit = await ops_of(args).undo_drop(args.id)
        print(f"brought the latest dropped part back (commit {commit[:10]})")
        return 0
    if not args.path:
        raise UserError("say which file to drop: orchard task revert ID PATH [--hunk N]")
    if args.hunk is not None and args.hunk < 1:
        raise UserError(f"hunks are numbered from 1, not {args.hunk}")
    dropped = await ops_of(args).drop_change(args.id, args.path, args.hunk)
    print(
        f"dropped {dropped.what} from task {dropped.task.short_id} (commit {dropped.commit[:10]})"
    )
    print(f"  bring it back with: orchard task revert {dropped.task.short_id} --undo")
    return 0


async def cmd_restore(orchard: Orchard, args: argparse.Namespace) -> int:
    task = await ops_of(args).restore(args.id)
    print(f"restored task {task.short_id} ({task.state}): branch {task.branch}")
    print(f"  worktree {task.worktree}, uncommitted and untracked files as they were")
    return 0


async def cmd_archives(orchard: Orchard, args: argparse.Namespace) -> int:
    found = await archive.list_archives(orchard)
    if args.json:
        print_json([a.to_json() for a in found])
        return 0
    if not found:
        print("no archives")
    for a in found:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(a.created_at))
        title = a.title if a.title is not None else "(task no longer recorded)"
        print(f"{when}  {a.project}  {a.task_id[:8]}  {a.commit[:10]}  {title}")
    return 0


async def cmd_purge(orchard: Orchard, args: argparse.Namespace) -> int:
    if args.keep is not None and args.keep < 0:
        raise UserError("--keep must be 0 or more")
    purged = await archive.purge_archives(orchard, args.keep, args.older_than)
    for a in purged:
        print(f"purged {a.ref} ({a.commit[:10]}) in {shlex.quote(a.repo)}")
    print(f"{counted(len(purged), 'archive')} purged")
    return 0
