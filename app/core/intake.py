"""Taking reports in: a paste, a CSV or JSON file, or GitHub's issue JSON, as ReportDrafts.

Pure: text in, drafts out; a TriageError says what is wrong and where.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from app.core.triage import ReportDraft, TriageError, parse_priority

MAX_REPORTS = 10_000  # at once; more is most likely a log pasted by mistake
MAX_FIELD = 16 * 1024 * 1024  # characters in one CSV field
MAX_TITLE = 200  # a longer first line is cut here and kept whole in the body
MAX_BODY = 1024 * 1024  # characters in one report's body; a longer one is refused
MAX_PROBLEMS = 20  # lines of a refused file's problems shown

# CSV/JSON keys read into a draft, with the other names they go by.
ALIASES = {
    "title": "title",
    "summary": "title",
    "body": "body",
    "description": "body",
    "reporter": "reporter",
    "author": "reporter",
    "created": "created",
    "created_at": "created",
    "category": "category",
    "priority": "priority",
    "owner": "owner",
    "assignee": "owner",
    "url": "url",
    "id": "id",
    "number": "id",
    "external_id": "external_id",
    "labels": "labels",
}
# Columns `orchard triage export --csv` writes that an import leaves alone (Orchard's own state).
IGNORED = frozenset(
    {"source", "status", "duplicate_of", "tasks", "fix_commit", "pr_url", "imported_at"}
)

_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,4}[.)])\s+(.*)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_GITHUB_ISSUE_URL = re.compile(r"github\.com/([^/]+/[^/]+)/(?:issues|pull)/\d+")


def parse_paste(text: str) -> list[ReportDraft]:
    """Split a paste into drafts: Markdown sections, Markdown bullets, or one per line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    filled = [line for line in lines if line.strip()]
    if not filled:
        raise TriageError("nothing to take in: the paste is empty")
    if _HEADING.match(filled[0]):
        chunks = _split(lines, _HEADING)
    elif _BULLET.match(filled[0]):
        chunks = _split(lines, _BULLET)
    else:
        chunks = [(line.strip(), []) for line in filled]
    drafts = [_paste_draft(title, body) for title, body in chunks if title or body]
    return _checked(drafts, "the paste")


def _split(lines: list[str], marker: re.Pattern[str]) -> list[tuple[str, list[str]]]:
    """Cut lines into (title, body lines) where `marker` starts a new report."""
    chunks: list[tuple[str, list[str]]] = []
    for line in lines:
        match = marker.match(line)
        if match:
            chunks.append((match.group(1).strip(), []))
        elif chunks:
            chunks[-1][1].append(line)
    return chunks


def _paste_draft(title: str, body_lines: list[str]) -> ReportDraft:
    body = _dedent("\n".join(body_lines)).strip("\n")
    if not title:
        first, _, rest = body.strip().partition("\n")
        title, body = first.strip(), rest.strip("\n")
    title, body = fit_title(title, body)
    return ReportDraft(title, body, source="paste", external_id=_content_id("paste", title, body))


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)


def fit_title(title: str, body: str) -> tuple[str, str]:
    """Cut an overlong title to MAX_TITLE characters, keeping the whole of it in the body."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE:
        return title, body
    return title[: MAX_TITLE - 1].rstrip() + "…", (title + "\n\n" + body).strip()


def _content_id(source: str, title: str, body: str) -> str:
    """Name a report by its text, so taking the same text in twice does not add it twice."""
    digest = hashlib.sha1(f"{title}\0{body}".encode()).hexdigest()[:16]
    return f"{source}:{digest}"


def _checked(drafts: list[ReportDraft], where: str) -> list[ReportDraft]:
    if not drafts:
        raise TriageError(f"nothing to take in: {where} has no reports")
    if len(drafts) > MAX_REPORTS:
        raise TriageError(
            f"{where} has {len(drafts):,} reports; Orchard takes at most {MAX_REPORTS:,} "
            "at once: split it"
        )
    return drafts


def parse_csv(text: str, name: str) -> list[ReportDraft]:
    """Read a CSV with a header row; `title` is required, unknown columns are refused."""
    # A report may be long (a pasted log); the csv module's default limit is 128 KB per field.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    rows = csv.reader(text.lstrip("\ufeff").splitlines(keepends=True))
    try:
        header = next(rows, None)
        if header is None or not any(cell.strip() for cell in header):
            raise TriageError(f"nothing to take in: {name} is empty")
        keys = _csv_keys(header, name)
        drafts = []
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue
            line = rows.line_num
            if len(row) != len(keys):
                raise TriageError(
                    f"{name} line {line}: {len(row)} fields, but the header has {len(keys)} "
                    "(a comma inside a field needs the field in double quotes)"
                )
            drafts.append(_record_draft(dict(zip(keys, row, strict=True)), f"{name} line {line}"))
    except csv.Error as exc:
        raise TriageError(f"{name} line {rows.line_num}: not valid CSV ({exc})") from None
    return _checked(drafts, name)


def _csv_keys(header: list[str], name: str) -> list[str]:
    keys = [cell.strip().lower().replace(" ", "_") for cell in header]
    if "title" not in {ALIASES.get(k) for k in keys}:
        raise TriageError(
            f"{name}: no `title` column; the first row must name the columns "
            f"(it has: {', '.join(header)})"
        )
    unknown = [
        h for h, k in zip(header, keys, strict=True) if k not in ALIASES and k not in IGNORED
    ]
    if unknown:
        listed = ", ".join(f"'{u}'" for u in unknown)
        raise TriageError(
            f"{name}: unknown {'column' if len(unknown) == 1 else 'columns'} {listed}; "
            "rename or remove them "
            f"(known: {', '.join(sorted(set(ALIASES.values())))})"
        )
    return keys


def parse_json(text: str, name: str) -> list[ReportDraft]:
    """Read a JSON list of report objects (our keys, or GitHub's issue JSON)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TriageError(f"{name} is not valid JSON ({exc})") from None
    if not isinstance(data, list):
        kind = type(data).__name__.replace("dict", "an object").replace("str", "a string")
        raise TriageError(f'{name} holds {kind}, not a list of reports ([{{"title": …}}, …])')
    drafts, problems = [], []
    for i, item in enumerate(data, 1):
        where = f"{name} item {i}"
        try:
            draft = _json_draft(item, where)
        except TriageError as exc:
            problems.append(str(exc))
            continue
        if draft is not None:
            drafts.append(draft)
    if problems:
        raise TriageError(_problems(problems, name))
    return _checked(drafts, name)


def _json_draft(item: Any, where: str) -> ReportDraft | None:
    if not isinstance(item, dict):
        raise TriageError(f"{where} is not an object with a title")
    if "number" in item and ("html_url" in item or "user" in item):
        return draft_from_github_issue(item, _repo_of(item))
    return _record_draft(item, where)


def _problems(problems: list[str], name: str) -> str:
    """Say every problem of a file, one a line; nothing of it is taken in."""
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(f"… and {len(problems) - MAX_PROBLEMS} more")
    head = f"{name}: nothing taken in; fix these and import again:"
    return "\n".join([head, *shown])


def _repo_of(item: Mapping[str, Any]) -> str:
    match = _GITHUB_ISSUE_URL.search(str(item.get("html_url") or ""))
    return match.group(1) if match else "github"


def _record_draft(record: Mapping[str, Any], where: str) -> ReportDraft:
    """Build a draft from one CSV row or JSON object (keys among ALIASES)."""
    values: dict[str, Any] = {}
    for key, value in record.items():
        known = ALIASES.get(str(key).strip().lower().replace(" ", "_"))
        if known and value is not None and value != "":
            values[known] = value
    title = _text(values.get("title"), where, "title")
    body = _text(values.get("body"), where, "body")
    if not title.strip():
        raise TriageError(f"{where}: no title (each report needs a `title`)")
    if len(body) > MAX_BODY:
        raise TriageError(
            f"{where}: the body is {len(body) / 2**20:.1f} MB; Orchard takes bodies up to "
            f"{MAX_BODY // 2**20} MB (trim the pasted log)"
        )
    title, body = fit_title(title, body)
    try:
        priority = parse_priority(str(values["priority"])) if "priority" in values else None
    except TriageError as exc:
        raise TriageError(f"{where}: {exc}") from None
    ident = values.get("external_id") or values.get("id") or values.get("url")
    return ReportDraft(
        title,
        body,
        reporter=_text(values.get("reporter"), where, "reporter").strip(),
        source="file",
        external_id=str(ident).strip() if ident else _content_id("file", title, body),
        url=_text(values.get("url"), where, "url").strip() or None,
        created_at=_time(values.get("created"), where),
        labels=_labels(values.get("labels")),
        category=_text(values.get("category"), where, "category").strip() or None,
        priority=priority,
        owner=_text(values.get("owner"), where, "owner").strip() or None,
    )


def _text(value: Any, where: str, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise TriageError(f"{where}: `{key}` must be text, not {type(value).__name__}")


def _labels(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items: Iterable[Any] = value if isinstance(value, list) else str(value).split(",")
    names = (i.get("name", "") if isinstance(i, dict) else str(i) for i in items)
    return tuple(n.strip() for n in names if n and n.strip())


def _time(value: Any, where: str) -> float | None:
    """Read a time as epoch seconds or ISO 8601 ("2024-05-01", "2024-05-01T10:00:00Z")."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TriageError(
            f"{where}: '{text}' is not a date (use 2024-05-01 or 2024-05-01T10:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def draft_from_github_issue(item: Mapping[str, Any], repo: str) -> ReportDraft | None:
    """Build a draft from one item of GitHub's issues list; None for a pull request."""
    if "pull_request" in item:
        return None
    number, title = item.get("number"), item.get("title")
    if not isinstance(number, int) or not isinstance(title, str):
        raise TriageError(
            f"GitHub sent an issue of {repo} without a number or a title: {item!r:.120}"
        )
    labels = _labels(item.get("labels") if isinstance(item.get("labels"), list) else None)
    body = item.get("body")
    title, body = fit_title(title, body if isinstance(body, str) else "")
    return ReportDraft(
        title or f"(untitled issue {number})",
        body,
        reporter=_login(item.get("user")),
        source="github",
        external_id=f"{repo}#{number}",
        url=item.get("html_url") if isinstance(item.get("html_url"), str) else None,
        created_at=_time(item.get("created_at"), f"{repo}#{number}"),
        labels=labels,
        category=_label_value(labels, "category"),
        priority=_label_priority(labels),
        owner=_assignee(item) or None,
    )


def _login(user: Any) -> str:
    return str(user.get("login") or "") if isinstance(user, dict) else ""


def _assignee(item: Mapping[str, Any]) -> str:
    assignees = item.get("assignees")
    if isinstance(assignees, list) and assignees:
        return _login(assignees[0])
    return _login(item.get("assignee"))


def _label_value(labels: tuple[str, ...], prefix: str) -> str | None:
    """Return X of a "prefix: X" label (what `orchard triage export --github` writes)."""
    for label in labels:
        key, sep, value = label.partition(":")
        if sep and key.strip().lower() == prefix and value.strip():
            return value.strip()
    return None


def _label_priority(labels: tuple[str, ...]) -> str | None:
    for label in labels:
        text = label.partition(":")[2] if label.lower().startswith("priority:") else label
        if text.strip().upper().startswith("P"):
            try:
                return parse_priority(text)
            except TriageError:
                continue
    return None
