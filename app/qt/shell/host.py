"""What a child controller needs of the window's controller, and nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QSettings

from app.core.task import Task

if TYPE_CHECKING:
    from pathlib import Path

    from app.client import Operations
    from app.core.messages import Listener
    from app.qt.shell.mainwindow import MainWindow

T = TypeVar("T")


class HomePaths(Protocol):
    """Where the home keeps things the window shows or opens."""

    @property
    def root(self) -> Path: ...

    @property
    def logs(self) -> Path: ...

    @property
    def config(self) -> Path: ...


class HomeLock(Protocol):
    """The home's supervisor lock, as the window sees it."""

    held: bool

    def acquire(self) -> None: ...

    def held_by_other(self) -> bool: ...

    def request_focus(self) -> None: ...

    def take_focus_request(self) -> bool: ...


class Supervision(Protocol):
    """What the window asks of whichever supervisor runs its agents, here or in the service."""

    settings: Any
    held_reason: str | None

    def subscribe(self, listener: Listener) -> Callable[[], None]: ...

    def runs(self, task_id: str) -> bool: ...

    def flush_log(self, task_id: str) -> None: ...

    def reconcile(self) -> list[Task]: ...

    async def run(self, until_idle: bool = ...) -> None: ...

    async def stop_all(self) -> None: ...


class Supervised(Protocol):
    """A home as its window sees it: paths, settings, the supervisor and the lock; no database.

    The window changes and reads the home's data only through operations (`WindowHost.ops`).
    """

    home: HomePaths
    settings: Any  # the home's settings as config.toml says: agents, triage, LLM, notices
    supervisor: Supervision
    lock: HomeLock


class WindowHost(Protocol):
    """The window controller as its child controllers see it (WindowController is one)."""

    orchard: Supervised
    ops: Operations
    window: MainWindow
    settings: QSettings
    task_listeners: list[Callable[[list[Task]], None]]

    @property
    def tasks(self) -> dict[str, Task]: ...

    async def off_thread(self, fn: Callable[..., T], *args: Any) -> T: ...

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]: ...

    def say(self, text: str, error: bool = False) -> None: ...

    def announce(self, text: str, tone: str = "error") -> None: ...

    def notify(self, summary: str, body: str, task_id: str) -> None: ...

    def shown_task(self) -> Task | None: ...

    def refresh_task(self, task: Task) -> None: ...

    def show_event(self, task_id: str, seq: int, text: str) -> None: ...

    def show_new_tasks(self, tasks: list[Task]) -> None: ...
