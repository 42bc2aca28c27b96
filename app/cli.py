"""The headless command line: every command works over the same services as the window."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from app import __version__
from app.client import (
    Operations,
    ServiceClient,
    ServiceDown,
    ServiceError,
    ServiceLink,
    decode_event,
    link_call,
)
from app.commands import (
    Handlers,
    HomelessHandler,
    HomelessHandlers,
    add_homeless_commands,
    add_task_commands,
    add_top_commands,
    follow_service,
    hand_over,
    ops_of,
    print_json,
    read_prompt,
    service_wanted,
)
from app.core.budget import Caps
from app.core.eventtext import render_event
from app.core.findings import ORPHAN_KILLED, Finding
from app.core.states import ACTIVE_STATES, TaskState
from app.core.tasktext import list_text, show_text
from app.core.triage import TriageError
from app.core.words import counted
from app.installation import command_hint, restore_child_environment, run_module_if_asked
from app.progress import ProgressView
from app.server.operations import local_call
from app.services.agents import LineSplitter
from app.services.config import ConfigError, Home
from app.services.orchard import Orchard, UserError
from app.services.recovery import StartUp, start_up
from app.services.repo import git
from app.services.store import follow_bytes
from app.services.tasks import AlreadySupervised, ExecutorUnavailable

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


_FEATURE_HANDLERS: Handlers = {}
_HOMELESS_HANDLERS: HomelessHandlers = {}  # commands that open no Orchard home
# Errors whose message is all the user needs: one line, no traceback.
_EXPECTED = (
    UserError,
    ConfigError,
    git.GitError,
    AlreadySupervised,
    TriageError,
    ServiceError,
    ExecutorUnavailable,
)


class _Parser(argparse.ArgumentParser):
    # Lets an optional positional follow options: `task new repo --agent x -- PROMPT`.
    intermixed = False
    _inside = False  # parse_known_intermixed_args calls parse_known_args itself

    def error(self, message: str) -> Any:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n(see `{self.prog} --help`)\n")

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if not self.intermixed or self._inside:
            return super().parse_known_args(args, namespace)
        self._inside = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inside = False


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every command."""
    p = _Parser(
        prog="orchard",
        description="Supervise many coding agents, each in its own "
        "git worktree. With no command, opens the window.",
    )
    p.add_argument(
        "--home",
        help="Orchard's home folder (default: $ORCHARD_HOME or the platform's data folder)",
    )
    p.add_argument("--version", action="version", version=f"orchard {__version__}")
    p.add_argument(
        "--demo",
        action="store_true",
        help="try Orchard on a throwaway demo "
        "repository with a built-in demo agent (no API key needed)",
    )
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    _project_commands(sub.add_parser("project", help="register and list repositories"))
    _task_commands(sub.add_parser("task", help="queue, inspect and stop tasks"))
    run = sub.add_parser("run", help="run queued tasks until none are left")
    run.add_argument("--parallel", type=int, metavar="K", help="at most K tasks at once")
    run.add_argument(
        "--executor", choices=("local", "ray"), help="where agents run, for this run only"
    )
    run.add_argument("--address", help="the Ray cluster: auto, HOST:PORT or ray://HOST:10001")
    _FEATURE_HANDLERS.update(add_top_commands(sub))
    _HOMELESS_HANDLERS.update(add_homeless_commands(sub))
    return p


def _project_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = sub.add_parser("add", help="register a git repository")
    add.add_argument("path")
    add.add_argument("--name")
    add.add_argument("--base", help="branch tasks start from (default: the checked-out one)")
    add.add_argument("--setup", help="command run in each new worktree before the agent")
    add.add_argument("--test", help="the project's test command")
    ls = sub.add_parser("list", help="list projects")
    ls.add_argument("--json", action="store_true")
    move = sub.add_parser("move", help="point a project at the folder its repository moved to")
    move.add_argument("name")
    move.add_argument("path")


def _task_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    new = sub.add_parser("new", help="queue a task")
    assert isinstance(new, _Parser)
    new.intermixed = True
    new.add_argument("project")
    new.add_argument("prompt", nargs="?", help="what the agent should do; - reads it from stdin")
    new.add_argument(
        "--prompt-file", metavar="PATH", help="read the prompt from a file (- for stdin)"
    )
    new.add_argument("--agent", default="codex")
    new.add_argument(
        "--anyway", action="store_true", help="queue even if the agent is not installed yet"
    )
    new.add_argument("--title")
    new.add_argument("--base", help="branch or commit to start from")
    new.add_argument(
        "--attempts", type=int, default=1, metavar="N", help="queue N attempts as a best-of-N group"
    )
    new.add_argument("--budget-usd", type=float, metavar="USD", help="pause the task at this cost")
    new.add_argument(
        "--budget-minutes", type=float, metavar="M", help="pause the task after M minutes of work"
    )
    new.add_argument("--budget-tokens", type=int, metavar="N", help="pause the task after N tokens")
    new.add_argument("--json", action="store_true")
    ls = sub.add_parser("list", help="list tasks")
    ls.add_argument("--project")
    ls.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="show one task")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    logs = sub.add_parser("logs", help="print a task's log")
    logs.add_argument("id")
    logs.add_argument("--follow", "-f", action="store_true")
    logs.add_argument("--raw", action="store_true", help="the agent's output as it came")
    logs.add_argument("--json", action="store_true", help="normalized events as JSON lines")
    diff = sub.add_parser("diff", help="show a task's changes")
    diff.add_argument("id")
    diff.add_argument("--stat", action="store_true")
    stop = sub.add_parser("stop", help="stop a task")
    stop.add_argument("id")
    retry = sub.add_parser("retry", help="queue an ended task again, in its worktree")
    retry.add_argument("id")
    _FEATURE_HANDLERS.update(add_task_commands(sub))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    restore_child_environment()
    if argv is None:
        run_module_if_asked(sys.argv)  # a frozen bundle starting its own modules
    args = build_parser().parse_args(argv)
    if args.command is None:
        return _open_window(args)
    homeless = _HOMELESS_HANDLERS.get((args.command, getattr(args, "action", None)))
    if homeless is not None:
        return _run_homeless(homeless, args)
    try:
        orchard = Orchard(Home.locate(args.home))
    except (*_EXPECTED, OSError) as exc:  # e.g. a database from a newer Orchard
        return _fail(str(exc))
    try:
        return asyncio.run(_dispatch(orchard, args))
    except _EXPECTED as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the user gets a line, the traceback goes to a file
        crash = orchard.home.root / "crash.log"
        crash.write_text(traceback.format_exc())
        return _fail(f"internal error: {exc} (details in {crash})")
    finally:
        orchard.close()


def _run_homeless(handler: HomelessHandler, args: argparse.Namespace) -> int:
    try:
        return asyncio.run(handler(args))
    except (UserError, OSError, ServiceError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _fail(message: str) -> int:
    print(f"orchard: {message}", file=sys.stderr)
    return EXIT_FAILED


def _open_window(args: argparse.Namespace) -> int:
    if not _has_display():
        if args.demo:
            return asyncio.run(_terminal_demo())
        return _fail(
            "no display to open the window on (DISPLAY is not set); everything "
            "also works from the command line: see `orchard --help`"
        )
    try:
        from app.main import run_window
    except ImportError as exc:
        return _fail(f"the window cannot start: {exc}")
    return run_window(args.home, demo=args.demo)


def _has_display() -> bool:
    """Say whether Qt has somewhere to show a window (Linux needs X11 or Wayland)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def _terminal_demo() -> int:
    """Run the demo in the terminal: the demo agent's tasks, live, then how to look closer."""
    from app.services.demo import start_demo

    orchard, _, _ = await start_demo()
    home = orchard.home.root
    print(f"Orchard demo (built-in demo agent, no API key) in {home.parent}\n")
    try:
        code = await cmd_run(orchard, None)
    finally:
        orchard.close()
    print(f"\nLook closer with --home {home}:")
    for line in ("task list", "task logs ID", "task diff ID", "task retry ID"):
        print(f"  {command_hint()} --home {home} {line}")
    # "Document the cart" fails on its first turn on purpose, to show a retry.
    print("One task fails on purpose: retry it and it succeeds.")
    return 0 if code == EXIT_FAILED else code


async def _dispatch(orchard: Orchard, args: argparse.Namespace) -> int:
    if orchard.recovered_from is not None:
        _report_rebuild(await start_up(orchard, reap=False))
    orchard.on_queued = lambda: _hand_over(orchard)
    args.ops = _operations(orchard)
    try:
        if args.command == "run":
            orchard.use_executor(args.executor, args.address)
            return await cmd_run(orchard, args.parallel)
        key = (args.command, getattr(args, "action", None))
        handler = _HANDLERS.get(key) or _FEATURE_HANDLERS[key]
        return await handler(orchard, args)
    finally:
        while _links:
            await _links.pop().close()


# project


async def cmd_project_add(orchard: Orchard, args: argparse.Namespace) -> int:
    ops = ops_of(args)
    project = await ops.add_project(args.path, args.name, args.base, args.setup, args.test)
    print(f"added project {project.name}: {project.path} (base {project.base})")
    return 0


async def cmd_project_list(orchard: Orchard, args: argparse.Namespace) -> int:
    projects = orchard.store.projects()
    if args.json:
        print_json([p.to_json() for p in projects])
    for p in [] if args.json else projects:
        print(f"{p.name:<20} {p.base:<16} {p.path}")
    return 0


async def cmd_project_move(orchard: Orchard, args: argparse.Namespace) -> int:
    project = await ops_of(args).move_project(args.name, args.path)
    print(f"project {project.name} is now at {project.path}; its worktrees were repaired")
    return 0


# tasks


async def cmd_task_new(orchard: Orchard, args: argparse.Namespace) -> int:
    prompt = read_prompt(args.prompt, args.prompt_file)
    caps = Caps(args.budget_tokens, args.budget_usd, args.budget_minutes)
    tasks = await orchard.new_tasks(
        args.project, prompt, args.agent, args.title, args.base, args.attempts, args.anyway, caps
    )
    for task in tasks:
        print(json.dumps(task.to_json()) if args.json else task.id)
    return 0


async def cmd_task_list(orchard: Orchard, args: argparse.Namespace) -> int:
    if args.project:
        orchard.store.project(args.project)  # an unknown project is an error, not empty
    tasks = orchard.store.tasks(project=args.project)
    if args.json:
        print_json([t.to_json() for t in tasks])
        return 0
    sys.stdout.write(list_text(tasks))
    return 0


async def cmd_task_show(orchard: Orchard, args: argparse.Namespace) -> int:
    task = orchard.task(args.id)
    if args.json:
        print_json(task.to_json())
        return 0
    print(show_text(task))
    return 0


async def cmd_task_logs(orchard: Orchard, args: argparse.Namespace) -> int:
    task = orchard.task(args.id)
    folder = orchard.home.logs / task.id
    path = folder / ("raw.log" if args.raw else "events.jsonl")

    def active() -> bool:
        return args.follow and orchard.task(task.id).state in ACTIVE_STATES | {TaskState.QUEUED}

    lines = LineSplitter()
    async for chunk in follow_bytes(path, active):
        if args.raw or args.json:
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
            continue
        for line in lines.feed(chunk):
            text = render_event(decode_event(line))
            if text:
                print(text, flush=True)
    return 0


async def cmd_task_diff(orchard: Orchard, args: argparse.Namespace) -> int:
    sys.stdout.write(await orchard.diff(args.id, stat=args.stat))
    return 0


async def cmd_task_stop(orchard: Orchard, args: argparse.Namespace) -> int:
    stopped = await ops_of(args).stop(args.id)
    print(f"{stopped.short_id} {stopped.state.value}")
    return 0


async def cmd_task_retry(orchard: Orchard, args: argparse.Namespace) -> int:
    task = await ops_of(args).retry(args.id)
    print(f"{task.short_id} {task.state.value}")
    return 0


_HANDLERS: Handlers = {
    ("project", "add"): cmd_project_add,
    ("project", "list"): cmd_project_list,
    ("project", "move"): cmd_project_move,
    ("task", "new"): cmd_task_new,
    ("task", "list"): cmd_task_list,
    ("task", "show"): cmd_task_show,
    ("task", "logs"): cmd_task_logs,
    ("task", "diff"): cmd_task_diff,
    ("task", "stop"): cmd_task_stop,
    ("task", "retry"): cmd_task_retry,
}


# run


async def cmd_run(orchard: Orchard, parallel: int | None) -> int:
    """Run queued tasks with a progress display; Ctrl-C stops every agent cleanly."""
    if parallel is not None and parallel < 1:
        raise UserError("--parallel must be at least 1")
    client = ServiceClient(orchard.home.root)
    if service_wanted() and orchard.lock.held_by_other() and client.alive():
        return await follow_service(client, parallel)
    orchard.lock.acquire()
    for task in orchard.supervisor.reconcile():
        print(
            f"{task.short_id} was left running by an Orchard that died: now interrupted",
            file=sys.stderr,
        )
    _report_findings((await start_up(orchard)).findings)
    view = ProgressView()
    orchard.supervisor.subscribe(view.on_message)
    interrupted = _install_stop_handlers(orchard)
    ticker = asyncio.create_task(_redraw(view))
    try:
        await orchard.supervisor.run(parallel)
    finally:
        ticker.cancel()
        view.draw()
    print(view.summary(), file=sys.stderr)
    for error in orchard.supervisor.errors:
        print(f"orchard: {error}", file=sys.stderr)
    if interrupted:
        return EXIT_INTERRUPTED
    failed = any(t.state is TaskState.FAILED for t in view.tasks.values())
    return EXIT_FAILED if failed or orchard.supervisor.errors else 0


_links: list[ServiceLink] = []  # the service's connections this command opened


def _operations(orchard: Orchard) -> Operations:
    """Return the operations of the service when one supervises the home, else this process's.

    A request the service never received (none answers) is performed here instead.
    """
    local = local_call(orchard)
    if not service_wanted() or not orchard.lock.held_by_other():
        return Operations(local)
    # Async: Ctrl-C ends the request at once, as it ended the work when it ran here.
    link = ServiceLink(orchard.home.root)
    _links.append(link)
    remote = link_call(link, start=False)

    async def call(name: str, params: dict[str, Any], on_progress: Any) -> dict[str, Any]:
        try:
            return await remote(name, params, on_progress)
        except ServiceDown:  # never sent: a window or `orchard run` supervises, or none
            return await local(name, params, on_progress)

    return Operations(call)


def _hand_over(orchard: Orchard) -> None:
    """Tasks were queued: see that the service (or whoever supervises) starts them."""
    if orchard.lock.held:
        return  # this process supervises: `orchard run`
    warning = hand_over(orchard.home.root, orchard.lock.held_by_other())
    if warning:
        print(f"orchard: {warning}", file=sys.stderr)


def _report_rebuild(found: StartUp) -> None:
    rebuilt = counted(len(found.rebuilt), "task was", "tasks were")
    print(
        f"orchard: the database was damaged ({found.damaged}); it was moved aside to "
        f"{found.moved_to} and {rebuilt} rebuilt from the worktrees, "
        "branches and logs, as interrupted",
        file=sys.stderr,
    )


def _report_findings(findings: list[Finding]) -> None:
    shown = [f for f in findings if f.kind != ORPHAN_KILLED]  # reported above as interrupted
    for f in shown:
        print(f"orchard: {f.message}\n  repair: {f.repair}", file=sys.stderr)
    if shown:
        print("orchard: `orchard doctor` lists these; nothing was changed", file=sys.stderr)


def _install_stop_handlers(orchard: Orchard) -> list[int]:
    loop = asyncio.get_running_loop()
    received: list[int] = []
    jobs: set[asyncio.Task[None]] = set()

    def on_signal(sig: int) -> None:
        received.append(sig)
        print("\nstopping all agents…", file=sys.stderr)
        job = loop.create_task(orchard.supervisor.stop_all())
        jobs.add(job)
        job.add_done_callback(jobs.discard)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    return received


async def _redraw(view: ProgressView) -> None:
    while True:
        view.draw()
        await asyncio.sleep(0.25)
