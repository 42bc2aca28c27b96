"""Each task's log: append-only files, never rows in the database.

`events.jsonl` holds the normalized events, one JSON object per line, each
with a sequence number and a timestamp; `raw.log` holds the agent's output
bytes exactly as they came. Writes are buffered and flushed on a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import IO, Any

import orjson

from app.core.events import Event
from app.core.masking import Masker, StreamMasker

_BUFFER = 1024 * 1024


class LogWriteError(OSError):
    """A log could not be written; `disk_full` says whether the disk ran out of space."""

    def __init__(self, path: Path, exc: OSError) -> None:
        self.disk_full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        reason = "disk full" if self.disk_full else (exc.strerror or str(exc))
        super().__init__(exc.errno, f"{reason} while writing {path}")
        self.reason = reason
        hint = "; free some space, then retry the task" if self.disk_full else ""
        self.message = f"{reason} while writing {path}{hint}"


_TAIL = 64 * 1024
PAGE = 4096
HOLD_SECONDS = 0.5  # how long flush(whole_pages=True) leaves a part page unwritten


class TaskLogWriter:
    """Appends a task's events and raw output; safe to reopen for a later turn."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.events_path = folder / "events.jsonl"
        self.raw_path = folder / "raw.log"
        self._seq = _next_seq(self.events_path)
        self._events = PageAppender(self.events_path)
        self._raw = PageAppender(self.raw_path)
        self.failed: LogWriteError | None = None

    @property
    def event_count(self) -> int:
        return self._seq

    def write_events(self, events: Iterable[Event]) -> None:
        """Append normalized events, stamping each with a sequence number and the time."""
        now = round(time.time(), 3)
        dumps, seq, parts = orjson.dumps, self._seq, []
        for ev in events:
            ev["seq"] = seq
            ev["ts"] = now
            seq += 1
            parts.append(dumps(ev))
        self._seq = seq
        if parts:
            parts.append(b"")
            self._guard(self.events_path, self._events.write, b"\n".join(parts))

    def write_raw(self, data: bytes) -> None:
        """Append output bytes as the agent wrote them."""
        self._guard(self.raw_path, self._raw.write, data)

    def flush(self, whole_pages: bool = False) -> None:
        """Push held writes to the files; with `whole_pages`, a short rest may wait a little."""
        self._guard(self.events_path, self._events.flush, whole_pages)
        self._guard(self.raw_path, self._raw.flush, whole_pages)

    def close(self) -> None:
        """Flush and close; the files stay readable whatever happened."""
        self.flush()
        for f in (self._events, self._raw):
            # The data that fit is on disk; a failure is already recorded.
            with contextlib.suppress(OSError):
                f.close()

    def _guard(self, path: Path, op: Callable[..., None], *args: Any) -> None:
        if self.failed is not None:
            return
        try:
            op(*args)
        except OSError as exc:
            self.failed = LogWriteError(path, exc)


class PageAppender:
    """Appends to a file in writes that end on a page boundary, holding back the rest.

    While the kernel writes a file's last, partly filled page to disk, that page is locked,
    and an append to it waits: on a busy disk, tens of milliseconds of the event loop (37 ms
    seen under the 100-agent flood). Appends that end on a page boundary leave no such
    page behind. The held rest (under a page) is written by flush(), or by
    flush(whole_pages=True) once it has waited HOLD_SECONDS.
    """

    def __init__(self, path: Path) -> None:
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115
        self._end = self._file.seek(0, os.SEEK_END)
        self._held = bytearray()
        self._held_at = 0.0

    def write(self, data: bytes) -> None:
        """Append `data`: up to the last page boundary now, the rest later."""
        if not self._held:
            self._held_at = time.monotonic()
        self._held += data
        whole = len(self._held) - (self._end + len(self._held)) % PAGE
        if whole > 0:
            self._put(whole)

    def flush(self, whole_pages: bool = False) -> None:
        """Write the held rest; with `whole_pages`, only once it has waited HOLD_SECONDS."""
        if not self._held or self._file.closed:
            return
        if not whole_pages or time.monotonic() - self._held_at >= HOLD_SECONDS:
            self._put(len(self._held))

    def close(self) -> None:
        """Close the file; what flush() did not write is dropped."""
        self._file.close()

    def _put(self, size: int) -> None:
        with memoryview(self._held) as view, view[:size] as part:
            _write_all(self._file, part)
        # A new buffer for the rest, never `del held[:size]`: resizing raises BufferError
        # while any view of it lives on (a profiler or a traceback holding a frame), and
        # the bytes just written would be written again.
        self._held = self._held[size:]
        self._end += size
        self._held_at = time.monotonic()


class MaskedSinks:
    """Output sinks that see the agent's bytes with its secrets masked, before any log does.

    A partial last line waits in its stream until the rest arrives (a secret may straddle
    two pipe reads); flush() passes on whatever is still held once the process has ended.
    """

    def __init__(self, masker: Masker) -> None:
        self.masker = masker
        self._held: list[tuple[StreamMasker, Callable[[bytes], None]]] = []

    def wrap(self, sink: Callable[[bytes], None]) -> Callable[[bytes], None]:
        """Return a sink that masks, then calls `sink`."""
        stream = StreamMasker(self.masker)
        self._held.append((stream, sink))

        def feed(data: bytes) -> None:
            if out := stream.feed(data):
                sink(out)

        return feed

    def flush(self) -> None:
        """Pass on the bytes every wrapped stream still holds, and forget the streams."""
        held, self._held = self._held, []
        for stream, sink in held:
            if rest := stream.close():
                sink(rest)


class HeldOutput:
    """Sinks that hold a child's output until hold() is over, then pass it on in order.

    A task's child is recorded (process group and start time) before any of its output is
    handled, so a supervisor killed meanwhile leaves a group the next one can find.
    """

    def __init__(self) -> None:
        self._held: list[tuple[Callable[[bytes], None], bytes]] | None = None

    def hold(self) -> None:
        """Hold what the wrapped sinks get from now until release()."""
        self._held = []

    def wrap(self, sink: Callable[[bytes], None]) -> Callable[[bytes], None]:
        """Return a sink that calls `sink` now, or on release() while held."""

        def gate(data: bytes) -> None:
            if self._held is None:
                sink(data)
            else:
                self._held.append((sink, data))

        return gate

    def release(self) -> None:
        """Pass on what was held and stop holding."""
        held, self._held = self._held or [], None
        for sink, data in held:
            sink(data)


def _write_all(f: IO[bytes], data: memoryview) -> None:
    while data:  # an unbuffered write may take only part of the data
        written = f.write(data)
        if not written:
            raise OSError(errno.EIO, "the log write made no progress")
        data = data[written:]


def _next_seq(path: Path) -> int:
    """Return the seq the next event gets: one past the last line's, read from the tail.

    A later turn reopens a log that may hold millions of events, on the event loop; the
    whole file is counted only when its last line cannot say (a foreign or damaged log).
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    with open(path, "rb") as f:
        f.seek(max(0, size - _TAIL))
        tail = f.read()
    lines = tail.split(b"\n")
    if len(lines) >= 3 or (size <= _TAIL and len(lines) >= 2):
        try:
            seq = orjson.loads(lines[-2]).get("seq")
        except (orjson.JSONDecodeError, AttributeError):
            seq = None
        if isinstance(seq, int) and tail.endswith(b"\n"):
            return seq + 1
    return _count_lines(path)


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(_BUFFER), b""))


async def follow_bytes(
    path: Path, still_running: Any, poll: float = 0.2, offset: int = 0
) -> AsyncIterator[bytes]:
    """Yield new bytes appended to `path` until `still_running()` is false and all is read."""
    while True:
        running = still_running()
        chunk = await asyncio.to_thread(_read_from, path, offset)
        if chunk:
            offset += len(chunk)
            yield chunk
            continue
        if not running:
            return
        await asyncio.sleep(poll)


def _read_from(path: Path, offset: int, limit: int = 4 * _BUFFER) -> bytes:
    if not path.exists():
        return b""
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(limit)


_TURN_MARKS = (b'"kind":"message"', b'"text":"state: ')


def read_turn_events(path: Path) -> list[Event]:
    """Return a log's agent messages and state changes, the events that show its turns.

    The bytes are scanned first: of a million events, only the few matching lines are parsed.
    A missing log reads as empty; a damaged line is skipped.
    """
    events: list[Event] = []
    if not path.exists():
        return events
    rest = b""
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(4 * _BUFFER), b""):
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            events += _turn_events(lines)
    return events + _turn_events([rest])


def _turn_events(lines: list[bytes]) -> list[Event]:
    out = []
    for line in lines:
        if any(mark in line for mark in _TURN_MARKS):
            try:
                out.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue
    return out
