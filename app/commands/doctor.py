"""`orchard doctor`: find and repair what crashes and hand edits left behind; `task resume`."""

from __future__ import annotations

import argparse
from typing import Any

from app.client import Operations, Refused, ServiceClient, ServiceError, what_agents_see
from app.commands.handler import Handlers, ops_of, print_json
from app.core.findings import REPAIRABLE, WORKTREE_MISSING, Finding
from app.services.orchard import Orchard, UserError


def add_commands(sub: Any) -> Handlers:
    """Add `orchard doctor` to the top-level `sub` and return its handler."""
    doctor = sub.add_parser(
        "doctor",
        help="check the database against git and the disk; repair what is safe to",
        description="Lists what a crash or a hand edit left out of step (exit 1 if anything "
        "needs a decision, 0 if all is well). --repair applies the repairs that lose nothing.",
    )
    doctor.add_argument(
        "--repair",
        nargs="?",
        const="all",
        metavar="ID|KIND",
        help="repair every finding, or those of one task or one kind",
    )
    doctor.add_argument("--json", action="store_true")
    return {("doctor", None): cmd_doctor}


def add_task_commands(sub: Any) -> Handlers:
    """Add `orchard task resume` to the `task` subparsers and return its handler."""
    resume = sub.add_parser(
        "resume",
        help="continue an interrupted task: its agent's own session if it has one, "
        "else a new turn in the same worktree",
    )
    resume.add_argument("id")
    return {("task", "resume"): cmd_task_resume}


async def cmd_doctor(orchard: Orchard, args: argparse.Namespace) -> int:
    ops = ops_of(args)  # the supervising process looks and repairs: it owns the agents
    findings = (await ops.start_up(reap=True)).findings
    done: list[str] = []
    failed: list[str] = []
    if args.repair is not None:
        await _repair(ops, findings, args.repair, done, failed)
        findings = await ops.check_health()
    service = _service_status(orchard)
    if args.json:
        print_json(
            {
                "findings": [f.to_json() for f in findings],
                "repaired": done,
                "failed": failed,
                "service": service,
            }
        )
    else:
        _print(findings, done, failed)
        print(_service_line(service))
    return 1 if failed or any(f.needs_decision for f in findings) else 0


def _service_status(orchard: Orchard) -> dict[str, Any] | None:
    """Return the running service's status (what its agents see), or None."""
    try:
        return ServiceClient(orchard.home.root).status()
    except ServiceError:
        return None


def _service_line(status: dict[str, Any] | None) -> str:
    if status is None:
        return (
            "service: not running (it starts when needed, with the environment of the window "
            "or command that starts it)"
        )
    return f"service: pid {status['pid']}; {what_agents_see(status)}"


async def _repair(
    ops: Operations, findings: list[Finding], target: str, done: list[str], failed: list[str]
) -> None:
    chosen = [f for f in findings if f.matches(target)]
    if findings and not chosen:
        raise UserError(f"no finding matches '{target}' (give a task id or a kind, or nothing)")
    # A restored worktree brings its branch back with it: worktrees first.
    for f in sorted(chosen, key=lambda f: f.kind != WORKTREE_MISSING):
        if f.kind not in REPAIRABLE:
            failed.append(f"{f.message}; it needs your decision: {f.repair}")
            continue
        try:
            done.append(await ops.repair(f))
        except (Refused, OSError) as exc:
            failed.append(f"could not repair {f.kind} ({f.path}): {exc}")


def _print(findings: list[Finding], done: list[str], failed: list[str]) -> None:
    for line in done:
        print(f"repaired: {line}")
    for line in failed:
        print(f"not repaired: {line}")
    for f in findings:
        who = f" {f.task_id[:8]}" if f.task_id else ""
        print(f"{f.kind}{who}: {f.message}\n    repair: {f.repair}")
    if not findings:
        print("no problems found: the database, git and the worktrees agree")


async def cmd_task_resume(orchard: Orchard, args: argparse.Namespace) -> int:
    task, resumed = await ops_of(args).resume(args.id)
    how = f"resuming session {task.session_id}" if resumed else "a new turn in its worktree"
    print(f"{task.short_id} {task.state.value} ({how}; `orchard run` or the window starts it)")
    return 0
