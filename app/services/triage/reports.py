"""Triage operations on bug reports: capture, paste, set fields, dispatch to agents, mark fixed.

The sync functions only touch SQLite (a controller runs them off the GUI thread); dispatch is
async because creating tasks asks git for the base commit.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.core.intake import fit_title, parse_paste
from app.core.task import Task
from app.core.triage import (
    CLOSED_STATUSES,
    DEFAULT_TEMPLATE,
    Report,
    ReportDraft,
    ReportStatus,
    TriageError,
    fill_template,
    parse_priority,
    parse_status,
    triage_changes,
)
from app.services.config import write_atomically
from app.services.orchard import MAX_ATTEMPTS, Orchard, UserError
from app.services.store import StoreError
from app.services.triage.importer import ImportResult, store_drafts

CHANGEABLE = ("priority", "category", "owner", "status", "duplicate_of")
MAX_PROMPT_BODY = 64 * 1024  # a longer report is cut in the prompt (kept whole in Orchard)
CSV_COLUMNS = (
    "id", "title", "body", "reporter", "created", "source", "external_id", "url", "labels",
    "category", "priority", "owner", "status", "duplicate_of", "tasks", "fix_commit", "pr_url",
)  # fmt: skip
FOLLOWING = frozenset({ReportStatus.FIXED, ReportStatus.WONT_FIX})  # duplicates follow these


def capture_report(
    orchard: Orchard, project: str, title: str, body: str = "", reporter: str = ""
) -> Report:
    """Take in one report typed by hand."""
    if not title.strip():
        raise UserError("a report needs a title")
    title, body = fit_title(title, body)
    draft = ReportDraft(title, body.strip("\n"), reporter.strip(), source="capture")
    result = store_drafts(orchard, project, [draft])
    return orchard.store.report(result.new_ids[0])


def paste_reports(orchard: Orchard, project: str, text: str) -> ImportResult:
    """Take in a paste: one report per line, Markdown bullets, or ## sections."""
    return store_drafts(orchard, project, parse_paste(text))


def set_reports(orchard: Orchard, ids: Sequence[int | str], **changes: Any) -> list[Report]:
    """Change reports' triage fields; return every report changed, duplicates that followed too."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise UserError(f"cannot set {', '.join(unknown)} (only {', '.join(CHANGEABLE)})")
    if not ids:
        raise UserError("say which reports to change")
    reports = _reports(orchard, ids)
    now = time.time()
    planned: dict[int, dict[str, Any]] = {}
    for report in reports:
        wanted = _checked_changes(orchard, report, changes)
        planned[report.id] = triage_changes(report, wanted, now)
        planned.update(_repointed_duplicates(orchard, report, wanted))
    for report in reports:
        after = dataclasses.replace(report, **_report_fields(planned[report.id]))
        planned.update(_followers(orchard, after, now, planned))
    changed = orchard.store.update_reports(planned)
    return [changed[i] for i in sorted(changed)]


def _reports(orchard: Orchard, ids: Sequence[int | str]) -> list[Report]:
    found = {r.id: r for r in (orchard.store.report(i) for i in ids)}
    return [found[i] for i in sorted(found)]


def _checked_changes(orchard: Orchard, report: Report, changes: dict[str, Any]) -> dict[str, Any]:
    """Return `changes` in canonical form; raise a clear error for a bad one."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if isinstance(value, str):
            value = value.strip() or None
        if key == "priority":
            out[key] = None if value is None else parse_priority(str(value))
        elif key == "category":
            out[key] = None if value is None else _category(orchard, str(value))
        elif key == "owner":
            out[key] = value
        elif key == "status":
            out[key] = value if isinstance(value, ReportStatus) else parse_status(str(value))
        elif key == "duplicate_of":
            out.update(_duplicate(orchard, report, value))
    if out.get("status") is ReportStatus.DUPLICATE and not (
        out.get("duplicate_of") or report.duplicate_of
    ):
        raise TriageError(f"say which report #{report.id} duplicates (--duplicate-of REPORT)")
    return out


def _category(orchard: Orchard, name: str) -> str:
    """Return the configured spelling of category `name`; unknown ones are refused."""
    known = orchard.settings.triage.categories
    for category in known:
        if category.lower() == " ".join(name.split()).lower():
            return category
    raise TriageError(
        f"'{name}' is not a category (use one of {', '.join(known)}; "
        f"add more under [triage] categories in {orchard.home.config})"
    )


def _duplicate(orchard: Orchard, report: Report, value: Any) -> dict[str, Any]:
    """Check a duplicate_of; point at the original's original, so chains stay one deep."""
    if value is None or value == 0:
        return {"duplicate_of": None}
    try:
        original = orchard.store.report(value)
    except StoreError as exc:
        raise UserError(f"--duplicate-of: {exc}") from None
    seen = {original.id}
    while original.duplicate_of is not None and original.duplicate_of not in seen:
        if original.duplicate_of == report.id:
            raise TriageError(
                f"report #{report.id} cannot be a duplicate of #{original.id}: "
                f"#{original.id} is already a duplicate of #{report.id}"
            )
        seen.add(original.duplicate_of)
        original = orchard.store.report(original.duplicate_of)
    if original.id == report.id:
        raise TriageError(f"report #{report.id} cannot be a duplicate of itself")
    if original.project != report.project:
        raise TriageError(
            f"report #{original.id} is in project {original.project}, "
            f"#{report.id} in {report.project}: a duplicate must be in the same project"
        )
    out: dict[str, Any] = {"duplicate_of": original.id}
    if original.status in FOLLOWING:  # the duplicate follows its original's status
        out.update(status=original.status, fix_commit=original.fix_commit, pr_url=original.pr_url)
    return out


def _repointed_duplicates(
    orchard: Orchard, report: Report, wanted: dict[str, Any]
) -> dict[int, dict[str, Any]]:
    """When a report becomes a duplicate, its own duplicates point at its original."""
    original = wanted.get("duplicate_of")
    if original is None:
        return {}
    return {d.id: {"duplicate_of": original} for d in orchard.store.duplicates_of(report.id)}


def _followers(
    orchard: Orchard, original: Report, now: float, planned: dict[int, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """Return the changes that make `original`'s duplicates follow it to fixed or won't fix."""
    if original.status not in FOLLOWING:
        return {}
    out: dict[int, dict[str, Any]] = {}
    for dup in orchard.store.duplicates_of(original.id):
        if dup.status is original.status or "duplicate_of" in planned.get(dup.id, {}):
            continue
        follow = {"status": original.status, "duplicate_of": original.id}
        follow.update(fix_commit=original.fix_commit, pr_url=original.pr_url)
        out[dup.id] = {**planned.get(dup.id, {}), **triage_changes(dup, follow, now)}
    return out


def _report_fields(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in changes.items() if k in Report.__dataclass_fields__}


def mark_fixed_by_task(orchard: Orchard, task: Task) -> list[Report]:
    """Mark fixed the reports a landed task worked on (and their duplicates)."""
    now = time.time()
    planned: dict[int, dict[str, Any]] = {}
    for report in orchard.store.reports_for_task(task.id):
        if report.status is ReportStatus.FIXED and report.fix_commit:
            continue
        fix: dict[str, Any] = {"status": ReportStatus.FIXED, "fix_commit": task.landed_commit}
        fix["pr_url"] = task.pr_url or report.pr_url
        if report.duplicate_of is not None:
            fix["duplicate_of"] = report.duplicate_of
        planned[report.id] = triage_changes(report, fix, now)
        after = dataclasses.replace(report, **_report_fields(planned[report.id]))
        planned.update(_followers(orchard, after, now, planned))
    if not planned:
        return []
    changed = orchard.store.update_reports(planned)
    return [changed[i] for i in sorted(changed)]


def default_agent(orchard: Orchard) -> str:
    """Return the agent a dispatch uses when none is named: codex if known, else the first."""
    profiles = orchard.settings.profiles
    return "codex" if "codex" in profiles else next(iter(profiles))


def prompt_for(orchard: Orchard, report: Report, template: str | None = None) -> str:
    """Return the prompt an agent gets for `report`: its category's template, filled."""
    if template is None:
        templates = {k.lower(): v for k, v in orchard.settings.triage.templates.items()}
        template = templates.get((report.category or "").lower(), DEFAULT_TEMPLATE)
    if len(report.body) > MAX_PROMPT_BODY:
        cut = report.body[:MAX_PROMPT_BODY]
        note = f"\n\n(cut here: the whole report, {len(report.body):,} characters, is #{report.id})"
        report = dataclasses.replace(report, body=cut + note)
    return fill_template(template, report, _duplicate_details(orchard, report))


def _duplicate_details(orchard: Orchard, original: Report) -> str:
    """Return what the original's duplicates add: their titles and bodies, for the prompt."""
    parts = []
    for dup in orchard.store.duplicates_of(original.id):
        body = dup.body.strip()[:4000]
        parts.append(f"- #{dup.id} {dup.title}" + (f"\n{_indent(body)}" if body else ""))
    if not parts:
        return ""
    return "Duplicates of this report add these details:\n\n" + "\n".join(parts)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


async def dispatch_reports(
    orchard: Orchard,
    ids: Sequence[int | str],
    *,
    agent: str | None = None,
    attempts: int = 1,
    template: str | None = None,
) -> list[tuple[Report, list[Task]]]:
    """Send each report to agents: one task (or best-of-N group) per report, then dispatched."""
    reports = _dispatchable(orchard, ids, agent := agent or default_agent(orchard), attempts)
    out = []
    for report in reports:
        prompt = prompt_for(orchard, report, template)
        tasks = await orchard.new_tasks(
            report.project, prompt, agent=agent, title=report.title, attempts=attempts
        )
        orchard.store.link_report_tasks((report.id, t.id) for t in tasks)
        change = triage_changes(report, {"status": ReportStatus.DISPATCHED}, time.time())
        out.append((orchard.store.update_reports({report.id: change})[report.id], tasks))
    return out


def _dispatchable(
    orchard: Orchard, ids: Sequence[int | str], agent: str, attempts: int
) -> list[Report]:
    """Check the whole batch before any task is made; return its reports."""
    if not ids:
        raise UserError("say which reports to send to agents")
    if agent not in orchard.settings.profiles:
        known = ", ".join(sorted(orchard.settings.profiles))
        raise UserError(f"unknown agent '{agent}' (known: {known})")
    if not 1 <= attempts <= MAX_ATTEMPTS:
        raise UserError(f"attempts must be between 1 and {MAX_ATTEMPTS}")
    reports = _reports(orchard, ids)
    chosen = {r.id for r in reports}
    # A cluster goes as one task for its original: duplicates sent with it ride in its prompt.
    reports = [r for r in reports if r.duplicate_of is None or r.duplicate_of not in chosen]
    for report in reports:
        if report.status is ReportStatus.DUPLICATE:
            raise UserError(
                f"report #{report.id} is a duplicate of #{report.duplicate_of}: "
                f"send #{report.duplicate_of} instead; nothing was sent"
            )
        if report.status in CLOSED_STATUSES:
            raise UserError(
                f"report #{report.id} is {report.status.label}; reopen it with "
                f"`orchard triage set {report.id} --status triaged` first; nothing was sent"
            )
    for project in {r.project for r in reports}:
        orchard.store.project(project)
    return reports


def export_csv(orchard: Orchard, project: str, path: str | Path) -> int:
    """Write `project`'s reports to a CSV file; return how many."""
    orchard.store.project(project)
    reports = orchard.store.reports(project)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(r) for r in reports)
    target = Path(path).expanduser()
    try:
        write_atomically(target, out.getvalue().encode())
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    return len(reports)


def _csv_row(report: Report) -> list[str]:
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(report.created_at))
    values: dict[str, Any] = {
        **{k: getattr(report, k) for k in CSV_COLUMNS if hasattr(report, k)},
        "created": created,
        "status": report.status.label,
        "labels": ", ".join(report.labels),
        "tasks": " ".join(report.tasks),
    }
    return ["" if values.get(k) is None else str(values[k]) for k in CSV_COLUMNS]
