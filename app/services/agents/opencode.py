"""OpenCode `run --format json`: steps, text, tool parts."""

from __future__ import annotations

from typing import Any

from app.core.events import Event, EventKind, make_event
from app.services.agents.base import JsonLinesParser, as_int, text_of

_K = EventKind
_FILE_TOOLS = {"edit": "update", "write": "write", "patch": "update"}


class OpenCodeParser(JsonLinesParser):
    def __init__(self) -> None:
        super().__init__()
        self._session_seen = False

    def on_object(self, obj: dict[str, Any]) -> list[Event] | None:
        kind = obj.get("type")
        part = obj.get("part") or {}
        events = self._session(obj)
        match kind:
            case "step_start":
                return events
            case "text":
                return [*events, make_event(_K.MESSAGE, text_of(part.get("text")))]
            case "reasoning":
                return [*events, make_event(_K.REASONING, text_of(part.get("text")))]
            case "tool_use":
                return [*events, _tool(part)]
            case "step_finish":
                return [*events, _usage(part)]
            case "error":
                error = _error_text(obj.get("error"))
                return [*events, make_event(_K.ERROR, error, "fatal")]
        return None

    def _session(self, obj: dict[str, Any]) -> list[Event]:
        session = obj.get("sessionID")
        if self._session_seen or not session:
            return []
        self._session_seen = True
        return [make_event(_K.SESSION, session_id=str(session))]


def _tool(part: dict[str, Any]) -> Event:
    name = str(part.get("tool", "?"))
    state = part.get("state") or {}
    args = state.get("input") or {}
    status = str(state.get("status", "completed"))
    call_id = part.get("callID")
    output = text_of(state.get("output") or state.get("error"))
    if name == "bash":
        exit_code = as_int((state.get("metadata") or {}).get("exit"))
        return make_event(
            _K.COMMAND,
            output,
            status,
            call_id,
            command=text_of(args.get("command")),
            exit_code=exit_code,
        )
    if name in _FILE_TOOLS:
        return make_event(
            _K.FILE_CHANGE,
            status=status,
            item_id=call_id,
            path=text_of(args.get("filePath") or args.get("file_path")),
            change=_FILE_TOOLS[name],
        )
    return make_event(_K.TOOL_CALL, output or text_of(args), status, call_id, tool=name)


def _usage(part: dict[str, Any]) -> Event:
    tokens = part.get("tokens") or {}
    cache = tokens.get("cache") or {}
    tokens_in = (as_int(tokens.get("input")) or 0) + (as_int(cache.get("read")) or 0)
    cost = part.get("cost")
    return make_event(
        _K.USAGE,
        text_of(part.get("reason")),
        tokens_in=tokens_in,
        tokens_out=as_int(tokens.get("output")),
        cost_usd=float(cost) if isinstance(cost, int | float) else None,
    )


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        data = error.get("data") or {}
        return text_of(data.get("message") or error.get("message") or error.get("name"))
    return text_of(error)
