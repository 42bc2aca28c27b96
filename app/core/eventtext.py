"""Plain-text rendering of normalized events, for `orchard task logs`."""

from __future__ import annotations

from typing import Any


def render_event(ev: dict[str, Any]) -> str:
    """Return the human-readable text of one stored event."""
    kind, text = ev.get("kind", "raw"), ev.get("text", "")
    status = ev.get("status")
    if kind == "message":
        return text if status in (None, "completed") else ""
    if kind == "reasoning":
        return f"[thinking] {text}" if status in (None, "completed") else ""
    if kind == "command":
        return _command(ev, text, status)
    if kind == "file_change":
        return f"[{ev.get('change', 'edit')}] {ev.get('path', '')}" if status != "started" else ""
    if kind == "tool_call":
        return f"[{ev.get('tool', 'tool')}] {text}"
    if kind == "usage":
        cost = f", ${ev['cost_usd']:.4f}" if ev.get("cost_usd") is not None else ""
        return f"[usage] {ev.get('tokens_in') or 0} in, {ev.get('tokens_out') or 0} out{cost}"
    if kind == "error":
        return f"[error] {text}"
    if kind == "needs_input":
        return f"[needs input] {text}"
    if kind == "session":
        return f"[session] {ev.get('session_id', '')}"
    if kind == "status":
        return f"-- {text}"
    return str(text)


def _command(ev: dict[str, Any], output: str, status: str | None) -> str:
    command = ev.get("command", "")
    if status in ("started", "in_progress"):
        return f"$ {command}"
    code = ev.get("exit_code")
    tail = "" if code is None else f"[exit {code}]"
    body = "\n".join("  " + line for line in output.rstrip("\n").split("\n")) if output else ""
    return "\n".join(p for p in (f"$ {command}", body, tail) if p)
