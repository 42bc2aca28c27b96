"""What a supervisor tells its listeners (the window, the service's streams), as plain values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.core.events import Event
from app.core.task import Task


@dataclass(frozen=True, slots=True)
class TaskUpdated:
    task: Task


@dataclass(frozen=True, slots=True)
class TaskOutput:
    task_id: str
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class TaskRawOutput:
    task_id: str
    data: bytes


@dataclass(frozen=True, slots=True)
class QueueHeld:
    """Queued agents are held back (`reason` says why), or may start again (None)."""

    reason: str | None


@dataclass(frozen=True, slots=True)
class ReportsChanged:
    """A project's bug reports were added or changed (by the CLI, an import, a triage key)."""

    project: str


Message = TaskUpdated | TaskOutput | TaskRawOutput | QueueHeld | ReportsChanged
Listener = Callable[[Message], None]


class AlreadySupervised(RuntimeError):
    """Another Orchard process is supervising this home."""
