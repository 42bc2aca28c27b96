"""Gemini CLI `--output-format stream-json`."""

from __future__ import annotations

from typing import Any

from app.core.events import Event, EventKind, make_event
from app.services.agents.base import JsonLinesParser, as_int, text_of
from app.services.agents.toolcalls import ToolCalls

_K = EventKind
_SHELL_TOOLS = frozenset({"run_shell_command", "shell"})
_FILE_TOOLS = {"write_file": "write", "replace": "update", "edit": "update"}


class GeminiParser(JsonLinesParser):
    """Joins assistant message deltas into one message per turn segment."""

    def __init__(self) -> None:
        super().__init__()
        self._message: list[str] = []
        self._tools = ToolCalls(_SHELL_TOOLS, _FILE_TOOLS)

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
        params = obj.get("parameters") or {}
        return self._tools.started(obj.get("tool_name", "?"), params, obj.get("tool_id"))

    def _tool_result(self, obj: dict[str, Any]) -> Event:
        output = text_of(obj.get("output")) or text_of((obj.get("error") or {}).get("message"))
        return self._tools.finished(obj.get("tool_id"), output, obj.get("status") == "success")
