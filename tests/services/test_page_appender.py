"""Log appends that end on page boundaries, so none waits on a page the kernel is writing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.client.logfiles import read_events
from app.services.store import logs
from app.services.store.logs import PAGE, PageAppender, TaskLogWriter


def _writes(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Record (file size before, bytes) of every write the appender makes to `path`."""
    seen: list[tuple[int, int]] = []
    real = logs._write_all

    def spy(f: object, data: memoryview) -> None:
        seen.append((os.path.getsize(path), len(data)))
        real(f, data)  # type: ignore[arg-type]

    monkeypatch.setattr(logs, "_write_all", spy)
    return seen


def test_appends_end_on_page_boundaries_and_flush_writes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "raw.log"
    path.write_bytes(b"x" * 1000)  # a later turn appends to a file that ends mid-page
    writes = _writes(path, monkeypatch)
    appender = PageAppender(path)
    chunks = [bytes([65 + n % 26]) * (137 * n % 5000 + 1) for n in range(200)]
    for chunk in chunks:
        appender.write(chunk)
    assert writes and all((start + size) % PAGE == 0 for start, size in writes)
    held = 1000 + sum(map(len, chunks)) - os.path.getsize(path)
    assert 0 < held < PAGE
    appender.flush(whole_pages=True)  # the rest has not waited yet: still held
    assert os.path.getsize(path) % PAGE == 0
    appender.flush()
    appender.close()
    assert path.read_bytes() == b"x" * 1000 + b"".join(chunks)


def test_a_held_rest_goes_out_once_it_has_waited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "HOLD_SECONDS", 0.05)
    path = tmp_path / "events.jsonl"
    appender = PageAppender(path)
    appender.write(b"one line\n")
    appender.flush(whole_pages=True)
    assert path.read_bytes() == b""
    time.sleep(0.06)
    appender.flush(whole_pages=True)
    assert path.read_bytes() == b"one line\n"
    appender.close()


def test_the_log_writer_keeps_every_byte_across_turns(tmp_path: Path) -> None:
    folder = tmp_path / "task"
    for turn in range(3):
        log = TaskLogWriter(folder)
        for n in range(500):
            log.write_raw(b"turn %d line %d\n" % (turn, n))
            log.write_events([{"kind": "raw", "text": f"{turn}:{n}"}])
            if n % 50 == 0:
                log.flush(whole_pages=True)
        log.close()
    raw = (folder / "raw.log").read_bytes()
    assert raw == b"".join(b"turn %d line %d\n" % (t, n) for t in range(3) for n in range(500))
    events, _ = read_events(folder / "events.jsonl")
    assert [e["seq"] for e in events] == list(range(1500))
    assert [e["text"] for e in events][-1] == "2:499"


def test_a_view_of_the_written_bytes_kept_alive_breaks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sampling profiler or a stored traceback can keep a frame, and the memoryview in it,
    # alive past the write: the appender must neither fail nor write the same bytes twice.
    kept: list[memoryview] = []
    real = logs._write_all

    def keeping(f: object, data: memoryview) -> None:
        kept.append(data[1:])  # a derived view, as a frame's locals would hold
        real(f, data)  # type: ignore[arg-type]

    monkeypatch.setattr(logs, "_write_all", keeping)
    path = tmp_path / "events.jsonl"
    appender = PageAppender(path)
    chunks = [b"%05d:" % n + b"y" * (n * 97 % 3000) + b"\n" for n in range(300)]
    for chunk in chunks:
        appender.write(chunk)
    appender.flush()
    appender.close()
    assert kept
    assert path.read_bytes() == b"".join(chunks)
