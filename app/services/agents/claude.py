"""Claude Code `-p --output-format stream-json --verbose`."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from app.core.events import Event, EventKind, make_event
from app.services.agents.base import JsonLinesParser, as_int, text_of
from app.services.agents.toolcalls import ToolCalls

_K = EventKind
_FILE_TOOLS = {"Edit": "update", "MultiEdit": "update", "Write": "write", "NotebookEdit": "update"}


class ClaudeParser(JsonLinesParser):
    def __init__(self) -> None:
        super().__init__()
        self._calls = ToolCalls(frozenset({"Bash"}), _FILE_TOOLS)

    def on_object(self, obj: dict[str, Any]) -> list[Event] | None:
        kind = obj.get("type")
        if kind == "system":
            return self._system(obj)
        if kind == "assistant":
            return [e for b in obj["message"]["content"] for e in self._assistant_block(b)]
        if kind == "user":
            content = obj["message"]["content"]
            if isinstance(content, str):
                return [make_event(_K.STATUS, text=content)]
            return [e for b in content for e in self._user_block(b)]
        if kind == "result":
            return _result(obj)
        return None

    def _system(self, obj: dict[str, Any]) -> list[Event] | None:
        if obj.get("subtype") == "init":
            return [
                make_event(
                    _K.SESSION, session_id=str(obj["session_id"]), text=text_of(obj.get("model"))
                )
            ]
        return None

    def _assistant_block(self, block: dict[str, Any]) -> list[Event]:
        kind = block.get("type")
        if kind == "text":
            return [make_event(_K.MESSAGE, text_of(block.get("text")))]
        if kind in ("thinking", "redacted_thinking"):
            return [make_event(_K.REASONING, text_of(block.get("thinking")))]
        if kind == "tool_use":
            return [self._tool_use(block)]
        return [make_event(_K.RAW, text=text_of(block))]

    def _tool_use(self, block: dict[str, Any]) -> Event:
        args = block.get("input") or {}
        return self._calls.started(block.get("name", "?"), args, block.get("id"))

    def _user_block(self, block: dict[str, Any]) -> list[Event]:
        if block.get("type") != "tool_result":
            return [make_event(_K.STATUS, text=text_of(block))]
        output = text_of(block.get("content"))
        return [self._calls.finished(block.get("tool_use_id"), output, not block.get("is_error"))]


def _result(obj: dict[str, Any]) -> list[Event]:
    usage = obj.get("usage") or {}
    tokens_in = sum(
        as_int(usage.get(k)) or 0
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    events = [
        make_event(
            _K.USAGE,
            text=text_of(obj.get("subtype")),
            tokens_in=tokens_in,
            tokens_out=as_int(usage.get("output_tokens")),
            cost_usd=obj.get("total_cost_usd"),
            session_id=obj.get("session_id"),
        )
    ]
    if obj.get("is_error") or str(obj.get("subtype", "")).startswith("error"):
        detail = text_of(obj.get("result") or obj.get("subtype"))
        events.append(make_event(_K.ERROR, text=detail, status="fatal"))
    for denial in obj.get("permission_denials") or []:
        what = text_of(denial.get("tool_name")) + " " + text_of(denial.get("tool_input"))
        events.append(make_event(_K.NEEDS_INPUT, text=f"permission denied: {what.strip()}"))
    return events


def isolated_config_env(state_dir: Path, env: dict[str, str]) -> dict[str, str]:
    """Give one Claude Code run its own config folder, seeded from the user's.

    Concurrent Claude Code processes rewrite one shared ~/.claude.json and are
    known to corrupt it; a folder per task keeps parallel runs apart while the
    user's login and settings still apply.
    """
    if "CLAUDE_CONFIG_DIR" in env and env.get("ORCHARD_SHARED_CLAUDE_CONFIG") == "1":
        return env
    source = Path(env.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")
    target = state_dir / "claude"
    if not target.exists():
        target.mkdir(parents=True)
        for name in (".credentials.json", "settings.json", ".claude.json"):
            if (source / name).is_file():
                shutil.copy2(source / name, target / name)
        legacy = Path.home() / ".claude.json"
        if not (target / ".claude.json").exists() and legacy.is_file():
            shutil.copy2(legacy, target / ".claude.json")
    return {**env, "CLAUDE_CONFIG_DIR": str(target)}
