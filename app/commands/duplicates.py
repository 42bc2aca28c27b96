"""`orchard triage similar|clusters|split|merge`: likely duplicates and duplicate clusters."""

from __future__ import annotations

import argparse
from typing import Any

from app.commands.handler import Handlers, ops_of, print_json
from app.core.triage import Report
from app.services.orchard import Orchard


def add_commands(sub: Any) -> Handlers:
    """Add the duplicate subcommands of `triage` to `sub` and return their handlers."""
    similar = sub.add_parser("similar", help="list the reports most like one report")
    similar.add_argument("project")
    similar.add_argument("report", metavar="REPORT", help="a report id (see `triage list`)")
    similar.add_argument("--k", type=int, default=5, help="how many (default 5)")
    similar.add_argument("--json", action="store_true")
    clusters = sub.add_parser("clusters", help="group likely duplicates under their original")
    clusters.add_argument("project")
    clusters.add_argument("--min-score", type=float, help="the weakest link kept (0..1)")
    clusters.add_argument("--json", action="store_true")
    split = sub.add_parser("split", help="take a report out of its duplicate cluster for good")
    split.add_argument("project")
    split.add_argument("report", metavar="REPORT")
    merge = sub.add_parser("merge", help="mark reports duplicates of their cluster's original")
    merge.add_argument("project")
    merge.add_argument("reports", nargs="+", metavar="REPORT")
    merge.add_argument("--into", type=int, metavar="REPORT", help="the original (default: likely)")
    return {
        ("triage", "similar"): cmd_triage_similar,
        ("triage", "clusters"): cmd_triage_clusters,
        ("triage", "split"): cmd_triage_split,
        ("triage", "merge"): cmd_triage_merge,
    }


async def cmd_triage_similar(orchard: Orchard, args: argparse.Namespace) -> int:
    """Print the reports most like REPORT, best first."""
    found = await ops_of(args).similar_reports(args.project, args.report, args.k)
    if args.json:
        print_json([_candidate(r, score) for r, score in found])
        return 0
    for report, score in found:
        print(f"#{report.id:<5} {score:.2f}  {report.title}")
    return 0


def _candidate(report: Report, score: float) -> dict[str, Any]:
    return {
        "id": report.id,
        "external_id": report.external_id,
        "title": report.title,
        "score": round(score, 4),
    }


async def cmd_triage_clusters(orchard: Orchard, args: argparse.Namespace) -> int:
    """Print the project's duplicate clusters: each original, then its likely duplicates."""
    ops = ops_of(args)
    found = await ops.clusters(args.project, args.min_score)
    if args.json:
        print_json([c.to_json() for c in found])
        return 0
    titles = {r.id: r.title for r in await ops.reports(args.project)}
    for cluster in found:
        print(f"#{cluster.original:<5} {titles.get(cluster.original, '')}")
        for link in cluster.members:
            mark = "dup " if link.confirmed else f"{link.confidence:.2f}"
            print(f"  └ #{link.report:<5} {mark}  {titles.get(link.report, '')}")
    if not found:
        print("no likely duplicates")
    return 0


async def cmd_triage_split(orchard: Orchard, args: argparse.Namespace) -> int:
    """Take REPORT out of its cluster; it is never proposed with them again."""
    await ops_of(args).split_report(args.project, args.report)
    print(f"#{str(args.report).lstrip('#')} split out of its cluster")
    return 0


async def cmd_triage_merge(orchard: Orchard, args: argparse.Namespace) -> int:
    """Mark reports duplicates of their cluster's original (or --into); nothing is closed."""
    changed = await ops_of(args).merge_reports(args.project, args.reports, args.into)
    for report in changed:
        print(f"#{report.id} duplicate of #{report.duplicate_of}  {report.title}")
    return 0
