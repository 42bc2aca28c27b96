"""Split a byte stream into lines without trusting its size or encoding."""

from __future__ import annotations

# A line this long with no newline is flushed in pieces rather than held:
# memory stays bounded whatever an agent prints.
MAX_LINE_BYTES = 16 * 1024 * 1024


class LineSplitter:
    """Turn arbitrary chunks into complete lines (without the newline)."""

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_line

    def feed(self, chunk: bytes) -> list[bytes]:
        """Return every line completed by `chunk`."""
        self._buf += chunk
        end = self._buf.rfind(b"\n")
        if end < 0:
            return self._overflow()
        lines = bytes(self._buf[:end]).split(b"\n")
        del self._buf[: end + 1]
        return lines + self._overflow()

    def close(self) -> list[bytes]:
        """Return the unterminated last line, if any."""
        rest, self._buf = bytes(self._buf), bytearray()
        return [rest] if rest else []

    def _overflow(self) -> list[bytes]:
        if len(self._buf) < self._max:
            return []
        piece, self._buf = bytes(self._buf), bytearray()
        return [piece]


def decode(line: bytes) -> str:
    """Decode a line as UTF-8, replacing what is not, and dropping a CR."""
    if line.endswith(b"\r"):
        line = line[:-1]
    return line.decode("utf-8", errors="replace")
