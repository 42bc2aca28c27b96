"""Plain-text agents (aider, shell): output kept as RAW events, a chunk of lines at a time."""

from __future__ import annotations

from app.core.events import Event
from app.services.agents.base import StreamParser, raw
from app.services.agents.framing import MAX_LINE_BYTES


class TextParser(StreamParser):
    """Emits one RAW event per chunk of whole lines: a million lines cost a few thousand events."""

    def __init__(self, stream: str | None = None) -> None:
        self._pending = bytearray()
        self._stream = stream

    def feed(self, chunk: bytes) -> list[Event]:
        self._pending += chunk
        end = self._pending.rfind(b"\n")
        if end < 0:
            return self.close() if len(self._pending) >= MAX_LINE_BYTES else []
        text = self._pending[:end].decode("utf-8", errors="replace")
        del self._pending[: end + 1]
        return [raw(text, self._stream)]

    def close(self) -> list[Event]:
        if not self._pending:
            return []
        text = self._pending.decode("utf-8", errors="replace")
        self._pending = bytearray()
        return [raw(text, self._stream)]
