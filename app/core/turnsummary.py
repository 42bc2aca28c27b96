"""What the board shows of a running turn, gathered from its events between saves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core.events import Event
from app.core.headline import headline
from app.core.task import Task

# Kinds that carry nothing for the summary except, perhaps, the headline.
_PLAIN = frozenset({"raw", "message", "reasoning", "status", "tool_call"})
_NO_HEADLINE = frozenset({"usage"})


def _headlines(ev: Event) -> bool:
    """Say whether an event may be the task's 'last event' line."""
    kind = ev["kind"]
    if kind == "status":
        return "status" not in ev  # state notes are shown as the state itself
    if kind == "raw":
        return "stream" not in ev  # stderr is too noisy to headline
    return kind not in _NO_HEADLINE


@dataclass
class Summary:
    """What the board shows of a running task; flushed to the store in batches."""

    changes: dict[str, Any] = field(default_factory=dict)
    needs_input: str | None = None
    fatal: str | None = None
    last_error: str | None = None
    touched: bool = False  # files may have changed since the last diff stat

    def take(self) -> dict[str, Any]:
        """Hand over the changes gathered since the last call."""
        out, self.changes = self.changes, {}
        return out

    def absorb(self, events: list[Event], task: Task) -> None:
        """Gather what a batch of `task`'s events changes: usage, session, errors, headline."""
        for ev in events:
            if ev["kind"] not in _PLAIN:
                self._absorb(ev, task)
        for ev in reversed(events):  # only the batch's last one is worth a headline
            if _headlines(ev) and self._headline(ev):
                break

    def _absorb(self, ev: Event, task: Task) -> None:
        c, kind = self.changes, ev["kind"]
        if kind == "usage":
            for name in ("tokens_in", "tokens_out", "cost_usd"):
                if ev.get(name) is not None:
                    c[name] = (c.get(name) or getattr(task, name) or 0) + ev[name]
        if ev.get("session_id"):
            c["session_id"] = ev["session_id"]
        if kind == "needs_input":
            self.needs_input = ev.get("text", "")
        elif kind == "error":
            self.last_error = ev.get("text", "")
            if ev.get("status") == "fatal":
                self.fatal = self.last_error
        elif kind in ("file_change", "command"):
            self.touched = True

    def _headline(self, ev: Event) -> bool:
        """Make `ev` the task's last event, unless it has nothing to say; say whether it did."""
        if ev["kind"] == "raw":
            text = ev.get("text", "").rstrip("\r\n")
            line = text[text.rfind("\n") + 1 :][:200].rstrip("\r")
        else:
            line = headline(ev, 200)
        if line:
            self.changes["last_event"] = line
        return bool(line)
