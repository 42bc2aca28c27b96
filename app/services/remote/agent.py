"""A turn's process on a node, as the task's run sees it: output read back by long poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from app.services import process
from app.services.tasks import WorkspaceLost

POLL_SECONDS = 2.0  # how long one read waits on the node for output
UNAVAILABLE_SECONDS = 30.0  # a node that answers nothing this long counts as lost
log = logging.getLogger(__name__)


def lost(node: str | None, exc: BaseException) -> WorkspaceLost:
    """Return the error that says a task's node is gone."""
    where = f"node {node[:12]}" if node else "the cluster node"
    return WorkspaceLost(
        f"{where} running this task was lost ({type(exc).__name__}); the last fetched result "
        "is kept: retry runs a fresh turn on it elsewhere"
    )


class RemoteAgent:
    """Follows one turn on a task's actor: hands its output to the run's sinks, in order."""

    pgid: int | None = None  # nothing of it runs in a process group here
    start_time: int | None = None

    def __init__(
        self,
        actor: Any,
        turn: int,
        pid: int,
        node: str | None,
        on_stdout: process.OutputCallback,
        on_stderr: process.OutputCallback,
        offsets: tuple[int, int] = (0, 0),
        on_read: Callable[[], None] | None = None,
    ) -> None:
        self.actor, self.turn, self.pid, self.node = actor, turn, pid, node
        self.offsets = offsets  # bytes of stdout and stderr handed over so far
        self._sinks = (on_stdout, on_stderr)
        self._on_read = on_read
        self.first_output: float | None = None  # monotonic time of the first bytes back
        self._reading = asyncio.ensure_future(self._read_all())
        # What Orchard writes to the agent's stdin goes out in order, one call at a time:
        # the actor is threaded, so calls sent together could be run in any order.
        self._outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._sending: asyncio.Future[None] | None = None

    def write(self, data: bytes) -> None:
        """Send `data` to the agent's stdin on its node (for an agent started with keep_stdin)."""
        self._outbox.put_nowait(data)
        if self._sending is None:
            self._sending = asyncio.ensure_future(self._send_all())

    def close_stdin(self) -> None:
        """Close the agent's stdin once what was written before has gone."""
        self.write(b"")
        self._outbox.put_nowait(None)

    async def _send_all(self) -> None:
        import ray

        while (data := await self._outbox.get()) is not None:
            if not data:
                continue
            try:
                await self.actor.write.remote(self.turn, data)
            except ray.exceptions.RayError:
                return  # the node is gone: the reader says so
        with contextlib.suppress(ray.exceptions.RayError):
            await self.actor.close_stdin.remote(self.turn)

    async def wait(self) -> int:
        """Wait until the turn ended and all its output was handed over; return its code."""
        return await asyncio.shield(self._reading)

    async def stop(self, grace: float = 3.0) -> None:
        """Stop the agent's whole process group on its node."""
        import ray

        with contextlib.suppress(ray.exceptions.RayError):
            await self.actor.stop.remote(grace)

    def close(self) -> None:
        """Stop reading; the turn goes on on its node."""
        self._reading.cancel()
        if self._sending is not None:
            self._sending.cancel()

    async def _read_all(self) -> int:
        import ray

        silent_since: float | None = None
        while True:
            try:
                out, err, code = await self.actor.read.remote(
                    self.turn, *self.offsets, POLL_SECONDS
                )
            except ray.exceptions.ActorUnavailableError as exc:  # perhaps back in a moment
                silent_since = silent_since or time.monotonic()
                if time.monotonic() - silent_since > UNAVAILABLE_SECONDS:
                    raise lost(self.node, exc) from None
                await asyncio.sleep(0.5)
                continue
            except ray.exceptions.RayError as exc:  # ActorDiedError: the node is gone
                raise lost(self.node, exc) from None
            silent_since = None
            self._hand_over(out, err)
            if code is not None:
                return int(code)

    def _hand_over(self, out: bytes, err: bytes) -> None:
        if (out or err) and self.first_output is None:
            self.first_output = time.monotonic()
        if out:
            self._sinks[0](out)
        if err:
            self._sinks[1](err)
        self.offsets = (self.offsets[0] + len(out), self.offsets[1] + len(err))
        if (out or err) and self._on_read is not None:
            self._on_read()
