"""The normalized agent event model every stream parser produces."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple


class EventKind(StrEnum):
    MESSAGE = "message"
    REASONING = "reasoning"
    COMMAND = "command"
    FILE_CHANGE = "file_change"
    TOOL_CALL = "tool_call"
    USAGE = "usage"
    ERROR = "error"
    NEEDS_INPUT = "needs_input"
    SESSION = "session"
    RAW = "raw"
    STATUS = "status"


class AgentEvent(NamedTuple):
    """One thing an agent did or said, whatever CLI it came from.

    Field use by kind: COMMAND has `command`, output in `text`, `exit_code`;
    FILE_CHANGE has `path` and `change` (add, update, delete); TOOL_CALL has
    `tool` and its input or result in `text`; USAGE has token counts and cost;
    SESSION has `session_id`; RAW holds an unparsed line (or lines) in `text`.
    `item_id` ties the started and completed halves of one item together.

    An immutable named tuple rather than a frozen dataclass: agents can emit
    hundreds of thousands of events a second, and a tuple is built several
    times faster.
    """

    kind: EventKind
    text: str = ""
    status: str | None = None
    item_id: str | None = None
    command: str | None = None
    exit_code: int | None = None
    path: str | None = None
    change: str | None = None
    tool: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None
    session_id: str | None = None
    stream: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-ready dict without empty fields."""
        out = {k: v for k, v in zip(_FIELDS, self, strict=True) if v is not None and v != ""}
        out["kind"] = self.kind.value  # a plain str, not the enum
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentEvent:
        """Build an event from `to_dict` output; unknown kinds become RAW."""
        try:
            kind = EventKind(data.get("kind", "raw"))
        except ValueError:
            kind = EventKind.RAW
        kwargs = {f: data[f] for f in _OPTIONAL_FIELDS if f in data}
        return cls(kind, **kwargs)

    def summary(self, width: int = 120) -> str:
        """Return a one-line description for progress displays."""
        return one_line(_summary_text(self), width)


_FIELDS = AgentEvent._fields
_OPTIONAL_FIELDS = _FIELDS[1:]


Event = dict[str, Any]
"""A normalized event as parsers emit it and logs store it: AgentEvent's fields, empty ones
left out. Parsers build these plain dicts because an agent can print hundreds of thousands
of lines a second; AgentEvent.from_dict gives the typed view where one is wanted."""


def make_event(
    kind: EventKind,
    text: str = "",
    status: str | None = None,
    item_id: str | None = None,
    **fields: Any,
) -> Event:
    """Return a normalized event dict without its empty fields."""
    out: Event = {"kind": _KIND_VALUES[kind]}
    if text:
        out["text"] = text
    if status is not None:
        out["status"] = status
    if item_id is not None:
        out["item_id"] = item_id
    for key, value in fields.items():
        if value is not None and value != "":
            out[key] = value
    return out


_KIND_VALUES = {k: k.value for k in EventKind}  # faster than the enum's descriptor


def _summary_text(ev: AgentEvent) -> str:
    match ev.kind:
        case EventKind.COMMAND:
            code = "" if ev.exit_code is None else f" (exit {ev.exit_code})"
            return f"$ {ev.command or ''}{code}"
        case EventKind.FILE_CHANGE:
            return f"{ev.change or 'edit'} {ev.path or ''}"
        case EventKind.TOOL_CALL:
            return f"{ev.tool or 'tool'}: {ev.text}"
        case EventKind.USAGE:
            return f"usage: {ev.tokens_in or 0} in / {ev.tokens_out or 0} out"
        case EventKind.ERROR:
            return f"error: {ev.text}"
        case EventKind.SESSION:
            return f"session {ev.session_id or ''}"
        case _:
            return ev.text


def one_line(text: str, width: int = 120) -> str:
    """Collapse whitespace runs and cut `text` to `width` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: max(width - 1, 0)] + "…"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One event whose text, command, path or tool contains the query."""

    task_id: str
    seq: int
    kind: str
    snippet: str
    line_no: int  # 0-based line in events.jsonl; equals seq for logs TaskLogWriter wrote
