"""A short command cancelled while its child starts: the child is killed and reaped quietly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time

import pytest

from app.services import process
from tests.conftest import live_processes

pytestmark = pytest.mark.timeout(60)


def _running(marker: str) -> list[int]:
    """Pids of live (not zombie) processes with `marker` as an argument."""
    return [pid for pid, _, argv in live_processes() if marker.encode() in argv]


def test_runs_cancelled_while_starting_log_nothing_and_leave_no_child(
    caplog: pytest.LogCaptureFixture,
) -> None:
    marker = f"{40 + os.getpid() % 1000 / 1000:.3f}"  # a sleep no other test runs

    async def scenario() -> None:
        for i in range(100):
            argv = ["sleep", marker] if i % 10 == 0 else ["true"]
            run = asyncio.create_task(process.run(argv))
            for _ in range(1 + i % 3):  # cancel at different points of the start
                await asyncio.sleep(0)
            time.sleep(0.005)  # the loop busy: a `true` ends before its pipes are connected
            run.cancel()  # or it may have ended already
            with contextlib.suppress(asyncio.CancelledError):
                await run
        deadline = time.monotonic() + 10
        while _running(marker) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the watcher's last reports

    with caplog.at_level(logging.WARNING, logger="asyncio"):
        asyncio.run(scenario())
    assert not _running(marker)
    # asyncio's clean-up used to reap children its watcher still waited for, now and then.
    assert not [r.getMessage() for r in caplog.records if "already read" in r.getMessage()]


def test_a_run_that_is_not_cancelled_returns_the_output() -> None:
    result = asyncio.run(process.run(["sh", "-c", "echo out; echo err >&2; exit 3"]))
    assert (result.returncode, result.text, result.error_text) == (3, "out\n", "err")
