"""The background service: one per home, it owns the supervisor and serves the local API.

It starts on demand (the window or a command starts it), keeps running while any task is
queued, running or waiting on a person or any window is connected, and exits after an idle
time, when its home is deleted, or when asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import __version__
from app.core.states import ACTIVE_STATES, LIVE_STATES, TaskState
from app.localsocket import API_VERSION, SERVICE_FAILURE, connect, reachable, socket_path
from app.server.environment import seen
from app.server.hub import Hub
from app.services import process
from app.services.land import TrainRunner
from app.services.orchard import Orchard
from app.services.recovery import start_up

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0  # how often idleness and the home's presence are checked
BUSY_STATES = ACTIVE_STATES | {TaskState.QUEUED, TaskState.PAUSED}  # paused: a person decides
DRAINING = "the service is stopping: running tasks finish first, queued ones wait"


def newer(version: str, than: str) -> bool:
    """Say whether release `version` comes after `than` (dotted numbers; others by text)."""
    return _release(version) > _release(than)


def _release(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in version.split("."))


@dataclass(frozen=True, slots=True)
class Successor:
    """The service of a newer Orchard, waiting for this one to hand the home over."""

    version: str
    argv: list[str]
    env: dict[str, str]
    cwd: str | None = None  # where it was asked from: `python -m` finds its own code there


class ServiceFailed(RuntimeError):
    """The service cannot start; the message is the one line a client shows."""


@dataclass(frozen=True, slots=True)
class StopRequest:
    """How the service was asked to end: stop its agents, or first let them finish."""

    drain: bool
    reason: str


class Service:
    def __init__(self, orchard: Orchard, idle_exit_seconds: float | None = None) -> None:
        self.orchard = orchard
        self.hub = Hub(orchard.inbox.pending)
        self.started_at = time.time()
        self.idle_exit = (
            orchard.settings.idle_exit_seconds if idle_exit_seconds is None else idle_exit_seconds
        )
        self.socket = socket_path(orchard.home.root)
        self._stop: asyncio.Future[StopRequest] | None = None
        self._idle_since = time.monotonic()
        self.draining = False
        self.stopping = False  # asked to stop: no new tasks are taken
        self._force = False  # a drain was overtaken by a stop that ends the agents now
        self._bound = False  # this process made the socket file (and so may remove it)
        self.successor: Successor | None = None  # a newer Orchard's service, started at exit
        self.train = TrainRunner(orchard)  # lands the land trains' cars, by itself

    # life

    def take_home(self) -> None:
        """Take the home's lock and reap what a dead supervisor left; raise ServiceFailed."""
        try:
            self.orchard.lock.acquire()
        except RuntimeError as exc:  # AlreadySupervised
            raise ServiceFailed(str(exc)) from None
        interrupted = self.orchard.supervisor.reconcile()
        for task in interrupted:
            log.warning("task %s was left running by an Orchard that died: interrupted", task.id)
            self.orchard.inbox.expire_task(task.id)  # what it asked can no longer be answered

    def listen(self) -> socket.socket:
        """Bind the socket in the home, readable and writable by its owner only."""
        if self.socket.exists() or self.socket.is_symlink():
            _replace_stale(self.socket)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with _umask(0o177), reachable(self.socket) as address:
            sock.bind(address)
        self._bound = True
        os.chmod(self.socket, stat.S_IRUSR | stat.S_IWUSR)
        sock.listen(128)
        sock.setblocking(False)
        return sock

    async def run(self) -> StopRequest:
        """Supervise until asked to stop, idle, or homeless; end the agents as asked."""
        loop = asyncio.get_running_loop()
        self._stop = loop.create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, False, f"signal {sig}")
        found = await start_up(self.orchard)
        for finding in found.findings:
            log.warning("%s (repair: %s)", finding.message, finding.repair)
        # The first write imports SQLModel (~0.5 s): done now, not in the first `task new`.
        await asyncio.to_thread(self.orchard.store.prepare_writes)
        self.orchard.supervisor.subscribe(self.hub.on_message)
        self.orchard.inbox.subscribe(self.hub.on_inbox)
        await self.orchard.door.start()  # agents' helpers and foreground commands ask here
        supervising = asyncio.create_task(self.orchard.supervisor.run(until_idle=False))
        supervising.add_done_callback(self._on_supervisor_done)
        self.orchard.supervisor.subscribe(self.train.on_message)
        self.orchard.on_train = self.train.wake
        training = asyncio.create_task(self.train.run())
        ticking = asyncio.create_task(self._tick())
        request = await self._stop
        ticking.cancel()
        training.cancel()  # a car under test stays `testing`: the next start proves it again
        with contextlib.suppress(asyncio.CancelledError):
            await training
        log.info("stopping: %s", request.reason)
        if request.drain:
            self.draining = True
            self.orchard.supervisor.hold_queue(DRAINING)
            await self._drained()
        await self.orchard.supervisor.stop_all()
        supervising.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervising
        return request

    def request_stop(self, drain: bool, reason: str) -> None:
        """End run(): at once, stopping the agents, or once they finish (`drain`).

        A stop that ends the agents overtakes a drain under way.
        """
        self.stopping = True
        if self._stop is not None and not self._stop.done():
            self._stop.set_result(StopRequest(drain, reason))
        elif not drain:
            self._force = True

    def hand_over(self, successor: Successor) -> int:
        """Let a newer Orchard's service take the home: running agents finish first.

        Queued tasks stay queued for the successor, which this process starts as it exits.
        Return how many tasks are still running.
        """
        if self.successor is None:
            self.successor = successor
            reason = f"Orchard {successor.version} takes over once the running tasks finish"
            self.orchard.supervisor.hold_queue(reason)  # nothing new starts from now on
            # A drain: with nothing running it ends at once. After the answer is on its way.
            asyncio.get_running_loop().call_later(0.05, self.request_stop, True, reason)
        return sum(self.counts(LIVE_STATES).values())

    def start_successor(self) -> None:
        """Start the newer service that asked for the home (after this one released it)."""
        if self.successor is None:
            return
        log.info("starting Orchard %s's service", self.successor.version)
        cwd = (
            self.successor.cwd if self.successor.cwd and os.path.isdir(self.successor.cwd) else None
        )
        try:
            process.start_detached(self.successor.argv, self.successor.env, cwd)
        except OSError as exc:  # the next client starts it instead
            log.error("could not start Orchard %s's service: %s", self.successor.version, exc)

    def close(self) -> None:
        """Remove the socket (if this process made it) and release the home."""
        if self._bound:
            with contextlib.suppress(OSError):
                self.socket.unlink()
        self.orchard.close()

    def _on_supervisor_done(self, job: asyncio.Task[None]) -> None:
        if not job.cancelled() and job.exception() is not None:
            log.error("the supervisor failed", exc_info=job.exception())
            self.request_stop(False, f"the supervisor failed: {job.exception()}")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                if not self.orchard.home.db.exists():
                    self.request_stop(False, f"its home {self.orchard.home.root} was deleted")
                elif self._idle_for() > self.idle_exit > 0:
                    self.request_stop(False, f"idle for {self.idle_exit} s")
            except Exception:  # e.g. the database is busy: the next tick looks again
                log.exception("the service's idle check failed")

    def _idle_for(self) -> float:
        busy = self.counts(BUSY_STATES)
        if not busy:
            self.orchard.supervisor.parallel_override = None  # that run's queue drained
        if self.hub.clients or busy or self.train.busy():
            self._idle_since = time.monotonic()
        return time.monotonic() - self._idle_since

    async def _drained(self) -> None:
        while self.counts(LIVE_STATES) and not self._force:
            await asyncio.sleep(0.2)

    # what it says about itself

    def counts(self, states: frozenset[TaskState] | None = None) -> dict[str, int]:
        """Return how many tasks are in each state (of `states`, if given)."""
        found: dict[str, int] = {}
        for task in self.orchard.store.tasks(states=list(states) if states else None):
            found[task.state.value] = found.get(task.state.value, 0) + 1
        return found

    def status(self) -> dict[str, Any]:
        """Return what `orchard service status` shows."""
        return {
            "pid": os.getpid(),
            "version": __version__,
            "api": API_VERSION,
            "home": str(self.orchard.home.root),
            "socket": str(self.socket),
            "started_at": self.started_at,
            "uptime": round(time.time() - self.started_at, 1),
            "idle_exit_seconds": self.idle_exit,
            "executor": type(self.orchard.supervisor.executor).__name__,
            "tasks": self.counts(),
            "clients": self.hub.clients,
            "draining": self.draining,
            "held": self.orchard.supervisor.held_reason,
            "successor": self.successor.version if self.successor else None,
            "environment": seen(self.orchard.settings),
        }

    def reload_settings(self) -> None:
        """Read config.toml and the secrets again (the window's Settings saved them)."""
        self.orchard.reload_settings()


def _replace_stale(path: Path) -> None:
    """Remove a socket file no live service answers on; refuse anything else."""
    try:
        connect(path, timeout=1.0).close()
    except OSError:
        path.unlink()  # nobody listens: a crashed service's leftover
        return
    raise ServiceFailed(f"another process already answers on {path}")


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def write_failure(home_root: Path, message: str) -> None:
    """Leave the one line that says why the service could not start, for the client."""
    with contextlib.suppress(OSError):
        (home_root / SERVICE_FAILURE).write_text(message + "\n")
