"""Gemini CLI `--output-format stream-json`."""

from __future__ import annotations

from typing import Any

from app.core.events import Event, EventKind, make_event
from app.services.agents.base import JsonLinesParser, as_int, text_of

_K = EventKind
_SHELL_TOOLS = {"run_shell_command", "shell"}
_FILE_TOOLS = {"write_file": "write", "replace": "update", "edit": "update"}


class GeminiParser(JsonLinesParser):
    """Joins assistant message deltas into one message per turn segment."""

    def __init__(self) -> None:
        super().__init__()
        self._message: list[str] = []
        self._tools: dict[str, tuple[str, dict[str, Any]]] = {}

    def on_object(self, obj: dict[str, Any]) -> list[Event] | None:
        if obj.get("type") == "message":
            return self._on_message(obj)
        event = self._event(obj.get("type"), obj)
        return None if event is None else [*self.flush(), event]

    def flush(self) -> list[Event]:
        if not self._message:
            return []
        text, self._message = "".join(self._message), []
        return [make_event(_K.MESSAGE, text)]

    def _on_message(self, obj: dict[str, Any]) -> list[Event]:
        if obj.get("role") != "assistant":
            return []  # the prompt echoed back
        if obj.get("delta"):
            self._message.append(text_of(obj.get("content")))
            return []
        return [*self.flush(), make_event(_K.MESSAGE, text_of(obj.get("content")))]

    def _event(self, kind: Any, obj: dict[str, Any]) -> Event | None:
        match kind:
            case "init":
                return make_event(
                    _K.SESSION, session_id=str(obj["session_id"]), text=text_of(obj.get("model"))
                )
            case "tool_use":
                return self._tool_use(obj)
            case "tool_result":
                return self._tool_result(obj)
            case "error":
                return make_event(_K.ERROR, text_of(obj.get("message")), obj.get("severity"))
            case "result":
                return self._result(obj)
        return None

    def _result(self, obj: dict[str, Any]) -> Event:
        stats = obj.get("stats") or {}
        if obj.get("status") == "error":
            detail = text_of((obj.get("error") or {}).get("message")) or "the run failed"
            return make_event(_K.ERROR, detail, "fatal")
        return make_event(
            _K.USAGE,
            text_of(obj.get("status")),
            tokens_in=as_int(stats.get("input_tokens")),
            tokens_out=as_int(stats.get("output_tokens")),
        )

    def _tool_use(self, obj: dict[str, Any]) -> Event:
        name, params, tool_id = (
            obj.get("tool_name", "?"),
            obj.get("parameters") or {},
            obj.get("tool_id"),
        )
        self._tools[str(tool_id)] = (name, params)
        if name in _SHELL_TOOLS:
            return make_event(
                _K.COMMAND,
                status="started",
                item_id=tool_id,
                command=text_of(params.get("command")),
            )
        if name in _FILE_TOOLS:
            return make_event(
                _K.FILE_CHANGE,
                status="started",
                item_id=tool_id,
                path=text_of(params.get("file_path")),
                change=_FILE_TOOLS[name],
            )
        return make_event(_K.TOOL_CALL, text_of(params), "started", tool_id, tool=name)

    def _tool_result(self, obj: dict[str, Any]) -> Event:
        tool_id = obj.get("tool_id")
        name, params = self._tools.pop(str(tool_id), ("?", {}))
        ok = obj.get("status") == "success"
        output = text_of(obj.get("output")) or text_of((obj.get("error") or {}).get("message"))
        if name in _SHELL_TOOLS:
            return make_event(
                _K.COMMAND,
                output,
                "completed",
                tool_id,
                command=text_of(params.get("command")),
                exit_code=0 if ok else 1,
            )
        if name in _FILE_TOOLS:
            path = text_of(params.get("file_path"))
            status = "completed" if ok else "failed"
            return make_event(
                _K.FILE_CHANGE, output, status, tool_id, path=path, change=_FILE_TOOLS[name]
            )
        if not ok:
            return make_event(_K.ERROR, output, "failed", tool_id, tool=name)
        return make_event(_K.TOOL_CALL, output, "completed", tool_id, tool=name)
