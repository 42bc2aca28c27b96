"""The inbox's door, for commands: reaches whichever process supervises the home's agents.

The service serves it, and so does a foreground `orchard run`, which serves no local API.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson

from app.localsocket import DOOR_NAME, connect, reachable

TIMEOUT = 10.0


class DoorClosed(OSError):
    """No process supervises the home's agents now (or it does not answer)."""


def door_of(home_root: Path) -> Path:
    """Return the inbox's door in a home."""
    return home_root / DOOR_NAME


def door_open(home_root: Path) -> bool:
    """Say whether a supervising process listens on the door."""
    try:
        connect(door_of(home_root), timeout=1.0).close()
    except OSError:
        return False
    return True


async def door_request(home_root: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Send one request through the door and return its answer."""
    try:
        with reachable(door_of(home_root)) as address:
            reader, writer = await asyncio.open_unix_connection(address, limit=2**24)
    except OSError as exc:
        raise DoorClosed(str(exc)) from None
    try:
        writer.write(orjson.dumps(request) + b"\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), TIMEOUT)
    finally:
        writer.close()
    if not line:
        raise DoorClosed("the supervising process hung up")
    answer = orjson.loads(line)
    if not isinstance(answer, dict) or "error" in answer:
        raise DoorClosed(str(answer.get("error") if isinstance(answer, dict) else answer))
    return answer


async def door_follow(home_root: Path) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield the waiting requests (wire form) now and on every change, until the door closes."""
    try:
        with reachable(door_of(home_root)) as address:
            reader, writer = await asyncio.open_unix_connection(address, limit=2**24)
    except OSError as exc:
        raise DoorClosed(str(exc)) from None
    try:
        writer.write(orjson.dumps({"op": "follow"}) + b"\n")
        await writer.drain()
        while line := await reader.readline():
            yield list(orjson.loads(line).get("items") or [])
    finally:
        with contextlib.suppress(Exception):
            writer.close()
