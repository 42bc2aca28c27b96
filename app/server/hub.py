"""Fans the supervisor's messages out to the service's streaming clients, batched.

A window receives board summaries at most BOARD_SECONDS apart however many agents run, and
the live events of the one task it shows, at most EVENTS_SECONDS apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.core.events import Event
from app.core.inbox import Ask
from app.core.task import Task
from app.core.wire import encode
from app.services.tasks import (
    Message,
    QueueHeld,
    ReportsChanged,
    TaskOutput,
    TaskRawOutput,
    TaskUpdated,
)

BOARD_SECONDS = 0.1
EVENTS_SECONDS = 0.05


@dataclass(eq=False)
class BoardFeed:
    """One client's pending board changes."""

    tasks: dict[str, Task] = field(default_factory=dict)
    held: list[str | None] = field(default_factory=list)
    reports: set[str] = field(default_factory=set)  # projects whose reports changed
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    # The requests waiting on a person, whole, when they changed since the last line.
    asks: list[Ask] | None = None

    def take(self) -> bytes:
        """Return the pending changes as one line of JSON, and forget them."""
        line: dict[str, Any] = {"tasks": [t.to_json() for t in self.tasks.values()]}
        if self.held:
            line["held"] = self.held[-1] or ""
        if self.asks is not None:
            line["asks"] = encode(self.asks)
        if self.reports:
            line["reports"] = sorted(self.reports)
        self.tasks, self.held, self.asks, self.reports = {}, [], None, set()
        self.ready.clear()
        return orjson.dumps(line) + b"\n"


@dataclass(eq=False)
class EventFeed:
    """One client's pending events of the task it watches."""

    task_id: str
    events: list[Event] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    closed: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self) -> bytes:
        """Return the pending events (and raw output) as one line of JSON, and forget them."""
        line: dict[str, Any] = {"events": self.events}
        if self.raw:
            line["raw"] = b"".join(self.raw).decode("utf-8", errors="replace")
        self.events, self.raw = [], []
        self.ready.clear()
        return orjson.dumps(line) + b"\n"


class Hub:
    """Keeps every open feed and routes each supervisor message to the feeds that want it."""

    def __init__(self, asks: Callable[[], list[Ask]] = list) -> None:
        self.boards: set[BoardFeed] = set()
        self.watchers: dict[str, set[EventFeed]] = {}
        self.asks = asks  # the inbox's waiting requests, oldest first

    def on_inbox(self) -> None:
        """The waiting requests changed: every board gets the whole list in its next line."""
        waiting = self.asks()
        for board in self.boards:
            board.asks = waiting
            board.ready.set()

    @property
    def clients(self) -> int:
        """Return how many streams are open (a window holds at least one)."""
        return len(self.boards) + sum(len(f) for f in self.watchers.values())

    def on_message(self, message: Message) -> None:
        """Route one supervisor message; called on the service's loop."""
        if isinstance(message, TaskUpdated):
            for board in self.boards:
                board.tasks[message.task.id] = message.task
                board.ready.set()
        elif isinstance(message, QueueHeld):
            for board in self.boards:
                board.held.append(message.reason)
                board.ready.set()
        elif isinstance(message, ReportsChanged):
            for board in self.boards:
                board.reports.add(message.project)
                board.ready.set()
        elif isinstance(message, TaskOutput):
            for feed in self.watchers.get(message.task_id, ()):
                feed.events.extend(message.events)
                feed.ready.set()
        elif isinstance(message, TaskRawOutput):
            for feed in self.watchers.get(message.task_id, ()):
                feed.raw.append(message.data)
                feed.ready.set()

    def close_all(self) -> None:
        """End every stream: the service is stopping."""
        feeds: list[BoardFeed | EventFeed] = [*self.boards]
        feeds += [f for fs in self.watchers.values() for f in fs]
        for feed in feeds:
            feed.closed = True
            feed.ready.set()

    def open_board(self) -> BoardFeed:
        """Start a board feed."""
        feed = BoardFeed()
        self.boards.add(feed)
        return feed

    def close_board(self, feed: BoardFeed) -> None:
        """End a board feed."""
        self.boards.discard(feed)

    def watch(self, task_id: str) -> EventFeed:
        """Start a feed of one task's events."""
        feed = EventFeed(task_id)
        self.watchers.setdefault(task_id, set()).add(feed)
        return feed

    def unwatch(self, feed: EventFeed) -> None:
        """End a feed of one task's events."""
        feeds = self.watchers.get(feed.task_id, set())
        feeds.discard(feed)
        if not feeds:
            self.watchers.pop(feed.task_id, None)
