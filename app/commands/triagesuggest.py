"""`orchard triage suggest`: category, priority, owner and duplicate suggestions from an LLM."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from app.commands.handler import Handlers, ops_of, print_json
from app.core.suggestion import KEY_VARIABLES, Suggestion, duplicate_candidates
from app.core.triage import OPEN_STATUSES, ReportStatus, parse_status
from app.core.words import counted
from app.services.orchard import Orchard


def add_commands(sub: Any) -> Handlers:
    """Add `triage suggest` to `sub` and return its handler."""
    suggest = sub.add_parser(
        "suggest", help="suggest category, priority, owner and duplicates with an LLM ([llm])"
    )
    suggest.add_argument("project")
    suggest.add_argument(
        "--status",
        action="append",
        help="suggest for reports in this status, or 'open' (default: new)",
    )
    suggest.add_argument(
        "--apply",
        action="store_true",
        help="fill in the suggested category, priority and owner where a report has none",
    )
    suggest.add_argument("--json", action="store_true")
    return {("triage", "suggest"): cmd_triage_suggest}


async def cmd_triage_suggest(orchard: Orchard, args: argparse.Namespace) -> int:
    """Print a suggestion per report as batches come back; with --apply, fill unset fields."""
    # The supervising process asks the model, batch by batch as they come back; the key of
    # this shell, if any, goes with the request.
    ops = ops_of(args)
    pool = await ops.reports(args.project)
    statuses = _statuses(args.status or ["new"])
    reports = [r for r in pool if r.status in statuses]
    if not reports:
        print(f"no {' or '.join(sorted(s.value for s in statuses))} reports in {args.project}")
        return 0
    candidates = await asyncio.to_thread(duplicate_candidates, reports, pool)
    titles = {r.id: r.title for r in pool}
    key = next((os.environ[n] for n in KEY_VARIABLES if os.environ.get(n, "").strip()), None)
    run = await ops.suggest(
        args.project,
        [r.id for r in reports],
        candidates,
        on_suggestion=(lambda s: None)
        if args.json
        else lambda s: print(_line(s, titles), flush=True),
        on_progress=_say,
        api_key=key,
    )
    applied = await ops.apply_suggestions(args.project, run.suggestions) if args.apply else {}
    if args.json:
        print_json([_json(s, applied) for s in sorted(run.suggestions, key=_by_id)])
    elif args.apply:
        fields = sum(len(names) for names in applied.values())
        print(f"applied {counted(fields, 'suggested field')} to {counted(len(applied), 'report')}")
    for failure in run.failures:
        print(f"orchard: {failure}", file=sys.stderr)
    return 1 if run.failures else 0


def _statuses(names: Sequence[str]) -> frozenset[ReportStatus]:
    out: set[ReportStatus] = set()
    for name in names:
        out |= OPEN_STATUSES if name.strip().lower() == "open" else {parse_status(name)}
    return frozenset(out)


def _by_id(suggestion: Suggestion) -> int:
    return suggestion.report_id


def _say(text: str) -> None:
    if "asking again" in text:  # a rate limit or a failing server: say why it pauses
        print(text, file=sys.stderr, flush=True)


def _line(suggestion: Suggestion, titles: dict[int, str]) -> str:
    s = suggestion
    fields = [s.priority or "--", s.category or "-", s.owner or "-"]
    dup = f" dup of #{s.duplicate_of}?" if s.duplicate_of else ""
    reason = f"  ({s.reason})" if s.reason else ""
    return f"#{s.report_id:<5} {' '.join(fields)}{dup}  {titles.get(s.report_id, '')}{reason}"


def _json(suggestion: Suggestion, applied: dict[int, list[str]]) -> dict[str, Any]:
    data = suggestion.to_json()
    data["applied"] = applied.get(suggestion.report_id, [])
    return data
