"""Triage suggestions from a chat model: the prompt for a batch of reports and its checked answer.

Pure: no I/O. services/triage/suggest.py sends the messages and hands the reply back to parse_reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from app.core.similarity import SimilarityIndex
from app.core.triage import (
    PRIORITIES,
    TRIAGE_FIELDS,
    Report,
    ReportStatus,
    TriageError,
    parse_priority,
)

# A report's body is cut to this many characters in the prompt: a 1 MB paste of a log must
# not cost a fortune or overflow the model's context; the top of a report says the most.
BODY_LIMIT = 4000
TITLE_LIMIT = 300
REASON_LIMIT = 300

SYSTEM_PROMPT = f"""You triage bug reports from a bug bash. For every report you are given,
suggest its category, its priority, the owner best placed to fix it and, when one of the
report's possible duplicates is clearly the same problem, the id of that report.

Answer with one strict JSON object and nothing else, in this shape:
{{"suggestions": [{{"id": 12, "category": "crash", "priority": "P1", "owner": "maya",
"duplicate_of": null, "reason": "one short sentence"}}]}}

Rules:
- one entry per report id given, using that id;
- category: one of the given categories, or null if none fits;
- priority: one of {", ".join(PRIORITIES)} (P0 = data loss, security or a crash for everyone;
  P1 = a main feature broken; P2 = a workaround exists; P3 = cosmetic), or null;
- owner: one of the given owners' names, chosen by their areas, or null;
- duplicate_of: the id of one of the report's possible_duplicates, or null;
- reason: at most one sentence saying why."""


class SuggestionFormatError(ValueError):
    """A model's reply is not the JSON asked for; the message says what is wrong."""


# Where the model's API key is looked for first, before [llm] api_key (names, never values).
KEY_VARIABLES = ("ORCHARD_LLM_API_KEY", "OPENAI_API_KEY")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What a model suggests for one report; None where it has nothing valid to suggest."""

    report_id: int
    category: str | None
    priority: str | None
    owner: str | None
    duplicate_of: int | None
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the suggestion as the JSON object `orchard triage suggest --json` prints."""
        return asdict(self)


def unset_fields(report: Report, suggestion: Suggestion) -> dict[str, str]:
    """Return the suggested category, priority and owner that `report` does not have yet."""
    out = {}
    for name in TRIAGE_FIELDS:
        value = getattr(suggestion, name)
        if value is not None and getattr(report, name) is None:
            out[name] = value
    return out


def duplicate_candidates(
    reports: Sequence[Report], pool: Sequence[Report], k: int = 3
) -> dict[int, list[tuple[int, float]]]:
    """Return, for each of `reports`, the earlier reports of `pool` most like it (id, score)."""
    index = SimilarityIndex.build(
        (r.id, r.title, r.body) for r in pool if r.status is not ReportStatus.DUPLICATE
    )
    out: dict[int, list[tuple[int, float]]] = {}
    for report in reports:
        if report.id not in index:
            index.add(report.id, report.title, report.body)
        similar = index.similar(report.id, k * 2)
        found = [(other, score) for other, score in similar if other < report.id][:k]
        if found:
            out[report.id] = found
    return out


def clip(text: str, limit: int) -> str:
    """Return `text` cut to `limit` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[… {len(text) - limit} more characters cut]"


def build_messages(
    reports: Sequence[Report],
    categories: Sequence[str],
    owners: Mapping[str, str],
    candidates: Mapping[int, Sequence[tuple[int, float]]],
    titles: Mapping[int, str],
) -> list[dict[str, str]]:
    """Return the system and user messages asking for suggestions on `reports`."""
    payload = {
        "categories": list(categories),
        "owners": [{"name": name, "areas": areas} for name, areas in owners.items()],
        "reports": [_report_json(r, candidates.get(r.id, ()), titles) for r in reports],
    }
    user = "Suggest triage for these reports.\n" + json.dumps(payload, ensure_ascii=False)
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _report_json(
    report: Report, similar: Sequence[tuple[int, float]], titles: Mapping[int, str]
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": report.id,
        "title": clip(report.title, TITLE_LIMIT),
        "body": clip(report.body, BODY_LIMIT),
    }
    if report.labels:
        item["labels"] = list(report.labels)
    dupes = [
        {"id": other, "title": clip(titles.get(other, ""), TITLE_LIMIT), "similarity": round(s, 2)}
        for other, s in similar
        if other != report.id
    ]
    if dupes:
        item["possible_duplicates"] = dupes
    return item


_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def parse_reply(
    text: str,
    ids: Collection[int],
    categories: Sequence[str],
    owners: Collection[str],
    candidates: Mapping[int, Collection[int]] | None = None,
) -> list[Suggestion]:
    """Return the valid suggestions in a model's reply; raise SuggestionFormatError if malformed.

    Only `ids` are kept (once each); a category, priority or owner that is not one of the known
    ones becomes None; duplicate_of must be one of the report's `candidates` or an earlier
    report of the same batch.
    """
    items = _items(_decode(text))
    known = set(ids)
    context = _Context(
        {c.lower(): c for c in categories},
        {o.lower(): o for o in owners},
        candidates or {},
        known,
    )
    out: dict[int, Suggestion] = {}
    for item in items:
        suggestion = context.check(item)
        if suggestion is not None and suggestion.report_id not in out:
            out[suggestion.report_id] = suggestion
    return list(out.values())


def _decode(text: str) -> Any:
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text.strip()
    if not body:
        raise SuggestionFormatError("the model's answer is empty")
    try:
        return json.loads(body)
    except ValueError as exc:
        start = body[:60].replace("\n", " ")
        raise SuggestionFormatError(
            f"the model's answer is not valid JSON ({exc.args[0] if exc.args else exc}; "
            f"it starts {start!r})"
        ) from None


def _items(data: Any) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("suggestions"), list):
        return list(data["suggestions"])
    if isinstance(data, list):  # some models drop the wrapping object
        return data
    raise SuggestionFormatError(
        'the model\'s answer is JSON but not {"suggestions": [...]} as asked'
    )


@dataclass(frozen=True, slots=True)
class _Context:
    categories: Mapping[str, str]  # lower-case -> as configured
    owners: Mapping[str, str]
    candidates: Mapping[int, Collection[int]]
    ids: Collection[int]

    def check(self, item: Any) -> Suggestion | None:
        if not isinstance(item, dict):
            return None
        report_id = _report_id(item.get("id"))
        if report_id is None or report_id not in self.ids:
            return None
        return Suggestion(
            report_id,
            _pick(item.get("category"), self.categories),
            _priority(item.get("priority")),
            _pick(item.get("owner"), self.owners),
            self._duplicate(report_id, item.get("duplicate_of")),
            _reason(item.get("reason")),
        )

    def _duplicate(self, report_id: int, value: Any) -> int | None:
        other = _report_id(value)
        if other is None or other == report_id:
            return None
        if other in self.candidates.get(report_id, ()):
            return other
        # Within one batch the earlier report is the original.
        return other if other in self.ids and other < report_id else None


def _report_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("#").isdigit():
        return int(value.strip().lstrip("#"))
    return None


def _pick(value: Any, known: Mapping[str, str]) -> str | None:
    if not isinstance(value, str):
        return None
    return known.get(value.strip().lower())


def _priority(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    try:
        return parse_priority(value)
    except TriageError:
        return None


def _reason(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    line = " ".join(value.split())
    return line if len(line) <= REASON_LIMIT else line[: REASON_LIMIT - 1] + "…"


@dataclass
class SuggestRun:
    """What a run delivered: the suggestions, and one message per batch that failed."""

    suggestions: list[Suggestion] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    batches: int = 0
    requests: int = 0  # every HTTP request sent, retries included

    @property
    def ok(self) -> bool:
        return not self.failures
