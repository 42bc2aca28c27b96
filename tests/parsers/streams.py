"""Helpers shared by the parser tests: build JSON-lines input and run a parser over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from app.core.events import AgentEvent
from app.core.profiles import OutputFormat
from app.services.agents import parser_for

DATA = Path(__file__).resolve().parent.parent / "data"


def jsonl(*objs: dict[str, Any]) -> bytes:
    """Return one JSON line per object."""
    return b"".join(orjson.dumps(o) + b"\n" for o in objs)


def parse(fmt: OutputFormat, data: bytes, chunk: int | None = None) -> list[AgentEvent]:
    """Feed `data` to a fresh parser (whole, or `chunk` bytes at a time) and close it."""
    parser = parser_for(fmt)
    events: list[AgentEvent] = []
    step = chunk or max(len(data), 1)
    for i in range(0, len(data), step):
        events.extend(parser.feed(data[i : i + step]))
    return events + parser.close()


def fixture(name: str) -> bytes:
    """Return a captured agent output file from tests/data."""
    return (DATA / name).read_bytes()
