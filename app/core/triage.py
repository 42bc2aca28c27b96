"""Bug-bash triage records: a report, its status, the rules a triage change follows, and what
an import or an export did.

Pure: no I/O. The store keeps reports; services/triage*.py take them in, dispatch and export.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

PRIORITIES = ("P0", "P1", "P2", "P3")

DEFAULT_CATEGORIES = (
    "bug",
    "crash",
    "ui",
    "performance",
    "data loss",
    "security",
    "docs",
    "feature",
    "question",
)

# The prompt an agent gets for a report whose category has no template of its own. The
# fields in braces are filled from the report (see fill_template); {duplicates} holds what the
# reports marked its duplicates add (empty when none).
DEFAULT_TEMPLATE = """Fix this bug report from our bug bash.

Title: {title}
Reported by: {reporter}
Category: {category}, priority: {priority}

{body}

Steps to reproduce:
{steps}
{duplicates}
Find the cause, fix it with the smallest sound change, and add a test that fails without
the fix. Say in your last message what the cause was and how you fixed it."""


class ReportStatus(enum.StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    DISPATCHED = "dispatched"
    FIXED = "fixed"
    WONT_FIX = "wontfix"
    DUPLICATE = "duplicate"

    @property
    def label(self) -> str:
        return "won't fix" if self is ReportStatus.WONT_FIX else self.value


OPEN_STATUSES = frozenset({ReportStatus.NEW, ReportStatus.TRIAGED, ReportStatus.DISPATCHED})
CLOSED_STATUSES = frozenset({ReportStatus.FIXED, ReportStatus.WONT_FIX, ReportStatus.DUPLICATE})


class TriageError(ValueError):
    """A triage change that cannot be made; the message is fit to show."""


@dataclass(frozen=True, slots=True)
class ReportDraft:
    """A report as taken in, before the store gives it an id."""

    title: str
    body: str = ""
    reporter: str = ""
    source: str = "capture"  # capture, paste, file, github
    external_id: str | None = None  # e.g. "octo/app#12": importing it again updates, not adds
    url: str | None = None
    created_at: float | None = None  # when it was filed; None means now
    labels: tuple[str, ...] = ()
    category: str | None = None
    priority: str | None = None
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    project: str
    title: str
    body: str
    reporter: str
    source: str
    external_id: str | None
    url: str | None
    created_at: float  # when it was filed
    imported_at: float  # when Orchard took it in
    labels: tuple[str, ...] = ()
    category: str | None = None
    priority: str | None = None
    owner: str | None = None
    status: ReportStatus = ReportStatus.NEW
    duplicate_of: int | None = None
    triaged_at: float | None = None  # when it first left `new`
    fixed_at: float | None = None
    fix_commit: str | None = None
    pr_url: str | None = None
    tasks: tuple[str, ...] = field(default=())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def to_json(self) -> dict[str, Any]:
        """Return the report as the JSON object `orchard triage list --json` prints."""
        data = asdict(self)
        data["status"] = self.status.value
        data["labels"] = list(self.labels)
        data["tasks"] = list(self.tasks)
        return data


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import did; `complete` is False when it stopped early and can resume."""

    added: int
    updated: int
    unchanged: int
    skipped_pulls: int = 0
    pages: int = 0
    not_modified: int = 0
    complete: bool = True
    message: str = ""
    new_ids: tuple[int, ...] = ()

    def summary(self) -> str:
        """Say in one line what the import took in."""
        parts = [f"{self.added} new", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.skipped_pulls:
            parts.append(f"{self.skipped_pulls} pull requests skipped")
        if self.not_modified:
            parts.append("nothing changed on GitHub since the last import")
        text = ", ".join(parts)
        return f"{text}; {self.message}" if self.message else text

    def to_json(self) -> dict[str, Any]:
        """Return the result as the JSON object the CLI prints."""
        return {**asdict(self), "new_ids": list(self.new_ids)}


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export sent: how many issues got labels, an assignee, a comment."""

    labeled: int = 0
    assigned: int = 0
    commented: int = 0
    unchanged: int = 0
    skipped: int = 0  # reports that did not come from GitHub

    def summary(self) -> str:
        """Say in one line what the export did."""
        return (
            f"{self.labeled} labeled, {self.assigned} assigned, {self.commented} commented, "
            f"{self.unchanged} already up to date, {self.skipped} not from GitHub"
        )

    def to_json(self) -> dict[str, int]:
        """Return the result as the JSON object the CLI prints."""
        return asdict(self)


def parse_priority(text: str) -> str:
    """Return "P0".."P3" for "P2", "p2" or "2"; raise TriageError otherwise."""
    value = text.strip().upper()
    if value.isdigit():
        value = f"P{value}"
    if value not in PRIORITIES:
        raise TriageError(f"'{text}' is not a priority (use P0, P1, P2 or P3)")
    return value


def parse_status(text: str) -> ReportStatus:
    """Return the status named by `text` ("won't fix" and "wontfix" both work)."""
    value = text.strip().lower().replace("'", "").replace(" ", "").replace("_", "")
    for status in ReportStatus:
        if status.value == value:
            return status
    known = ", ".join(s.value for s in ReportStatus)
    raise TriageError(f"'{text}' is not a status (use one of {known})")


TRIAGE_FIELDS = ("category", "priority", "owner")
REQUIRED_FIELDS = ("category", "priority")  # a new report is triaged once these are set


def missing_fields(report: Report, changes: Mapping[str, Any] | None = None) -> list[str]:
    """Return the required fields `report` still lacks (after `changes`, if given)."""
    values = changes or {}
    return [n for n in REQUIRED_FIELDS if values.get(n, getattr(report, n)) is None]


def triage_changes(report: Report, changes: Mapping[str, Any], now: float) -> dict[str, Any]:
    """Return `changes` plus what follows from them for `report`.

    A new report becomes triaged once every required field is set (a priority alone is not
    a triage). Marking a
    duplicate sets the status; clearing duplicate_of on a duplicate makes it triaged again.
    The first change out of `new` stamps triaged_at; becoming fixed stamps fixed_at.
    """
    out = dict(changes)
    if "duplicate_of" in out:
        original = out["duplicate_of"]
        if original is not None:
            if original == report.id:
                raise TriageError(f"report {report.id} cannot be a duplicate of itself")
            out.setdefault("status", ReportStatus.DUPLICATE)
        elif report.status is ReportStatus.DUPLICATE:
            out.setdefault("status", ReportStatus.TRIAGED)
    status = out.get("status", report.status)
    if not isinstance(status, ReportStatus):
        status = parse_status(str(status))
    if (
        "status" not in out
        and report.status is ReportStatus.NEW
        and any(out.get(name) is not None for name in TRIAGE_FIELDS)
        and not missing_fields(report, out)
    ):
        status = ReportStatus.TRIAGED
    if status is not ReportStatus.DUPLICATE and "duplicate_of" not in out and report.duplicate_of:
        out["duplicate_of"] = None
    if status is not report.status or "status" in out:
        out["status"] = status
    if status is not ReportStatus.NEW and report.triaged_at is None:
        out.setdefault("triaged_at", now)
    if status is ReportStatus.FIXED and report.fixed_at is None:
        out.setdefault("fixed_at", now)
    return out


def steps_to_reproduce(body: str) -> str:
    """Return the "steps to reproduce" section of a report's body, or "" if it has none."""
    lines = body.splitlines()
    for i, line in enumerate(lines):
        heading = line.strip().lstrip("#*").strip().rstrip(":*").strip().lower()
        if heading in ("steps to reproduce", "steps", "repro", "to reproduce", "reproduction"):
            rest = []
            for follow in lines[i + 1 :]:
                if follow.lstrip().startswith("#"):
                    break
                rest.append(follow)
            return "\n".join(rest).strip()
    return ""


def fill_template(template: str, report: Report, duplicates: str = "") -> str:
    """Fill a prompt template's {fields} from `report`; unknown braces are left as they are."""
    steps = steps_to_reproduce(report.body) or "(none given; see the report above)"
    values = {
        "title": report.title,
        "body": report.body.strip() or "(no description)",
        "steps": steps,
        "reporter": report.reporter or "unknown",
        "category": report.category or "uncategorized",
        "priority": report.priority or "unset",
        "id": str(report.id),
        "url": report.url or "",
        "duplicates": f"\n{duplicates.strip()}\n" if duplicates.strip() else "",
    }
    out = template
    for name, value in values.items():
        out = out.replace("{" + name + "}", value)
    return out
