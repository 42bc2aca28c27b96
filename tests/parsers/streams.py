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


class Typed:
    """A parser whose events come back as AgentEvent, the typed view tests compare."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser

    def feed(self, chunk: bytes) -> list[AgentEvent]:
        return [AgentEvent.from_dict(e) for e in self.parser.feed(chunk)]

    def close(self) -> list[AgentEvent]:
        return [AgentEvent.from_dict(e) for e in self.parser.close()]


def typed_parser(fmt: OutputFormat) -> Typed:
    """Return a fresh parser for `fmt` that yields AgentEvent objects."""
    return Typed(parser_for(fmt))


def parse(fmt: OutputFormat, data: bytes, chunk: int | None = None) -> list[AgentEvent]:
    """Feed `data` to a fresh parser (whole, or `chunk` bytes at a time) and close it."""
    parser = typed_parser(fmt)
    events: list[AgentEvent] = []
    step = chunk or max(len(data), 1)
    for i in range(0, len(data), step):
        events.extend(parser.feed(data[i : i + step]))
    return events + parser.close()


def fixture(name: str) -> bytes:
    """Return a captured agent output file from tests/data."""
    return (DATA / name).read_bytes()
