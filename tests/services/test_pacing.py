"""The pacer that running tasks' changed-line counts share: one at a time, a few a second."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from app.services.tasks.pacing import Pacer


def test_jobs_take_turns_and_start_at_most_per_second_apart() -> None:
    asyncio.run(_take_turns())


async def _take_turns() -> None:
    pacer = Pacer(per_second=20)  # a 50 ms gap
    spans: list[tuple[float, float]] = []

    async def job() -> int:
        start = time.monotonic()
        await asyncio.sleep(0.01)
        spans.append((start, time.monotonic()))
        return len(spans)

    results = await asyncio.gather(*(pacer.run(job) for _ in range(4)))
    assert sorted(results) == [1, 2, 3, 4]
    spans.sort()
    for (start, end), (next_start, _) in itertools.pairwise(spans):
        assert next_start >= end  # never two at once
        assert next_start - start >= 0.05 - 0.002  # the gap holds (timer rounding aside)


def test_a_failing_job_raises_and_gives_up_its_turn() -> None:
    asyncio.run(_fail_then_work())


async def _fail_then_work() -> None:
    pacer = Pacer(per_second=100)

    async def fails() -> None:
        raise OSError("git is gone")

    async def works() -> str:
        return "counted"

    with pytest.raises(OSError, match="git is gone"):
        await pacer.run(fails)
    assert await asyncio.wait_for(pacer.run(works), 1.0) == "counted"
