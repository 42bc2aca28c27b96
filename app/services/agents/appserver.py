"""Codex `app-server`: its JSON-RPC notifications as the same events `exec --json` gives.

Every line the app-server prints is a JSON-RPC message: a notification (no id), a request of
the server's (an approval; it has an id and a method), or the response to one of Orchard's
requests (an id, no method). Notifications become events here, with the same kinds, texts and
statuses CodexParser gives for the `exec --json` run of the same session; requests and
responses go to `on_message`, which the driver of the conversation sets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from app.core.events import Event, EventKind, make_event
from app.services.agents.base import JsonLinesParser, as_int, text_of
from app.services.agents.codex import command_event

_K = EventKind
Message = dict[str, Any]
# Said by the app-server but not by `exec --json`, or said there in another form: consumed.
_QUIET = frozenset(
    {
        "item/agentMessage/delta",  # exec gives the whole message once, when completed
        "item/commandExecution/outputDelta",
        "item/fileChange/outputDelta",
        "item/fileChange/patchUpdated",
        "item/reasoning/summaryTextDelta",
        "item/reasoning/summaryPartAdded",
        "item/reasoning/textDelta",
        "item/plan/delta",
        "thread/status/changed",
        "thread/tokenUsage/updated",  # counted; said once, when the turn completes
        "account/rateLimits/updated",
        "serverRequest/resolved",
        "remoteControl/status/changed",
        "configWarning",
        "mcpServer/startupStatus/updated",
        "thread/name/updated",
        "turn/diff/updated",
        "turn/plan/updated",
        "skills/changed",
    }
)
_SILENT_ITEMS = frozenset({"userMessage", "hookPrompt", "contextCompaction", "enteredReviewMode"})
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class AppServerParser(JsonLinesParser):
    def __init__(self) -> None:
        super().__init__()
        self.on_message: Callable[[Message], None] = lambda _message: None
        self._usage_base: tuple[int, int] | None = None  # the thread's totals before this turn
        self._usage: tuple[int, int] | None = None  # ... and now
        self._said_error = ""

    def on_object(self, obj: dict[str, Any]) -> list[Event] | None:
        method = obj.get("method")
        if "id" in obj:  # a request of the server's, or a response to Orchard's
            self.on_message(obj)
            return []
        if not isinstance(method, str):
            return None
        params = obj.get("params") or {}
        if method in _ITEM_PHASES:
            if method == "item/started":
                self.on_message(obj)  # a file change's diff, for its approval request
            return _item(params["item"], _ITEM_PHASES[method])
        if method in _QUIET:
            if method == "thread/tokenUsage/updated":
                self._count(params["tokenUsage"])
            return []
        events = self._notification(method, params)
        if method == "turn/completed":
            self.on_message(obj)
        return events

    def _notification(self, method: str, params: dict[str, Any]) -> list[Event] | None:
        if method == "thread/started":
            return [make_event(_K.SESSION, session_id=str(params["thread"]["id"]))]
        if method == "turn/started":
            self._usage_base = self._usage
            return [make_event(_K.STATUS, text="turn started")]
        if method == "turn/completed":
            return self._turn_completed(params["turn"])
        if method == "error":
            message = text_of((params.get("error") or {}).get("message"))
            self._said_error = message
            return [make_event(_K.ERROR, text=message)]
        return None

    def _count(self, usage: dict[str, Any]) -> None:
        total, last = usage.get("total") or {}, usage.get("last") or {}
        now = (as_int(total.get("inputTokens")) or 0, as_int(total.get("outputTokens")) or 0)
        if self._usage_base is None:  # the first count of this process: what came before it
            last_in = as_int(last.get("inputTokens")) or 0
            self._usage_base = (now[0] - last_in, now[1] - (as_int(last.get("outputTokens")) or 0))
        self._usage = now

    def _turn_completed(self, turn: dict[str, Any]) -> list[Event]:
        status = turn.get("status")
        if status == "failed":
            error = turn.get("error") or {}
            message = text_of(error.get("message")) or self._said_error or "the turn failed"
            return [make_event(_K.ERROR, text=message, status="fatal")]
        if self._usage is None:
            return [make_event(_K.USAGE)]
        base = self._usage_base or (0, 0)
        tokens_in, tokens_out = self._usage[0] - base[0], self._usage[1] - base[1]
        self._usage_base = self._usage
        return [make_event(_K.USAGE, tokens_in=tokens_in, tokens_out=tokens_out)]


_ITEM_PHASES = {"item/started": "started", "item/completed": "completed"}


def _status(value: Any, phase: str) -> str:
    """Return an item's status as exec spells it: inProgress gives in_progress."""
    return _CAMEL.sub("_", value).lower() if isinstance(value, str) and value else phase


def _item(item: dict[str, Any], phase: str) -> list[Event] | None:
    kind = item["type"]
    item_id = item.get("id")
    status = _status(item.get("status"), phase)
    match kind:
        case "commandExecution":
            return [_command(item, status)]
        case "agentMessage":
            # exec says a message once, whole; the app-server also starts it empty.
            if phase == "started":
                return []
            text = item.get("text")
            text = text if type(text) is str else text_of(text)
            return [{"kind": "message", "text": text, "status": phase, "item_id": item_id}]
        case "reasoning":
            if phase == "started":
                return []
            text = text_of(item.get("summary") or item.get("content"))
            return [{"kind": "reasoning", "text": text, "status": phase, "item_id": item_id}]
        case "fileChange":
            return [_file(c, status, item_id) for c in item.get("changes") or []]
        case "mcpToolCall":
            tool = f"{item.get('server', 'mcp')}.{item.get('tool', '?')}"
            detail = item.get("error") or item.get("result") or item.get("arguments") or ""
            return [make_event(_K.TOOL_CALL, text_of(detail), status, item_id, tool=tool)]
        case "webSearch":
            query = text_of(item.get("query"))
            return [make_event(_K.TOOL_CALL, query, status, item_id, tool="web_search")]
        case "error":
            return [make_event(_K.ERROR, text_of(item.get("message")), status, item_id)]
    return [] if kind in _SILENT_ITEMS else None


def _command(item: dict[str, Any], status: str) -> Event:
    output, command, code = item.get("aggregatedOutput"), item.get("command"), item.get("exitCode")
    return command_event(item.get("id"), command, output, code, status)


def _file(change: dict[str, Any], status: str, item_id: str | None) -> Event:
    kind = change.get("kind")
    if isinstance(kind, dict):
        kind = kind.get("type")
    return make_event(
        _K.FILE_CHANGE,
        status=status,
        item_id=item_id,
        path=text_of(change.get("path")),
        change=text_of(kind) or "update",
    )
