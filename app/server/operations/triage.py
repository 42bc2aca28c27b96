"""Operations of bug-bash triage: take reports in, triage them, send them to agents, export."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from app.core.clusters import Cluster
from app.core.suggestion import KEY_VARIABLES, Suggestion, SuggestRun, unset_fields
from app.core.task import Task
from app.core.triage import (
    TRIAGE_FIELDS,
    ExportResult,
    ImportResult,
    Report,
    parse_status,
    triage_changes,
)
from app.core.wire import WireError, decode
from app.server.operations.registry import (
    Params,
    number,
    operation,
    optional_text,
    report,
    text,
)
from app.services.orchard import Orchard, UserError

# The services load the import stack (httpx) on first use, so they are imported where used.


def _told[T](orchard: Orchard, changed: T) -> T:
    """Tell the windows that reports changed (a Report, a list of them, or a project's name)."""
    items: list[Any] = changed if isinstance(changed, list) else [changed]
    projects: set[str] = {p for p in items if isinstance(p, str)}
    projects |= {r.project for r in items if isinstance(r, Report)}
    projects |= {r[0].project for r in items if isinstance(r, tuple) and r}
    for project in projects:
        orchard.supervisor.announce_reports(project)
    return changed


@operation("triage.reports")
async def reports(orchard: Orchard, params: Params) -> list[Report]:
    """Return a project's reports by id; only those in the named statuses if asked."""
    project, names = text(params, "project"), _texts(params, "statuses")

    def read() -> list[Report]:
        orchard.store.project(project)  # a StoreError (a UserError) names the known projects
        statuses = [parse_status(n) for n in names] if names else None
        return orchard.store.reports(project, statuses)

    return await asyncio.to_thread(read)


@operation("triage.set")
async def set_reports(orchard: Orchard, params: Params) -> list[Report]:
    """Change reports' triage fields; return every report changed, duplicates that followed too."""
    from app.services.triage import set_reports

    ids, changes = _ids(params), _changes(params)
    return _told(orchard, await asyncio.to_thread(lambda: set_reports(orchard, ids, **changes)))


@operation("triage.capture")
async def capture(orchard: Orchard, params: Params) -> Report:
    """Take in one report typed by hand."""
    from app.services.triage import capture_report

    project, title = text(params, "project"), text(params, "title")
    body, reporter = text(params, "body", ""), text(params, "reporter", "")
    found = await asyncio.to_thread(capture_report, orchard, project, title, body, reporter)
    return _told(orchard, found)


@operation("triage.paste")
async def paste(orchard: Orchard, params: Params) -> ImportResult:
    """Take in a paste: one report per line, Markdown bullets, or ## sections."""
    from app.services.triage import paste_reports

    project, pasted = text(params, "project"), text(params, "text")
    result = await asyncio.to_thread(paste_reports, orchard, project, pasted)
    _told(orchard, project)
    return result


@operation("triage.import_file")
async def import_file(orchard: Orchard, params: Params) -> ImportResult:
    """Take in the reports of a .csv or .json file the asker picked (an absolute path)."""
    from app.services.triage import import_file

    project = text(params, "project")
    result = await import_file(orchard, project, text(params, "path"))
    if result.added or result.updated:
        _told(orchard, project)
    return result


@operation("triage.import_github")
async def import_github(orchard: Orchard, params: Params) -> ImportResult:
    """Take in a GitHub repository's open issues, or what changed since the last import."""
    from app.services.triage import import_github

    project = text(params, "project")
    result = await import_github(
        orchard,
        project,
        text(params, "repo"),
        api_url=optional_text(params, "api_url"),
        on_progress=lambda line: report({"say": str(line)}),  # pages read, rate-limit pauses
        env=_github_env(params),
    )
    if result.added or result.updated:
        _told(orchard, project)
    return result


@operation("triage.export_csv")
async def export_csv(orchard: Orchard, params: Params) -> int:
    """Write a project's reports to a CSV file the asker picked; return how many."""
    from app.services.triage import export_csv

    project, path = text(params, "project"), text(params, "path")
    return await asyncio.to_thread(export_csv, orchard, project, path)


@operation("triage.export_github")
async def export_github(orchard: Orchard, params: Params) -> ExportResult:
    """Write the triage of a project's GitHub reports (or just some) back to their issues."""
    from app.services.triage import export_github

    return await export_github(
        orchard,
        text(params, "project"),
        _numbers(params, "ids"),
        api_url=optional_text(params, "api_url"),
        env=_github_env(params),
    )


@operation("triage.dispatch")
async def dispatch(orchard: Orchard, params: Params) -> list[tuple[Report, list[Task]]]:
    """Send each report to agents: one task (or best-of-N group) per report."""
    from app.services.triage import dispatch_reports

    sent = await dispatch_reports(
        orchard,
        _ids(params),
        agent=optional_text(params, "agent"),
        attempts=number(params, "attempts", 1),
        template=optional_text(params, "template"),
    )
    return _told(orchard, sent)


@operation("triage.apply_suggestions")
async def apply_suggestions(orchard: Orchard, params: Params) -> dict[int, list[str]]:
    """Fill in the suggested category, priority and owner each report still lacks."""
    project, suggestions = text(params, "project"), _suggestions(params)
    return await asyncio.to_thread(_apply, orchard, project, suggestions)


def _apply(
    orchard: Orchard, project: str, suggestions: Sequence[Suggestion]
) -> dict[int, list[str]]:
    """Fill in what each report lacks in one transaction; return the fields set per report."""
    now = time.time()
    current = {r.id: r for r in orchard.store.reports(project)}
    changes: dict[int, dict[str, Any]] = {}
    for suggestion in suggestions:
        report = current.get(suggestion.report_id)
        fields = unset_fields(report, suggestion) if report is not None else {}
        if report is not None and fields:
            changes[report.id] = triage_changes(report, fields, now)
    orchard.store.update_reports(changes)
    if changes:
        orchard.supervisor.announce_reports(project)
    return {rid: [k for k in TRIAGE_FIELDS if k in c] for rid, c in changes.items()}


# parameters


def _ids(params: Params) -> list[int | str]:
    """Return the reports named ("12", "#12" or 12); the service says which are unknown."""
    ids = params.get("ids")
    if not isinstance(ids, list) or not all(
        isinstance(i, int | str) and not isinstance(i, bool) for i in ids
    ):
        raise UserError("the request needs 'ids' as a list of report ids")
    return ids


def _numbers(params: Params, name: str) -> list[int] | None:
    """Return a list-of-whole-numbers parameter that may be left out."""
    value = params.get(name)
    if value is not None and not (
        isinstance(value, list) and all(type(v) is int for v in value)  # not bool
    ):
        raise UserError(f"the request needs '{name}' as a list of whole numbers")
    return value


def _texts(params: Params, name: str) -> list[str] | None:
    """Return a list-of-text parameter that may be left out."""
    value = params.get(name)
    if value is not None and not (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        raise UserError(f"the request needs '{name}' as a list of text")
    return value


def _changes(params: Params) -> dict[str, Any]:
    """Return the triage fields to set; set_reports checks the names and the values."""
    changes = params.get("changes")
    if not isinstance(changes, dict):
        raise UserError("the request needs 'changes' as an object of fields")
    return changes


@operation("triage.suggest")
async def suggest(orchard: Orchard, params: Params) -> SuggestRun:
    """Ask the model for each report's category, priority, owner and duplicate, batch by batch.

    Each suggestion is reported as it comes ({"suggestion": …}), and each pause ({"say": …}).
    """
    from app.services.triage import SuggestError, suggest_reports

    project, wanted = text(params, "project"), set(_numbers(params, "ids") or [])
    pool = await asyncio.to_thread(orchard.store.reports, project)
    key = optional_text(params, "api_key")  # the asker's, for this request only
    triage = orchard.settings.triage
    try:
        return await suggest_reports(
            orchard.settings.llm,
            [r for r in pool if r.id in wanted],
            categories=triage.categories,
            owners=triage.owners,
            candidates=_candidates(params),
            titles={r.id: r.title for r in pool},
            on_suggestion=lambda s: report({"suggestion": s}),
            on_progress=lambda line: report({"say": line}),
            env={KEY_VARIABLES[0]: key} if key else None,
        )
    except SuggestError as exc:
        raise UserError(str(exc)) from None


def _candidates(params: Params) -> dict[int, list[tuple[int, float]]]:
    """Return each report's likely originals, as the asker's similarity index found them."""
    given = params.get("candidates") or {}
    if not isinstance(given, dict):
        raise UserError("the request needs 'candidates' as an object")
    try:
        return {int(k): [(int(i), float(s)) for i, s in v] for k, v in given.items()}
    except (TypeError, ValueError):
        raise UserError("the request needs 'candidates' as report id: [[id, score]…]") from None


def _github_env(params: Params) -> dict[str, str] | None:
    """Return the asking shell's GitHub token variables, for this request only (None: ours)."""
    from app.services.github import TOKEN_VARIABLES

    given = params.get("github_env")
    if given is None:
        return None
    if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
        raise UserError("the request needs 'github_env' as an object of text")
    return {name: given[name] for name in TOKEN_VARIABLES if name in given}


def _suggestions(params: Params) -> list[Suggestion]:
    """Return the suggestions to apply, read back from the wire."""
    try:
        found = decode(params.get("suggestions"), list[Suggestion])
    except (WireError, TypeError, KeyError):
        found = None
    if not isinstance(found, list) or not all(isinstance(s, Suggestion) for s in found):
        raise UserError("the request needs 'suggestions' as a list of suggestions")
    return found


# duplicates and clusters


@operation("triage.similar")
async def similar(orchard: Orchard, params: Params) -> list[tuple[Report, float]]:
    """Return the reports of a project most like one report, best first (never itself)."""
    from app.services.triage import similar_reports

    project, report_id, k = text(params, "project"), _id(params), number(params, "k", 5)
    return await asyncio.to_thread(similar_reports, orchard, project, report_id, k)


@operation("triage.clusters")
async def clusters(orchard: Orchard, params: Params) -> list[Cluster]:
    """Return a project's duplicate clusters, surest first."""
    from app.services.triage import project_clusters

    project, min_score = text(params, "project"), _score(params, "min_score")
    return await asyncio.to_thread(project_clusters, orchard, project, min_score)


@operation("triage.split")
async def split(orchard: Orchard, params: Params) -> list[Report]:
    """Take a report out of its duplicate cluster for good (it is no duplicate of them)."""
    from app.services.triage import split_report

    project, report_id = text(params, "project"), _id(params)
    return _told(orchard, await asyncio.to_thread(split_report, orchard, project, report_id))


@operation("triage.merge")
async def merge(orchard: Orchard, params: Params) -> list[Report]:
    """Mark reports duplicates of an original (by default their cluster's); nothing is closed."""
    from app.services.triage import merge_reports

    project, ids = text(params, "project"), _ids(params)
    original = params.get("original")
    if original is not None and (isinstance(original, bool) or not isinstance(original, int)):
        raise UserError("the request needs 'original' as a report id")
    changed = await asyncio.to_thread(merge_reports, orchard, project, ids, original)
    return _told(orchard, changed)


def _id(params: Params) -> int | str:
    value = params.get("report")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise UserError("the request needs 'report' as a report id")
    return value


def _score(params: Params, name: str) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"the request needs '{name}' as a number")
    return float(value)
