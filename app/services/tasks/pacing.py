"""Take turns: jobs shared by many tasks run one at a time, a few a second at most."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    """Runs the jobs given to it one after another, at most `per_second` starting a second.

    A hundred busy agents each counting their changed lines every few seconds would
    otherwise start thirty-odd git processes a second: a tenth of a core, and a stutter
    for everything else on the machine.
    """

    def __init__(self, per_second: float) -> None:
        self._gap = 1 / per_second
        self._turn = asyncio.Lock()

    async def run[T](self, job: Callable[[], Awaitable[T]]) -> T:
        """Wait for this job's turn, run it, and hold the turn until its gap has passed."""
        async with self._turn:
            started = time.monotonic()
            try:
                return await job()
            finally:
                await asyncio.sleep(max(0.0, self._gap - (time.monotonic() - started)))
