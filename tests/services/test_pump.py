"""Agents' output through the output pump: in order, a few ms a turn, paced, never lost."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.services import process
from app.services.pump import OutputPump
from tests.conftest import live_processes

pytestmark = pytest.mark.timeout(60)


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_calls_run_in_order_a_few_milliseconds_a_turn() -> None:
    async def scenario() -> tuple[list[int], list[int]]:
        loop = asyncio.get_running_loop()
        pump = OutputPump(loop, budget=0.004)
        ran: list[int] = []
        seen_between: list[int] = []  # how many calls had run when the loop got a turn

        def call(n: int) -> None:
            _busy(0.001)
            ran.append(n)

        for n in range(60):
            pump.put(lambda n=n: call(n))

        def other() -> None:
            seen_between.append(len(ran))
            if len(ran) < 60:
                loop.call_soon(other)

        loop.call_soon(other)
        await pump.barrier()
        return ran, seen_between

    ran, seen = asyncio.run(scenario())
    assert ran == list(range(60))
    turns = [b - a for a, b in zip([0, *seen], seen, strict=False) if b > a]
    assert len(turns) >= 8  # the loop ran other work between turns
    assert max(turns) <= 6  # about 4 ms of 1 ms calls a turn


def test_a_failing_call_is_reported_and_the_rest_still_run() -> None:
    async def scenario() -> tuple[list[str], list[dict[str, Any]]]:
        loop = asyncio.get_running_loop()
        reported: list[dict[str, Any]] = []
        loop.set_exception_handler(lambda _loop, context: reported.append(context))
        pump = OutputPump(loop)
        ran: list[str] = []

        def boom() -> None:
            raise ValueError("bad consumer")

        pump.put(lambda: ran.append("a"))
        pump.put(boom)
        pump.put(lambda: ran.append("b"))
        await pump.barrier()
        return ran, reported

    ran, reported = asyncio.run(scenario())
    assert ran == ["a", "b"]
    assert [str(r["exception"]) for r in reported] == ["bad consumer"]


def test_a_slow_consumer_pauses_the_pipes_and_gets_every_byte(
    tmp_path: Path, monkeypatch: Any
) -> None:
    # Drained for longer than the drain limit: with reading paused, that is Orchard's
    # backlog, not a child holding the pipe; nothing may be killed or dropped.
    monkeypatch.setattr(process, "DRAIN_SECONDS", 0.05)
    # Enough to pause the reading, then a tail small enough to sit in the pipe: each child
    # exits while Orchard is paused, with its last bytes and its end still unread.
    size = process.PAUSE_BYTES + 64 * 1024 + 16 * 1024
    script = (
        "import os,sys\n"
        f"data = bytes(range(256)) * ({size} // 256)\n"
        "view = memoryview(data)\n"
        "while view:\n"
        "    view = view[os.write(1, view[:65536]):]\n"
    )

    async def one(paused: list[bool]) -> tuple[bytes, int]:
        got: list[bytes] = []

        def slow(data: bytes) -> None:
            _busy(0.01)
            got.append(data)

        child = await process.spawn(
            [sys.executable, "-c", script], str(tmp_path), {}, None, slow, lambda _: None
        )
        protocol = child._protocol

        async def watch() -> None:
            while True:
                paused.append(protocol._paused)
                await asyncio.sleep(0.002)

        watcher = asyncio.create_task(watch())
        code = await child.wait()
        watcher.cancel()
        child.close()
        return b"".join(got), code

    async def scenario() -> tuple[list[tuple[bytes, int]], bool]:
        # Eight children: their chunks arrive faster than the consumer takes them.
        paused: list[bool] = []
        results = await asyncio.gather(*(one(paused) for _ in range(8)))
        return list(results), any(paused)

    results, was_paused = asyncio.run(scenario())
    assert was_paused
    for data, code in results:
        assert code == 0
        assert data == bytes(range(256)) * (size // 256)


def test_a_child_left_holding_the_pipe_is_killed_after_the_drain_limit(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(process, "DRAIN_SECONDS", 0.5)
    out, code, took, alive = _run_leaving_a_child(
        "echo before; (sleep 30; echo never) & echo after", tmp_path
    )
    assert out == b"before\nafter\n"
    assert code == 0
    assert 0.4 < took < 5
    assert not alive


def test_a_child_left_writing_to_the_pipe_is_killed_after_the_drain_cap(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(process, "DRAIN_SECONDS", 0.3)
    monkeypatch.setattr(process, "DRAIN_CAP_SECONDS", 1.0)
    out, code, took, alive = _run_leaving_a_child(
        "echo before; (while :; do echo tick; sleep 0.01; done) & echo after", tmp_path
    )
    assert out.startswith(b"before\n") and b"after\n" in out and b"tick\n" in out
    assert code == 0
    assert 0.9 < took < 5  # the ticks keep it from ever being idle: the cap ends the wait
    assert not alive


def _run_leaving_a_child(script: str, cwd: Path) -> tuple[bytes, int, float, list[int]]:
    """Run `script`; return its output, exit code, wait time and the group's live members."""

    async def scenario() -> tuple[bytes, int, float, list[int]]:
        got: list[bytes] = []
        child = await process.spawn(
            ["sh", "-c", script], str(cwd), {}, None, got.append, lambda _: None
        )
        started = time.monotonic()
        code = await child.wait()
        took = time.monotonic() - started
        await asyncio.sleep(0.2)
        alive = _live_members(child.pgid)
        child.close()
        return b"".join(got), code, took, alive

    return asyncio.run(scenario())


def _live_members(pgid: int) -> list[int]:
    """Return the processes of group `pgid` that are not zombies waiting to be reaped."""
    return [pid for pid, fields, _ in live_processes() if int(fields[2]) == pgid]
