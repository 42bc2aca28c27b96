"""Pairing tool calls with their results, for agents that report the two separately."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.events import Event, EventKind, make_event
from app.services.agents.base import text_of

_K = EventKind


class ToolCalls:
    """Turns a call into a started event and its result into the finished one.

    Shell tools become commands, file tools file changes (path from `file_path`),
    anything else a tool call; a failed result of another tool is an error.
    """

    def __init__(self, shell: frozenset[str], files: Mapping[str, str]) -> None:
        self._shell = shell
        self._files = files
        self._open: dict[str, tuple[str, dict[str, Any]]] = {}  # id -> (tool, input)

    def started(self, name: str, args: dict[str, Any], tool_id: Any) -> Event:
        """Record a call and return its 'started' event."""
        self._open[str(tool_id)] = (name, args)
        if name in self._shell:
            command = text_of(args.get("command"))
            return make_event(_K.COMMAND, status="started", item_id=tool_id, command=command)
        if name in self._files:
            path = text_of(args.get("file_path"))
            return make_event(
                _K.FILE_CHANGE,
                status="started",
                item_id=tool_id,
                path=path,
                change=self._files[name],
            )
        return make_event(_K.TOOL_CALL, text_of(args), "started", tool_id, tool=name)

    def finished(self, tool_id: Any, output: str, ok: bool) -> Event:
        """Return the event that completes call `tool_id` (an unknown id gives tool '?')."""
        name, args = self._open.pop(str(tool_id), ("?", {}))
        status = "completed" if ok else "failed"
        if name in self._shell:
            return make_event(
                _K.COMMAND,
                output,
                "completed",
                tool_id,
                command=text_of(args.get("command")),
                exit_code=0 if ok else 1,
            )
        if name in self._files:
            return make_event(
                _K.FILE_CHANGE,
                output,
                status,
                tool_id,
                path=text_of(args.get("file_path")),
                change=self._files[name],
            )
        return make_event(_K.TOOL_CALL if ok else _K.ERROR, output, status, tool_id, tool=name)
