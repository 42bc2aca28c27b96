"""Orchard's tables as SQLModel classes: imported by the store only once it writes.

SQLModel and SQLAlchemy take about 300 ms to import; the window's first frame and the
command line's reads do without them (see database.py).
"""

from __future__ import annotations

import time

from sqlmodel import Field, SQLModel


class ProjectRow(SQLModel, table=True):
    __tablename__ = "projects"
    name: str = Field(primary_key=True)
    path: str
    base: str
    setup: str | None = None
    test: str | None = None
    created_at: float = Field(default_factory=time.time)


class TaskRow(SQLModel, table=True):
    __tablename__ = "tasks"
    id: str = Field(primary_key=True)
    project: str = Field(index=True)
    title: str
    prompt: str
    agent: str
    state: str = Field(index=True)
    branch: str
    worktree: str
    base_ref: str
    base_commit: str
    created_at: float = Field(index=True)
    group: str | None = Field(default=None, index=True)
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
    next_prompt: str | None = None
    turns: int = 0
    landed_commit: str | None = None
    pr_url: str | None = None
    archived_state: str | None = None
    node: str | None = None
    budget_tokens: int | None = None
    budget_usd: float | None = None
    budget_minutes: float | None = None
    spent_seconds: float = 0.0


class CommentRow(SQLModel, table=True):
    __tablename__ = "comments"
    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(index=True)
    path: str
    line: int
    text: str
    side: str = "new"
    quote: str = ""
    created_at: float = Field(default_factory=time.time)
    sent_at: float | None = None
    dropped_at: float | None = None


class ReportRow(SQLModel, table=True):
    __tablename__ = "reports"
    id: int | None = Field(default=None, primary_key=True)
    project: str = Field(index=True)
    title: str
    body: str = ""
    reporter: str = ""
    source: str = "capture"
    external_id: str | None = Field(default=None, index=True)
    url: str | None = None
    created_at: float
    imported_at: float
    labels: str = ""  # newline-separated
    category: str | None = None
    priority: str | None = None
    owner: str | None = None
    status: str = Field(default="new", index=True)
    duplicate_of: int | None = Field(default=None, index=True)
    triaged_at: float | None = None
    fixed_at: float | None = None
    fix_commit: str | None = None
    pr_url: str | None = None


class ReportTaskRow(SQLModel, table=True):
    __tablename__ = "report_tasks"
    report_id: int = Field(primary_key=True)
    task_id: str = Field(primary_key=True, index=True)


class TriageSourceRow(SQLModel, table=True):
    """What an import remembers between runs (ETags, where it stopped), as JSON."""

    __tablename__ = "triage_sources"
    key: str = Field(primary_key=True)  # e.g. "github:octo/app"
    project: str = Field(index=True)
    data: str = "{}"
    updated_at: float = 0.0


class ReportSplitRow(SQLModel, table=True):
    """Two reports a person said are not duplicates: clusters never join them again."""

    __tablename__ = "report_splits"
    report_id: int = Field(primary_key=True)  # the smaller id of the pair
    other_id: int = Field(primary_key=True)
    project: str = Field(index=True)
    created_at: float = Field(default_factory=time.time)


class TrainCarRow(SQLModel, table=True):
    """A task on a land train (see app/core/train.py's Car)."""

    __tablename__ = "train_cars"
    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(index=True)
    project: str = Field(index=True)
    target: str
    position: int
    state: str = Field(index=True)
    strategy: str = "merge"
    send_back: bool = False
    reason: str = ""
    output: str = ""
    proven_on: str | None = None
    landed_commit: str | None = None
    sent_back_turns: int | None = None
    joined_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)
    ahead: str = ""  # the task ids its proof assumed land before it, space-separated


class TrainRow(SQLModel, table=True):
    """A land train's own state: whether it is paused, and why."""

    __tablename__ = "trains"
    project: str = Field(primary_key=True)
    target: str = Field(primary_key=True)
    paused: str | None = None


class SchemaRow(SQLModel, table=True):
    __tablename__ = "schema_version"
    version: int = Field(primary_key=True)
