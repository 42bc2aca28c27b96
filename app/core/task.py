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
    next_prompt: str | None = None  # a follow-up turn's prompt, waiting for the supervisor
    turns: int = 0
    landed_commit: str | None = None
    pr_url: str | None = None
    archived_state: str | None = None  # the state a discarded task was archived in
    node: str | None = None  # the cluster node its last turn ran on; None: this machine
    budget_tokens: int | None = None  # the task's own caps; None: its project's default
    budget_usd: float | None = None
    budget_minutes: float | None = None
    spent_seconds: float = 0.0  # wall time of its ended turns (a live one counts from started_at)

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    def to_json(self) -> dict[str, Any]:
        """Return the task as the JSON object the CLI prints."""
        data = asdict(self)
        data["state"] = self.state.value
        data["short_id"] = self.short_id
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Task:
        """Return the task `to_json()` described (the service's replies carry it this way)."""
        known = {k: v for k, v in data.items() if k in _TASK_FIELDS}
        return cls(**{**known, "state": TaskState(data["state"])})


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


@dataclass(frozen=True, slots=True)
class Comment:
    """A reviewer's remark on one line of a task's diff, sent back to its agent."""

    task_id: str
    path: str
    line: int
    text: str
    side: str = "new"  # "new": a line of the task's version; "old": of the base's
    quote: str = ""  # the commented line(s) of code, as the reviewer saw them
    created_at: float = 0.0
    sent_at: float | None = None
    id: int | None = None
    dropped_at: float | None = None  # landed or discarded without it, by the person's choice

    @property
    def where(self) -> str:
        """Return `path:line`, as the person saw it."""
        return f"{self.path}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        """Return the comment as the JSON object the CLI prints."""
        return asdict(self)


_TASK_FIELDS = frozenset(Task.__dataclass_fields__) - {"short_id"}


@dataclass(frozen=True, slots=True)
class CommentThread:
    """A review comment and what its agent answered: the last message of the turn it started."""

    comment: Comment
    answer: str | None = None  # the turn's last agent message, if it said anything yet
    turn: int = 0  # the answering turn's number (the task's first turn is 1); 0: none yet
    answering: bool = False  # that turn is still running: its answer may grow
    seq: int | None = None  # the answer's event in the task's log
