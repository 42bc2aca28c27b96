"""Plain-text rendering of normalized events: `orchard task logs`, the log's summaries."""

from __future__ import annotations

import time
from typing import Any

from app.core.events import one_line


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


PLUMBING_KINDS = ("status", "session")  # the run's own bookkeeping, not the agent's work
_STARTS = ("queued", "preparing", "running")


def plumbing_piece(ev: dict[str, Any]) -> str:
    """Return the few words a bookkeeping event adds to its run's one-line summary, or ""."""
    if ev.get("kind") == "session":
        session = ev.get("session_id", "")
        return f"session {session[:8]}…" if len(session) > 9 else f"session {session}"
    text, state = ev.get("text", ""), ev.get("status")
    if state in _STARTS:
        ts = ev.get("ts")
        return "Started " + time.strftime("%H:%M", time.localtime(ts)) if ts else "Started"
    if state:
        return str(state)
    if text.startswith("worktree "):
        path = text.split(" ")[1].rstrip("/")
        return f"worktree …/{path.rsplit('/', 1)[-1]}"
    return one_line(text, 60)


def age_label(seconds: float) -> str:
    """Return a short relative age: "now", "5m", "3h", "2d"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "now"
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 24 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"
