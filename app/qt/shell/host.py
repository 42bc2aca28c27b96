"""What a child controller needs of the window's controller, and nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QSettings

from app.core.task import Task

if TYPE_CHECKING:
    from app.client import Operations
    from app.qt.shell.mainwindow import MainWindow
    from app.services.orchard import Orchard

T = TypeVar("T")


class WindowHost(Protocol):
    """The window controller as its child controllers see it (WindowController is one)."""

    orchard: Orchard
    ops: Operations
    window: MainWindow
    settings: QSettings
    task_listeners: list[Callable[[list[Task]], None]]

    @property
    def tasks(self) -> dict[str, Task]: ...

    async def off_thread(self, fn: Callable[..., T], *args: Any) -> T: ...

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]: ...

    def say(self, text: str, error: bool = False) -> None: ...

    def shown_task(self) -> Task | None: ...

    def refresh_task(self, task: Task) -> None: ...

    def show_event(self, task_id: str, seq: int, text: str) -> None: ...

    def show_new_tasks(self, tasks: list[Task]) -> None: ...
