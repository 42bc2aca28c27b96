"""The parser contract, and the base for agents that print one JSON object per line."""

from __future__ import annotations

from typing import Any

import orjson

from app.core.events import Event, EventKind, make_event
from app.services.agents.framing import LineSplitter, decode


class StreamParser:
    """Turns an agent's stdout bytes into normalized events."""

    def feed(self, chunk: bytes) -> list[Event]:
        """Return the events completed by `chunk`."""
        raise NotImplementedError

    def close(self) -> list[Event]:
        """Return events still pending at end of stream."""
        return []


class JsonLinesParser(StreamParser):
    """Parses JSON lines; anything it cannot read becomes a RAW event, never an error."""

    def __init__(self) -> None:
        self._lines = LineSplitter()

    def feed(self, chunk: bytes) -> list[Event]:
        out: list[Event] = []
        loads, on_object, slow = orjson.loads, self.on_object, self._line
        for line in self._lines.feed(chunk):
            if line[:1] != b"{":
                out += slow(line)
                continue
            # The fast path for the usual line, one JSON object; anything odd
            # takes the careful path in _line.
            try:
                events = on_object(loads(line))
            except (
                orjson.JSONDecodeError,
                KeyError,
                TypeError,
                ValueError,
                AttributeError,
                RecursionError,
            ):
                events = None
            if events is None:
                out += [*self.flush(), raw(decode(line))]
            else:
                out += events
        return out

    def close(self) -> list[Event]:
        out: list[Event] = []
        for line in self._lines.close():
            out.extend(self._line(line))
        return out + self.flush()

    def flush(self) -> list[Event]:
        """Return events a subclass held back waiting for more input."""
        return []

    def _line(self, line: bytes) -> list[Event]:
        if line[:1] != b"{" and not line.strip():
            return []
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            obj = None
        events = None
        if isinstance(obj, dict):
            try:
                events = self.on_object(obj)
            except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
                events = None  # a known type in an unexpected shape: keep it verbatim
        if events is None:
            return [*self.flush(), raw(decode(line))]
        return events

    def on_object(self, obj: dict[str, Any]) -> list[Event] | None:
        """Map one JSON object to events; None means 'not understood, keep raw'."""
        raise NotImplementedError


def raw(text: str, stream: str | None = None) -> Event:
    """Return a RAW event for text Orchard did not interpret."""
    return make_event(EventKind.RAW, text=text, stream=stream)


def text_of(value: Any) -> str:
    """Flatten a string, a list of content blocks or a dict into display text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value if v is not None)
    if isinstance(value, dict):
        if "text" in value:
            return text_of(value["text"])
        if "content" in value:
            return text_of(value["content"])
        return orjson.dumps(value).decode()
    return str(value)


def as_int(value: Any) -> int | None:
    """Return `value` as an int when it is a number, else None."""
    if type(value) is int:  # the usual case, first: no bool, no union check
        return value
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
