"""`orchard triage import|list|set|dispatch|export|capture|paste`: bug-bash reports headless."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any

from app.commands.handler import Handlers, ops_of, print_json
from app.core.triage import PRIORITIES, Report, ReportStatus
from app.core.words import counted
from app.services.orchard import Orchard, UserError

# This shell's token goes with a GitHub request: the service's environment may be older.
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")


def add_commands(sub: Any) -> Handlers:
    """Add the `triage` subcommands to `sub` and return their handlers."""
    _add_intake(sub)
    listing = sub.add_parser("list", help="list a project's bug reports")
    listing.add_argument("project")
    listing.add_argument("--status", action="append", help="only reports in this status")
    listing.add_argument("--json", action="store_true")
    change = sub.add_parser("set", help="set reports' priority, category, owner or status")
    change.add_argument("reports", nargs="+", metavar="REPORT")
    change.add_argument("--priority", help=f"one of {', '.join(PRIORITIES)} ('' clears it)")
    change.add_argument("--category", help="a category from [triage] categories ('' clears it)")
    change.add_argument("--owner", help="who owns it ('' clears it)")
    change.add_argument("--duplicate-of", metavar="REPORT", help="the original ('' clears it)")
    change.add_argument("--status", help="new, triaged, dispatched, fixed, wontfix, duplicate")
    change.add_argument("--json", action="store_true")
    send = sub.add_parser("dispatch", help="send reports to agents: one task per report")
    send.add_argument("reports", nargs="+", metavar="REPORT")
    send.add_argument("--agent", help="the agent profile (default: codex)")
    send.add_argument("--attempts", type=int, default=1, help="attempts per report (best of N)")
    send.add_argument("--json", action="store_true")
    export = sub.add_parser("export", help="export reports to a CSV file or back to GitHub")
    export.add_argument("project")
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument("--csv", metavar="PATH", help="write the reports to this CSV file")
    target.add_argument("--github", action="store_true", help="labels, assignees, fix comments")
    export.add_argument("--api-url", help="GitHub's API (default https://api.github.com)")
    export.add_argument("--json", action="store_true")
    return {
        ("triage", "import"): cmd_triage_import,
        ("triage", "capture"): cmd_triage_capture,
        ("triage", "paste"): cmd_triage_paste,
        ("triage", "list"): cmd_triage_list,
        ("triage", "set"): cmd_triage_set,
        ("triage", "dispatch"): cmd_triage_dispatch,
        ("triage", "export"): cmd_triage_export,
    }


def _add_intake(sub: Any) -> None:
    take = sub.add_parser("import", help="import GitHub issues or a CSV/JSON file of reports")
    take.add_argument("project")
    source = take.add_mutually_exclusive_group(required=True)
    source.add_argument("--github", metavar="OWNER/REPO", help="the repository's open issues")
    source.add_argument("--file", metavar="PATH", help="a .csv or .json file of reports")
    take.add_argument("--api-url", help="GitHub's API (default https://api.github.com)")
    take.add_argument("--watch", type=float, metavar="SECONDS", help="refresh every SECONDS")
    take.add_argument("--json", action="store_true")
    capture = sub.add_parser("capture", help="take in one report")
    capture.add_argument("project")
    capture.add_argument("title")
    capture.add_argument("--body", default="")
    capture.add_argument("--reporter", default="")
    capture.add_argument("--json", action="store_true")
    paste = sub.add_parser("paste", help="take in reports pasted on standard input")
    paste.add_argument("project")
    paste.add_argument("--json", action="store_true")


async def cmd_triage_import(orchard: Orchard, args: argparse.Namespace) -> int:
    """Import a GitHub repository's open issues or a file; with --watch, keep refreshing."""
    if args.file and args.watch:
        raise UserError("--watch refreshes a GitHub import; it does not apply to --file")
    if args.watch is not None and args.watch < 1:
        raise UserError("--watch needs at least 1 second between refreshes")
    ops, env = ops_of(args), _github_env()
    while True:
        if args.file:
            result = await ops.import_report_file(args.project, args.file)
        else:
            result = await ops.import_github_issues(
                args.project, args.github, api_url=args.api_url, github_env=env, on_progress=_say
            )
        if args.json:
            print_json(result.to_json())
        else:
            print(f"{time.strftime('%H:%M:%S')} {result.summary()}", flush=True)
        if not args.watch:
            return 0 if result.complete else 1
        await asyncio.sleep(args.watch)


def _github_env() -> dict[str, str]:
    """Return this shell's GitHub token variables that are set."""
    return {n: os.environ[n] for n in TOKEN_VARIABLES if os.environ.get(n, "").strip()}


def _say(text: str) -> None:
    if text.startswith("GitHub rate limit"):  # why it pauses; pages read are not news here
        print(text, file=sys.stderr, flush=True)


async def cmd_triage_capture(orchard: Orchard, args: argparse.Namespace) -> int:
    """Take in one report and print its id."""
    report = await ops_of(args).capture_report(args.project, args.title, args.body, args.reporter)
    if args.json:
        print_json(report.to_json())
    else:
        print(report.id)
    return 0


async def cmd_triage_paste(orchard: Orchard, args: argparse.Namespace) -> int:
    """Take in the reports pasted on standard input."""
    if sys.stdin.isatty():
        print("paste the reports, then Ctrl-D:", file=sys.stderr)
    result = await ops_of(args).paste_reports(args.project, sys.stdin.read())
    if args.json:
        print_json(result.to_json())
    else:
        print(result.summary())
    return 0


async def cmd_triage_list(orchard: Orchard, args: argparse.Namespace) -> int:
    """List a project's reports."""
    reports = await ops_of(args).reports(args.project, args.status)
    if args.json:
        print_json([r.to_json() for r in reports])
        return 0
    for report in reports:
        print(_line(report))
    return 0


def _line(report: Report) -> str:
    where = f" dup of #{report.duplicate_of}" if report.duplicate_of else ""
    fields = [report.priority or "--", report.category or "-", report.owner or "-"]
    tasks = f" [{counted(len(report.tasks), 'task')}]" if report.tasks else ""
    return (
        f"#{report.id:<5} {report.status.label:<10} {' '.join(fields)}  "
        f"{report.title}{where}{tasks}"
    )


async def cmd_triage_set(orchard: Orchard, args: argparse.Namespace) -> int:
    """Set triage fields on reports and print what changed."""
    changes = {
        name: getattr(args, name)
        for name in ("priority", "category", "owner", "status", "duplicate_of")
        if getattr(args, name) is not None
    }
    if not changes:
        raise UserError(
            "nothing to set: give --priority, --category, --owner, --status or --duplicate-of"
        )
    changed = await ops_of(args).set_reports(args.reports, **changes)
    if args.json:
        print_json([r.to_json() for r in changed])
    else:
        for report in changed:
            print(_line(report))
    return 0


async def cmd_triage_dispatch(orchard: Orchard, args: argparse.Namespace) -> int:
    """Queue one task per report and print the task ids."""
    sent = await ops_of(args).dispatch_reports(
        args.reports, agent=args.agent, attempts=args.attempts
    )
    if args.json:
        print_json([{"report": r.to_json(), "tasks": [t.id for t in ts]} for r, ts in sent])
        return 0
    for report, tasks in sent:
        print(f"#{report.id} -> {' '.join(t.short_id for t in tasks)}  {report.title}")
    if any(r.status is ReportStatus.DISPATCHED for r, _ in sent):
        print("queued; `orchard run` runs them", file=sys.stderr)
    return 0


async def cmd_triage_export(orchard: Orchard, args: argparse.Namespace) -> int:
    """Export reports to a CSV file, or write their triage back to GitHub."""
    ops = ops_of(args)
    if args.csv:
        count = await ops.export_reports_csv(args.project, args.csv)
        if args.json:
            print_json({"written": count, "path": args.csv})
        else:
            print(f"wrote {counted(count, 'report')} to {args.csv}")
        return 0
    result = await ops.export_triage_to_github(
        args.project, api_url=args.api_url, github_env=_github_env()
    )
    if args.json:
        print_json(result.to_json())
    else:
        print(result.summary())
    return 0
