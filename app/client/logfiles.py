"""A task's log files as a client reads them: the service writes them, anyone may read them.

events.jsonl holds one normalized event per line; raw.log the agent's output as it came.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson


def read_events(path: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Return the complete event lines after byte `offset`, and the offset after them."""
    if not path.exists():
        return [], offset
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    out = []
    for line in data[:end].split(b"\n"):
        try:
            out.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            out.append({"kind": "raw", "text": line.decode("utf-8", errors="replace")})
    return out, offset + end + 1


RAW_TAIL_BYTES = 16 * 1024 * 1024


def read_task_log(folder: Path, with_raw: bool) -> tuple[list[dict[str, Any]], str]:
    """Return a task's stored events and, if asked, the tail of its raw output."""
    events, _ = read_events(folder / "events.jsonl")
    return events, tail_text(folder / "raw.log") if with_raw else ""


def tail_text(path: Path) -> str:
    """Return up to the last 16 MB of a raw log, from a line start."""
    if not path.exists():
        return ""
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - RAW_TAIL_BYTES))
        data = f.read()
    if size > RAW_TAIL_BYTES:
        data = data[data.find(b"\n") + 1 :]
    return data.decode("utf-8", errors="replace")
