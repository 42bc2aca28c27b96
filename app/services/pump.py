"""Agents' output handled a few milliseconds at a time, so the loop never waits long.

A hundred agents' pipes are often ready at once. Handling each chunk inside its reader
callback (mask, log, parse, summarize) made one pass of the event loop last tens of
milliseconds: the window's timers and paints waited behind every ready pipe. Here a
reader only queues its chunk; the pump works through the queue in arrival order, for at
most `budget` seconds a turn, then lets the loop run whatever else is due.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import Callable

BUDGET_SECONDS = 0.004


class OutputPump:
    """Runs queued calls in order, a time-boxed batch per turn of the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, budget: float = BUDGET_SECONDS) -> None:
        self._loop = loop
        self._budget = budget
        self._queue: deque[Callable[[], None]] = deque()
        self._scheduled = False

    def put(self, call: Callable[[], None]) -> None:
        """Queue `call` after everything queued before it."""
        self._queue.append(call)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._turn)

    def barrier(self) -> asyncio.Future[None]:
        """Return a future that is done once everything queued so far has run."""
        done: asyncio.Future[None] = self._loop.create_future()

        def reached() -> None:
            if not done.done():
                done.set_result(None)

        self.put(reached)
        return done

    def _turn(self) -> None:
        self._scheduled = False
        queue, clock = self._queue, time.perf_counter
        end = clock() + self._budget
        while queue:
            call = queue.popleft()
            try:
                call()
            except Exception as exc:  # one bad consumer must not stall every other agent
                self._loop.call_exception_handler(
                    {"message": "an output handler failed", "exception": exc}
                )
            if clock() >= end:
                break
        if queue:
            self._scheduled = True
            self._loop.call_soon(self._turn)


_pumps: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, OutputPump] = (
    weakref.WeakKeyDictionary()
)


def pump() -> OutputPump:
    """Return the running loop's pump (one per loop, made on first use)."""
    loop = asyncio.get_running_loop()
    found = _pumps.get(loop)
    if found is None:
        found = _pumps[loop] = OutputPump(loop)
    return found
