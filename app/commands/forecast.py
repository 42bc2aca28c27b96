"""`orchard task conflicts`: the conflict forecast, for every pending task or for one."""

from __future__ import annotations

import argparse
from typing import Any

from app.commands.handler import Handlers, print_json
from app.core.forecast import Clash, TaskForecast
from app.core.task import Task
from app.core.words import counted
from app.services.land import forecast
from app.services.orchard import Orchard, UserError


def add_commands(sub: Any) -> Handlers:
    """Add this feature's subcommands to `sub` and return their handlers."""
    conflicts = sub.add_parser(
        "conflicts", help="forecast which pending tasks clash with each other or their base"
    )
    conflicts.add_argument("id", nargs="?", help="one task, against its target branch")
    conflicts.add_argument("--project", help="only this project's tasks")
    conflicts.add_argument("--into", help="with ID: the target branch (default: its base)")
    conflicts.add_argument("--json", action="store_true")
    return {("task", "conflicts"): cmd_task_conflicts}


async def cmd_task_conflicts(orchard: Orchard, args: argparse.Namespace) -> int:
    """Print the forecast's clashes per task."""
    if args.id:
        task = orchard.task(args.id)
        if args.project and task.project != args.project:
            raise UserError(
                f"task {task.short_id} belongs to project '{task.project}', not '{args.project}'"
            )
        results = [await forecast.forecast_task(orchard, task.id, into=args.into)]
    else:
        found = await forecast.forecast(orchard, project=args.project)
        results = list(found.tasks.values())
    if args.json:
        print_json([r.to_json() for r in results])
        return 0
    tasks = {t.id: t for t in orchard.store.tasks(project=None if args.id else args.project)}
    _print_text(results, tasks, args.into)
    return 0


def _print_text(results: list[TaskForecast], tasks: dict[str, Task], into: str | None) -> None:
    shown = [r for r in results if r.clashes or r.problem]
    for result in shown:
        task = tasks.get(result.task_id)
        print(f"{task.short_id} {task.title}" if task else result.task_id[:8])
        if result.problem:
            print(f"  not forecast: {result.problem}")
        for clash in result.clashes:
            target = into or (task.base_ref if task else "its base")
            print(f"  {_describe(clash, tasks, target)}")
    if not shown:
        print(f"no clashes among {counted(len(results), 'pending task')}")


def _describe(clash: Clash, tasks: dict[str, Task], target: str) -> str:
    if clash.other is None:
        other = target
    else:
        other_task = tasks.get(clash.other)
        other = f"{other_task.short_id} ({other_task.title})" if other_task else clash.other
    same_lines = f" (same lines: {', '.join(clash.lines)})" if clash.lines else ""
    return f"{clash.kind} with {other}: {', '.join(clash.paths)}{same_lines}"
