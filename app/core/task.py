"""A task as the rest of Orchard sees it: an immutable snapshot."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.core.naming import short_id
from app.core.states import TaskState


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    project: str
    title: str
    prompt: str
    agent: str
    state: TaskState
    branch: str
    worktree: str
    base_ref: str
    base_commit: str
    created_at: float
    group: str | None = None
    exit_code: int | None = None
    error: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None
    files_changed: int = 0
    insertions: int = 0
    deletions: int = 0
    session_id: str | None = None
    last_event: str = ""
    pgid: int | None = None
    proc_start: int | None = None
    stop_requested: bool = False

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    def to_json(self) -> dict[str, Any]:
        """Return the task as the JSON object the CLI prints."""
        data = asdict(self)
        data["state"] = self.state.value
        data["short_id"] = self.short_id
        return data


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    path: str
    base: str
    setup: str | None = None
    test: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the project as the JSON object the CLI prints."""
        return asdict(self)
