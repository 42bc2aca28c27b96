"""Write triage back to GitHub: labels for category and priority, the assignee, a fix comment.

An explicit action, never automatic. What was written is remembered per report, so exporting
again sends only what changed and never posts the same comment twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from app.core.triage import ExportResult as ExportResult
from app.core.triage import Report, ReportStatus
from app.services.github import GitHub, GitHubError, find_token, where_tokens_come_from
from app.services.orchard import Orchard, UserError
from app.services.store import StoreError


def labels_for(report: Report) -> list[str]:
    """Return the GitHub labels that carry a report's category and priority."""
    out = []
    if report.category:
        out.append(f"category: {report.category}")
    if report.priority:
        out.append(f"priority: {report.priority}")
    return out


def fix_comment(orchard: Orchard, report: Report) -> str | None:
    """Return the comment saying how a fixed report was fixed, or None if it is not fixed."""
    if report.status is not ReportStatus.FIXED:
        return None
    commit, pr_url = report.fix_commit, report.pr_url
    for task_id in report.tasks:
        try:
            task = orchard.store.task(task_id)
        except StoreError:  # a task removed since; the report keeps what it recorded
            continue
        commit, pr_url = commit or task.landed_commit, pr_url or task.pr_url
    if pr_url:
        return f"Fixed by pull request {pr_url}" + (f" (commit {commit})." if commit else ".")
    if commit:
        return f"Fixed in commit {commit}."
    return "Marked fixed in the bug-bash triage."


async def export_github(
    orchard: Orchard,
    project: str,
    ids: Sequence[int] | None = None,
    *,
    api_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> ExportResult:
    """Write the triage of `project`'s GitHub reports (or just `ids`) back to their issues.

    `env` holds the asker's token variables when they are not this process's own.
    """
    reports = await asyncio.to_thread(_chosen, orchard, project, ids)
    token = find_token(orchard.settings.github_token, str(orchard.home.config), env)
    if token is None:
        raise UserError(f"no GitHub token: {where_tokens_come_from(str(orchard.home.config))}")
    key = f"export:github:{project}"
    sent: dict[str, Any] = await asyncio.to_thread(orchard.store.triage_source, key)
    counts = {"labeled": 0, "assigned": 0, "commented": 0, "unchanged": 0}
    ours = [r for r in reports if r.source == "github" and _issue(r)]
    async with GitHub(token, api_url or orchard.settings.github_api_url) as gh:
        for done, report in enumerate(ours):
            try:
                record = await _export_one(orchard, gh, report, sent.get(str(report.id), {}))
            except GitHubError as exc:
                await asyncio.to_thread(orchard.store.save_triage_source, key, project, sent)
                raise UserError(
                    f"{exc} (report #{report.id}; {done} of {len(ours)} exported, "
                    "run the export again to finish)"
                ) from None
            _count(counts, sent.get(str(report.id), {}), record)
            sent[str(report.id)] = record
    await asyncio.to_thread(orchard.store.save_triage_source, key, project, sent)
    return ExportResult(**counts, skipped=len(reports) - len(ours))


def _chosen(orchard: Orchard, project: str, ids: Sequence[int] | None) -> list[Report]:
    orchard.store.project(project)
    reports = orchard.store.reports(project)
    if ids is None:
        return reports
    wanted = set(ids)
    return [r for r in reports if r.id in wanted]


def _issue(report: Report) -> tuple[str, int] | None:
    """Return (OWNER/REPO, number) from an external id like "octo/app#12"."""
    repo, sep, number = (report.external_id or "").rpartition("#")
    return (repo, int(number)) if sep and repo.count("/") == 1 and number.isdigit() else None


async def _export_one(
    orchard: Orchard, gh: GitHub, report: Report, before: dict[str, Any]
) -> dict[str, Any]:
    """Send what changed for one report since the last export; return what is now there."""
    issue = _issue(report)
    assert issue is not None
    path = f"repos/{issue[0]}/issues/{issue[1]}"
    labels = [n for n in labels_for(report) if n not in before.get("labels", [])]
    if labels:
        await gh.post_json(f"{path}/labels", {"labels": labels})
    if report.owner and report.owner != before.get("assignee"):
        await gh.patch_json(path, {"assignees": [report.owner]})
    comment = await asyncio.to_thread(fix_comment, orchard, report)
    if comment and comment != before.get("comment"):
        await gh.post_json(f"{path}/comments", {"body": comment})
    return {
        "labels": sorted({*before.get("labels", []), *labels}),
        "assignee": report.owner or before.get("assignee"),
        "comment": comment or before.get("comment"),
    }


def _count(counts: dict[str, int], before: dict[str, Any], after: dict[str, Any]) -> None:
    changed = False
    for key, name in (("labels", "labeled"), ("assignee", "assigned"), ("comment", "commented")):
        if after.get(key) != before.get(key, [] if key == "labels" else None):
            counts[name] += 1
            changed = True
    if not changed:
        counts["unchanged"] += 1
