"""Codex `exec --json`: thread, turn and item events."""

from __future__ import annotations

from typing import Any

from app.core.events import Event, EventKind, make_event
from app.services.agents.base import JsonLinesParser, as_int, text_of

_K = EventKind


class CodexParser(JsonLinesParser):
    def on_object(self, obj: dict[str, Any]) -> list[Event] | None:
        kind = obj.get("type")
        if kind in _ITEM_PHASES:  # by far the most frequent: check it first
            return _item(obj["item"], _ITEM_PHASES[kind])
        if kind == "thread.started":
            return [make_event(_K.SESSION, session_id=str(obj["thread_id"]))]
        if kind == "turn.started":
            return [make_event(_K.STATUS, text="turn started")]
        if kind == "turn.completed":
            return [_usage(obj.get("usage") or {})]
        if kind == "turn.failed":
            message = text_of((obj.get("error") or {}).get("message")) or "the turn failed"
            return [make_event(_K.ERROR, text=message, status="fatal")]
        if kind == "error":
            return [make_event(_K.ERROR, text=text_of(obj.get("message")))]
        return None


_ITEM_PHASES = {"item.started": "started", "item.updated": "updated", "item.completed": "completed"}


def _usage(usage: dict[str, Any]) -> Event:
    tokens_in = as_int(usage.get("input_tokens"))
    return make_event(
        _K.USAGE,
        tokens_in=tokens_in,
        tokens_out=as_int(usage.get("output_tokens")),
    )


def _item(item: dict[str, Any], phase: str) -> list[Event] | None:
    kind = item.get("type") or item.get("item_type")
    item_id = item.get("id")
    status = item.get("status") or phase
    match kind:
        case "command_execution":
            return [_command(item, status)]
        case "agent_message" | "assistant_message" | "reasoning":
            text = item.get("text")
            kind = "reasoning" if kind == "reasoning" else "message"
            return [
                {
                    "kind": kind,
                    "text": text if type(text) is str else text_of(text),
                    "status": phase,
                    "item_id": item_id,
                }
            ]
        case "file_change":
            return [_file(c, status, item_id) for c in item.get("changes") or []]
        case "mcp_tool_call":
            tool = f"{item.get('server', 'mcp')}.{item.get('tool', '?')}"
            detail = item.get("error") or item.get("result") or item.get("arguments") or ""
            return [make_event(_K.TOOL_CALL, text_of(detail), status, item_id, tool=tool)]
        case "web_search":
            return [
                make_event(
                    _K.TOOL_CALL, text_of(item.get("query")), status, item_id, tool="web_search"
                )
            ]
        case "todo_list":
            lines = [
                ("[x] " if t.get("completed") else "[ ] ") + text_of(t.get("text"))
                for t in item.get("items") or []
            ]
            return [make_event(_K.TOOL_CALL, "\n".join(lines), status, item_id, tool="todo_list")]
        case "error":
            return [make_event(_K.ERROR, text_of(item.get("message")), status, item_id)]
    return None


def _command(item: dict[str, Any], status: str) -> Event:
    # The most frequent event of all: built as a literal, not through make_event.
    output, command, code = (
        item.get("aggregated_output"),
        item.get("command"),
        item.get("exit_code"),
    )
    return command_event(item.get("id"), command, output, code, status)


def command_event(item_id: Any, command: Any, output: Any, code: Any, status: str) -> Event:
    """Return a command's normalized event (Codex's exec items and app-server items alike)."""
    event = {
        "kind": "command",
        "status": status,
        "item_id": item_id,
        "command": command if type(command) is str else text_of(command),
    }
    if output:
        event["text"] = output if type(output) is str else text_of(output)
    if code is not None:
        event["exit_code"] = as_int(code)
    return event


def _file(change: dict[str, Any], status: str, item_id: str | None) -> Event:
    return make_event(
        _K.FILE_CHANGE,
        status=status,
        item_id=item_id,
        path=text_of(change.get("path")),
        change=text_of(change.get("kind")) or "update",
    )
