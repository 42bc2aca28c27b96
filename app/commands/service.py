"""`orchard service start|stop|restart|status`: the background service that runs the agents."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from app.client import (
    ServiceClient,
    ServiceDown,
    ServiceError,
    ensure_service,
    stop_service,
    what_agents_see,
)
from app.commands.handler import HomelessHandlers, print_json
from app.core.messages import TaskUpdated
from app.core.states import LIVE_STATES, TaskState
from app.core.task import Task
from app.core.words import counted
from app.installation import locate_home
from app.progress import ProgressView

OFF = ("off", "0", "no", "false")
FOLLOW_SECONDS = 0.25
RUN_MARK = "run.followed"  # when the last `orchard run` that followed the service ended
FOLLOWED_STATES = LIVE_STATES | {TaskState.QUEUED}


def add_commands(sub: Any) -> HomelessHandlers:
    """Add the `service` command group to the top-level `sub` and return its handlers."""
    parser = sub.add_parser(
        "service",
        help="the background service that runs the agents",
        description="One service per Orchard home runs every task: it starts by itself when "
        "the window or a command needs it and exits after [service] idle_exit_seconds with "
        "nothing to do. It takes the environment (PATH, API keys, proxies) of the command that "
        "starts it; `restart` refreshes it.",
    )
    actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    start = actions.add_parser("start", help="start the service (nothing happens if it runs)")
    start.add_argument("--json", action="store_true")
    for name, help_text in (
        ("stop", "stop the service (refused while tasks run, unless --drain or --force)"),
        ("restart", "stop the service and start it with this shell's environment"),
    ):
        action = actions.add_parser(name, help=help_text)
        how = action.add_mutually_exclusive_group()
        how.add_argument("--drain", action="store_true", help="start no more; let running finish")
        how.add_argument("--force", action="store_true", help="stop running agents")
        action.add_argument("--json", action="store_true")
    status = actions.add_parser("status", help="pid, version, uptime, socket, tasks by state")
    status.add_argument("--json", action="store_true")
    return {
        ("service", "start"): cmd_start,
        ("service", "stop"): cmd_stop,
        ("service", "restart"): cmd_restart,
        ("service", "status"): cmd_status,
    }


async def cmd_start(args: argparse.Namespace) -> int:
    """Start the home's service, or find the one running."""
    client = ensure_service(locate_home(args.home))
    _print_status(client.status(), args.json)
    return 0


async def cmd_stop(args: argparse.Namespace) -> int:
    """Stop the home's service."""
    root = locate_home(args.home)
    if args.drain and not args.json:
        print("waiting for running tasks to finish (queued tasks stay queued)…", flush=True)
    running = stop_service(root, drain=args.drain, force=args.force)
    if args.json:
        print_json({"stopped": running is not None, "running": running or 0})
    elif running is None:
        print(f"no Orchard service was running for {root}")
    else:
        print("stopped the Orchard service" + _agents_note(running, args.force))
    return 0


async def cmd_restart(args: argparse.Namespace) -> int:
    """Stop the service, then start it again with this command's environment."""
    root = locate_home(args.home)
    running = stop_service(root, drain=args.drain, force=args.force)
    client = ensure_service(root)
    if not args.json and running:
        print("restarted" + _agents_note(running, args.force))
    _print_status(client.status(), args.json)
    return 0


async def cmd_status(args: argparse.Namespace) -> int:
    """Say whether the service runs, and what it does; exit 3 if it does not run."""
    root = locate_home(args.home)
    try:
        status = ServiceClient(root).status()
    except ServiceDown:
        if args.json:
            print_json({"running": False, "home": str(root)})
        else:
            print(f"no Orchard service is running for {root} (it starts when needed)")
        return 3
    _print_status(status, args.json)
    return 0


def _agents_note(running: int, force: bool) -> str:
    if not running:
        return ""
    if force:
        stopped = counted(running, "running task was", "running tasks were")
        return f"; {stopped} stopped (`orchard task resume ID` continues one)"
    return f" after its {counted(running, 'running task')} finished"


def _print_status(status: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json({"running": True, **status})
        return
    tasks = ", ".join(f"{n} {state}" for state, n in sorted(status["tasks"].items())) or "none"
    idle = status["idle_exit_seconds"]
    lines = [
        f"Orchard service {status['version']} (API {status['api']}), pid {status['pid']}",
        f"home:     {status['home']}",
        f"socket:   {status['socket']}",
        f"uptime:   {_duration(status['uptime'])}"
        + (f", exits after {idle} s idle" if idle else ", stays up when idle"),
        f"tasks:    {tasks} ({status['executor']})",
        f"windows:  {counted(status['clients'], 'connection')}",
        f"sees:     {what_agents_see(status)}",
    ]
    if status.get("held"):
        lines.append(f"held:     {status['held']}")
    if status.get("successor"):
        lines.append(
            f"upgrade:  Orchard {status['version']}'s running tasks finish here, "
            f"then Orchard {status['successor']}'s service takes over"
        )
    print("\n".join(lines))


def _duration(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    return time.strftime("%H:%M:%S", time.gmtime(seconds))


# what other commands ask of the service


def service_wanted() -> bool:
    """Say whether commands may start the service (ORCHARD_SERVICE=off: never)."""
    return os.environ.get("ORCHARD_SERVICE", "").strip().lower() not in OFF


def hand_over(home_root: Path, held_by_other: bool) -> str | None:
    """Make sure queued tasks start: wake the service, starting it if no one supervises.

    Return a warning line when no supervisor will pick them up.
    """
    if not service_wanted():
        return None
    client = ServiceClient(home_root)
    try:
        if held_by_other:  # a service, or a window or `orchard run` of the home, supervises
            client.request("POST", "/v1/wake", timeout=5.0)
        else:
            ensure_service(home_root).request("POST", "/v1/wake", timeout=5.0)
    except ServiceDown:
        return None  # the other supervisor is no service: it polls the queue by itself
    except ServiceError as exc:
        return f"the task is queued, but the service could not start it: {exc}"
    return None


async def follow_service(client: ServiceClient, parallel: int | None) -> int:
    """`orchard run` with a service up: follow the queue until it drains, as a foreground run."""
    if parallel is not None:
        await asyncio.to_thread(client.request, "POST", "/v1/wake", {"parallel": parallel})
    view, followed = ProgressView(), set[str]()
    since = _last_followed(client)
    stopping: list[asyncio.Task[None]] = []
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: stopping.append(loop.create_task(_stop(client, view))))
    while True:
        stopped = bool(stopping) and stopping[0].done()  # this poll shows how they ended
        rows = await asyncio.to_thread(client.request, "GET", "/v1/tasks")
        busy = False
        for task in map(Task.from_json, rows):
            waiting = task.state in FOLLOWED_STATES
            busy = busy or waiting
            # Tasks queued since the last run ended count too: the service may have run them
            # before this command began, and a script's exit code must still say how they went.
            if task.id in followed or waiting or (task.started_at or task.created_at) > since:
                followed.add(task.id)
                if view.tasks.get(task.id) != task:
                    view.on_message(TaskUpdated(task))
        view.draw()
        if stopped or not (busy or stopping):
            break
        await asyncio.sleep(FOLLOW_SECONDS)
    print(view.summary(), file=sys.stderr)
    (client.home_root / RUN_MARK).write_text(str(time.time()))
    if stopping:
        return 130
    return 1 if any(t.state is TaskState.FAILED for t in view.tasks.values()) else 0


def _last_followed(client: ServiceClient) -> float:
    """Return when the last `orchard run` ended, else when the service started."""
    try:
        return float((client.home_root / RUN_MARK).read_text())
    except (OSError, ValueError):
        return float(client.status()["started_at"])


async def _stop(client: ServiceClient, view: ProgressView) -> None:
    print("\nstopping the agents this run follows…", file=sys.stderr)
    ids = [t.id for t in view.tasks.values() if t.state in FOLLOWED_STATES]
    await asyncio.gather(
        *(asyncio.to_thread(client.request, "POST", f"/v1/tasks/{i}/stop") for i in ids),
        return_exceptions=True,
    )
