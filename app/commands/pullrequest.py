"""`orchard task pr`: push a task's branch and open a GitHub pull request for it."""

from __future__ import annotations

import argparse
import os
from typing import Any

from app.commands.handler import Handlers, ops_of, print_json
from app.core.words import counted
from app.services.orchard import Orchard


def add_commands(sub: Any) -> Handlers:
    """Add `task pr` to `sub` and return its handler."""
    pr = sub.add_parser("pr", help="push a task's branch and open a GitHub pull request")
    pr.add_argument("id")
    pr.add_argument("--remote", default="origin", help="the remote to push to (default origin)")
    pr.add_argument("--base", help="the branch to merge into (default: the task's base)")
    pr.add_argument("--repo", help="OWNER/REPO on GitHub, when the remote URL does not say")
    pr.add_argument("--api-url", help="GitHub's API (default https://api.github.com)")
    pr.add_argument("--draft", action="store_true", help="open it as a draft")
    pr.add_argument(
        "--drop-comments",
        action="store_true",
        help="open it even with unsent review comments; they are kept as dropped",
    )
    pr.add_argument("--json", action="store_true")
    return {("task", "pr"): cmd_task_pr}


async def cmd_task_pr(orchard: Orchard, args: argparse.Namespace) -> int:
    """Push the task's branch, open (or find) its pull request and print the link."""
    # The token of this shell, if any, goes with the request: the service's may be older.
    token = next((os.environ[n] for n in ("GITHUB_TOKEN", "GH_TOKEN") if os.environ.get(n)), None)
    pull = await ops_of(args).open_pull_request(
        args.id,
        remote=args.remote,
        base=args.base,
        repo=args.repo,
        api_url=args.api_url,
        draft=args.draft,
        github_token=token,
        drop_comments=args.drop_comments,
    )
    if args.json:
        print_json(pull.to_json())
        return 0
    verb = "opened pull request" if pull.created else "a pull request was already open:"
    print(f"pushed {pull.branch} to {args.remote}; {verb} {pull.url}")
    if pull.uncommitted:
        print(
            f"note: {counted(pull.uncommitted, 'uncommitted change')} in "
            f"{orchard.task(args.id).worktree} "
            "are not in the pull request"
        )
    return 0
