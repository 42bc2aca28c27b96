"""The window's view of the service's supervisor: the same messages, over the local API.

The window subscribes, wakes, stops and watches a task's log exactly as it did the supervisor
in its own process; here each of those is a request to the service or a line of its streams.
The agents run in the service, so closing the window stops none of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.client import ServiceError, ServiceLink
from app.core.inbox import Ask
from app.core.messages import (
    AlreadySupervised,
    Listener,
    Message,
    QueueHeld,
    ReportsChanged,
    TaskOutput,
    TaskRawOutput,
    TaskUpdated,
)
from app.core.task import Task
from app.core.wire import decode
from app.qt.shell.host import HomePaths

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 1.0
MAX_RECONNECT_SECONDS = 30.0


class ClientLock:
    """The home's lock as a client sees it: the service holds it, never this window."""

    held = False

    def acquire(self) -> None:
        """Refuse: only the service supervises this home."""
        raise AlreadySupervised("the Orchard service supervises this home")

    def release(self) -> None:
        """Hold nothing, release nothing."""

    def held_by_other(self) -> bool:
        """Say that the service holds it."""
        return True

    def request_focus(self) -> None:
        """Windows of one home all stay live: none asks another to come forward."""

    def take_focus_request(self) -> bool:
        """No window asks this one to come forward."""
        return False


class RemoteSupervisor:
    """Stands in for the Supervisor in a window whose agents the service runs."""

    def __init__(self, link: ServiceLink, settings: Any) -> None:
        self.link = link
        self.settings = settings  # the home's, as the window read them
        self.findings: list[Any] = []
        self.held_reason: str | None = None
        self.executor = None
        self.on_connection: Callable[[str | None], None] = lambda _: None  # None: connected
        # The requests waiting on a person, whole, whenever the feed says they changed.
        self.on_asks: Callable[[list[Ask]], None] = lambda _: None
        self._listeners: list[Listener] = []
        self._watching: asyncio.Task[None] | None = None

    # what the window asks of a supervisor

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every message; return a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def runs(self, task_id: str) -> bool:
        """No turn runs in the window's process."""
        return False

    def flush_log(self, task_id: str) -> None:
        """The service flushes a log when the window watches it: see watch()."""

    def reconcile(self) -> list[Task]:
        """The service reaped what a dead supervisor left when it started."""
        return []

    async def stop_all(self) -> None:
        """The window closes; the agents keep running in the service."""
        await self.unwatch()
        await self.link.close()

    # the streams

    async def run(self, until_idle: bool = False) -> None:
        """Start the service if need be and follow its board, again whenever it goes away."""
        pause = RECONNECT_SECONDS
        while True:
            try:
                await self.link.start()
                async for line in self.link.lines("/v1/board"):
                    self.on_connection(None)
                    pause = RECONNECT_SECONDS
                    self._on_board(line)
            except ServiceError as exc:
                self.on_connection(str(exc))
            except Exception as exc:  # never a silent end: the window would stop updating
                log.exception("following the service failed")
                self.on_connection(str(exc))
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_RECONNECT_SECONDS)  # a service that cannot start

    def _on_board(self, line: dict[str, Any]) -> None:
        for data in line.get("tasks", ()):
            self._publish(TaskUpdated(Task.from_json(data)))
        if "held" in line:
            self.held_reason = line["held"] or None
            self._publish(QueueHeld(self.held_reason))
        if "asks" in line:
            self.on_asks(decode(line["asks"], list[Ask]))
        for project in line.get("reports", ()):
            self._publish(ReportsChanged(str(project)))

    async def watch(self, task_id: str) -> None:
        """Follow one task's new events; return once its stored log is complete on disk."""
        # The new stream replaces the old before any await: a newer watch always wins.
        ready = asyncio.get_running_loop().create_future()
        old, self._watching = self._watching, asyncio.ensure_future(self._follow(task_id, ready))
        if old is not None:
            old.cancel()
            await asyncio.wait([old])
        with contextlib.suppress(ServiceError):  # the log on disk is all there is
            await asyncio.shield(ready)

    async def unwatch(self) -> None:
        """Stop following the watched task."""
        job, self._watching = self._watching, None
        if job is not None:
            job.cancel()
            await asyncio.wait([job])

    async def _follow(self, task_id: str, ready: asyncio.Future[None]) -> None:
        try:
            async for line in self.link.lines(f"/v1/tasks/{task_id}/events"):
                if line.get("ready"):
                    ready.set_result(None)
                if line.get("events"):
                    self._publish(TaskOutput(task_id, tuple(line["events"])))
                if line.get("raw"):
                    self._publish(TaskRawOutput(task_id, line["raw"].encode()))
        except ServiceError as exc:
            if not ready.done():
                ready.set_exception(exc)
        finally:
            if not ready.done():
                ready.set_result(None)

    # plumbing

    def _publish(self, message: Message) -> None:
        for listener in list(self._listeners):
            listener(message)


@dataclass
class ServiceHome:
    """A home whose agents the service runs, as its window sees it: no database, no agents.

    Everything the window reads or changes of the home goes through operations.
    """

    home: HomePaths
    settings: Any  # the home's settings, as config.toml says
    supervisor: RemoteSupervisor
    lock: ClientLock


def service_home(home: HomePaths, settings: Any) -> ServiceHome:
    """Return the view of `home` for a window of its service."""
    return ServiceHome(
        home, settings, RemoteSupervisor(ServiceLink(home.root), settings), ClientLock()
    )
