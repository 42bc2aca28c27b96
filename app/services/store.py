"""Orchard's database: projects and tasks in SQLite (WAL), through SQLModel.

Logs never live here: only a task's summary (state, counts, last event).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from app.core.states import TaskState
from app.core.task import Comment, Project, Task

SCHEMA_VERSION = 2

# Each entry takes a database from the version before it to its key. Tables that are new in a
# version need no statement here: create_all makes them.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        "ALTER TABLE tasks ADD COLUMN next_prompt VARCHAR",
        "ALTER TABLE tasks ADD COLUMN turns INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE tasks ADD COLUMN landed_commit VARCHAR",
        "ALTER TABLE tasks ADD COLUMN pr_url VARCHAR",
        "ALTER TABLE tasks ADD COLUMN archived_state VARCHAR",
    ),
}


_ADD_COLUMN = re.compile(r"ALTER TABLE (\w+) ADD COLUMN (\w+)")


def _has_table(conn: Connection, table: str) -> bool:
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    )
    return found.first() is not None


def _apply(conn: Connection, statement: str) -> None:
    """Run one migration statement; adding a column that exists already is a no-op."""
    add = _ADD_COLUMN.match(statement)
    if add:
        table, column = add.groups()
        columns = {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")}
        if column in columns:
            return
    conn.execute(text(statement))


class StoreError(LookupError):
    """A lookup that found nothing, or too much; the message is fit to show."""


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


class SchemaRow(SQLModel, table=True):
    __tablename__ = "schema_version"
    version: int = Field(primary_key=True)


_TASK_FIELDS = tuple(f.name for f in fields(Task))


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class Store:
    """Reads and writes projects and tasks; every write is one short transaction."""

    def __init__(self, path: Path) -> None:
        self._engine: Engine = create_engine(
            f"sqlite:///{path}", connect_args={"timeout": 30, "check_same_thread": False}
        )
        event.listen(self._engine, "connect", _on_connect)
        self._migrate()

    def _migrate(self) -> None:
        """Bring an older database up to SCHEMA_VERSION; create a new one at it."""
        with Session(self._engine) as s:
            conn = s.connection()
            # Take the write lock first: another process may be opening the same old database.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            fresh = not _has_table(conn, "tasks")
            SQLModel.metadata.create_all(conn)
            known = [r.version for r in s.exec(select(SchemaRow))]
            current = SCHEMA_VERSION if fresh else max(known, default=1)
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"the database is from a newer Orchard (schema {current}, this one "
                    f"knows {SCHEMA_VERSION}); upgrade Orchard to open it"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version]:
                    _apply(conn, statement)
            for version in range(1, SCHEMA_VERSION + 1):
                if version not in known:
                    s.add(SchemaRow(version=version))
            s.commit()

    def schema_version(self) -> int:
        """Return the schema version the database is at."""
        with Session(self._engine) as s:
            return max(r.version for r in s.exec(select(SchemaRow)))

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    # projects

    def add_project(self, project: Project) -> None:
        """Record a new project; raise StoreError if the name is taken."""
        with Session(self._engine) as s:
            if s.get(ProjectRow, project.name) is not None:
                raise StoreError(
                    f"a project named '{project.name}' already exists (pick another with --name)"
                )
            s.add(ProjectRow(**project.to_json()))
            s.commit()

    def project(self, name: str) -> Project:
        """Return the project called `name`, or raise StoreError."""
        with Session(self._engine) as s:
            row = s.get(ProjectRow, name)
            if row is None:
                known = ", ".join(r.name for r in s.exec(select(ProjectRow))) or "none yet"
                raise StoreError(
                    f"no project named '{name}' (known: {known}); "
                    "add one with `orchard project add PATH`"
                )
            return _project(row)

    def projects(self) -> list[Project]:
        """Return every project, by name."""
        with Session(self._engine) as s:
            rows = s.exec(select(ProjectRow).order_by(col(ProjectRow.name)))
            return [_project(r) for r in rows]

    # tasks

    def add_tasks(self, tasks: Iterable[Task]) -> None:
        """Record new tasks in one transaction."""
        with Session(self._engine) as s:
            for task in tasks:
                s.add(TaskRow(**_task_row_values(task)))
            s.commit()

    def task(self, ref: str) -> Task:
        """Return the task whose id is `ref` or starts with it; raise StoreError otherwise."""
        ref = ref.strip().lower()
        if len(ref) < 4 or not all(c in "0123456789abcdef" for c in ref):
            raise StoreError(f"'{ref}' is not a task id (use the id `orchard task list` shows)")
        with Session(self._engine) as s:
            rows = list(s.exec(select(TaskRow).where(col(TaskRow.id).startswith(ref)).limit(2)))
        if not rows:
            raise StoreError(f"no task with id '{ref}'")
        if len(rows) > 1:
            raise StoreError(f"'{ref}' matches more than one task; give more of the id")
        return _task(rows[0])

    def tasks(
        self, project: str | None = None, states: Iterable[TaskState] | None = None
    ) -> list[Task]:
        """Return tasks, oldest first, optionally of one project and in some states."""
        query = select(TaskRow).order_by(col(TaskRow.created_at), col(TaskRow.id))
        if project is not None:
            query = query.where(TaskRow.project == project)
        if states is not None:
            query = query.where(col(TaskRow.state).in_([s.value for s in states]))
        with Session(self._engine) as s:
            return [_task(r) for r in s.exec(query)]

    def update(self, task_id: str, **changes: Any) -> Task:
        """Apply `changes` to one task and return it as stored."""
        return self.update_many({task_id: changes})[task_id]

    def update_many(self, changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Task]:
        """Apply several tasks' changes in one transaction."""
        rows: dict[str, TaskRow] = {}
        with Session(self._engine) as s:
            for task_id, values in changes.items():
                row = s.get(TaskRow, task_id)
                if row is None:
                    raise StoreError(f"no task with id '{task_id}'")
                for key, value in values.items():
                    setattr(row, key, value.value if isinstance(value, TaskState) else value)
                s.add(row)
                rows[task_id] = row
            s.commit()
            return {k: _task(v) for k, v in rows.items()}

    # review comments

    def add_comment(self, comment: Comment) -> Comment:
        """Record an open comment on a task's diff and return it with its id."""
        values = comment.to_json()
        values.pop("id")
        values["created_at"] = comment.created_at or time.time()
        with Session(self._engine) as s:
            row = CommentRow(**values)
            s.add(row)
            s.commit()
            s.refresh(row)
            return _comment(row)

    def comments(self, task_id: str, open_only: bool = False) -> list[Comment]:
        """Return a task's comments, oldest first; only unsent ones if `open_only`."""
        query = select(CommentRow).where(CommentRow.task_id == task_id)
        if open_only:
            query = query.where(col(CommentRow.sent_at).is_(None))
        with Session(self._engine) as s:
            return [_comment(r) for r in s.exec(query.order_by(col(CommentRow.id)))]

    def mark_comments_sent(self, ids: Iterable[int], when: float) -> None:
        """Record that these comments went to the agent at `when`."""
        with Session(self._engine) as s:
            for row in s.exec(select(CommentRow).where(col(CommentRow.id).in_(list(ids)))):
                row.sent_at = when
                s.add(row)
            s.commit()

    def delete_comment(self, comment_id: int) -> None:
        """Forget one comment; raise StoreError if there is none with that id."""
        with Session(self._engine) as s:
            row = s.get(CommentRow, comment_id)
            if row is None:
                raise StoreError(f"no comment with id {comment_id}")
            s.delete(row)
            s.commit()


def _comment(row: CommentRow) -> Comment:
    return Comment(
        row.task_id,
        row.path,
        row.line,
        row.text,
        row.side,
        row.quote,
        row.created_at,
        row.sent_at,
        row.id,
    )


def _project(row: ProjectRow) -> Project:
    return Project(row.name, row.path, row.base, row.setup, row.test)


def _task(row: TaskRow) -> Task:
    values = {name: getattr(row, name) for name in _TASK_FIELDS}
    values["state"] = TaskState(row.state)
    return Task(**values)


def _task_row_values(task: Task) -> dict[str, Any]:
    values = {name: getattr(task, name) for name in _TASK_FIELDS}
    values["state"] = task.state.value
    return values
