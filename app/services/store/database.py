"""Orchard's database: projects and tasks in SQLite (WAL), through SQLModel.

Logs never live here: only a task's summary (state, counts, last event).

Opening the database, and reading tasks and projects, go through the standard library's
sqlite3: SQLModel and SQLAlchemy cost about 300 ms to import, which the window's first
frame and the command line's listings do without. They are imported by the first write,
or ahead of it by prepare_writes(), which the service (or the demo window) calls in a thread.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, Future, wait
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from app.core.states import TaskState
from app.core.task import Comment, Project, Task
from app.core.train import Car, CarState
from app.core.triage import Report, ReportDraft, ReportStatus
from app.services.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Select
    from sqlmodel import Session
    from sqlmodel.sql.expression import SelectOfScalar

    from app.services.store.tables import CommentRow, ProjectRow, ReportRow

SCHEMA_VERSION = 9

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
    3: (),  # triage: reports, report_tasks and triage_sources are new tables
    4: ("ALTER TABLE comments ADD COLUMN dropped_at FLOAT",),
    5: (),  # the land train: train_cars and trains are new tables
    6: ("ALTER TABLE train_cars ADD COLUMN ahead VARCHAR NOT NULL DEFAULT ''",),
    7: ("ALTER TABLE tasks ADD COLUMN node VARCHAR",),  # where a task ran: a Ray node's id
    8: (  # budgets that pause
        "ALTER TABLE tasks ADD COLUMN budget_tokens INTEGER",
        "ALTER TABLE tasks ADD COLUMN budget_usd FLOAT",
        "ALTER TABLE tasks ADD COLUMN budget_minutes FLOAT",
        "ALTER TABLE tasks ADD COLUMN spent_seconds FLOAT NOT NULL DEFAULT 0",
    ),
    9: (),  # duplicate clusters: report_splits is a new table
}


_ADD_COLUMN = re.compile(r"ALTER TABLE (\w+) ADD COLUMN (\w+)")


def _has_table(conn: Connection, table: str) -> bool:
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    )
    return found.first() is not None


def _apply(conn: Connection, statement: str) -> None:
    """Run one migration statement; adding a column that exists already is a no-op."""
    from sqlalchemy import text

    add = _ADD_COLUMN.match(statement)
    if add:
        table, column = add.groups()
        columns = {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")}
        if column in columns:
            return
    conn.execute(text(statement))


class StoreError(UserError, LookupError):
    """A lookup that found nothing, or too much; the message is fit to show."""


class StoreCorrupt(Exception):
    """The database file is damaged; `path` names it and the message says how."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"the database {path} is damaged ({detail})")
        self.path = path
        self.detail = detail


_TASK_FIELDS = tuple(f.name for f in fields(Task))
_TASK_BOOLS = tuple(f.name for f in fields(Task) if f.type in ("bool", bool))  # 0/1 in SQLite
_PROJECT_SELECT = "SELECT name, path, base, setup, test FROM projects"
_TASK_SELECT = f"SELECT {', '.join(f'"{name}"' for name in _TASK_FIELDS)} FROM tasks"
# Every table of SCHEMA_VERSION (tables.py; a test holds the two together): a database that
# has them all at that version opens without SQLAlchemy.
_TABLES = frozenset(
    {
        "projects",
        "tasks",
        "comments",
        "reports",
        "report_tasks",
        "report_splits",
        "triage_sources",
        "train_cars",
        "trains",
        "schema_version",
    }
)
_REPORT_FIELDS = tuple(
    f.name for f in fields(Report) if f.name not in ("labels", "status", "tasks")
)
_DRAFT_UPDATES = ("title", "body", "reporter", "url", "labels")  # what a re-import refreshes


@dataclass(frozen=True, slots=True)
class ReportBatch:
    """What taking in a batch of drafts did: new reports, and how many were known already."""

    added: list[Report]
    updated: int = 0
    unchanged: int = 0


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # A checkpoint copies the write-ahead log into the database and syncs both: with agents
    # writing their logs flat out one took 30-60 ms, inside whichever commit crossed the
    # threshold, on the GUI loop. Orchard checkpoints off the loop instead (checkpoint()),
    # and SQLite checkpoints when the last connection closes.
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


class Store:
    """Reads and writes projects and tasks; every write is one short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sql: Engine | None = None  # SQLAlchemy's, made by the first write
        self._engine_lock = threading.Lock()
        # Reads use one plain connection per thread: a read on the loop never waits for a
        # thread's. All are closed by close().
        self._local = threading.local()
        self._readers_lock = threading.Lock()
        self._readers: list[sqlite3.Connection] = []
        self._closed = False
        self._behind: Future[Any] | None = None  # a task update started by update_many_on()
        try:
            if _schema_version(self._reader()) != SCHEMA_VERSION:
                self._migrate()
            problems = self.integrity_problems()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreCorrupt(path, _reason(exc)) from None
        except BaseException:
            self.close()
            raise
        if problems:
            self.close()
            raise StoreCorrupt(path, problems[0])

    @property
    def _engine(self) -> Engine:
        """Return SQLAlchemy's engine, importing SQLModel and making it on first use."""
        with self._engine_lock:
            if self._sql is None:
                from sqlalchemy import event
                from sqlmodel import create_engine

                import app.services.store.tables  # noqa: F401  (the tables' classes, for the ORM)

                engine = create_engine(
                    f"sqlite:///{self.path}",
                    connect_args={"timeout": 30, "check_same_thread": False},
                )
                event.listen(engine, "connect", _on_connect)
                self._sql = engine
            return self._sql

    def prepare_writes(self) -> None:
        """Import SQLModel and make the engine now (in a thread), not in the first write."""
        self._engine  # noqa: B018

    def _reader(self) -> sqlite3.Connection:
        """Return this thread's plain connection, opening it on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with self._readers_lock:
                if self._closed:
                    raise sqlite3.ProgrammingError("the database is closed")
                conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                self._readers.append(conn)
            _on_connect(conn, None)
            self._local.conn = conn
        return conn

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one SELECT on this thread's plain connection."""
        return self._reader().execute(sql, tuple(params)).fetchall()

    def integrity_problems(self) -> list[str]:
        """Return what PRAGMA quick_check finds wrong with the database (empty when sound)."""
        rows = [str(r[0]) for r in self._read("PRAGMA quick_check(5)")]
        return [] if rows == ["ok"] else rows

    def _migrate(self) -> None:
        """Bring an older database up to SCHEMA_VERSION; create a new one at it."""
        from sqlalchemy.exc import DatabaseError as SQLDatabaseError
        from sqlmodel import Session, SQLModel, select

        from app.services.store.tables import SchemaRow

        try:
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
        except SQLDatabaseError as exc:
            raise sqlite3.DatabaseError(_reason(exc)) from None

    def schema_version(self) -> int:
        """Return the schema version the database is at."""
        return int(self._read("SELECT max(version) FROM schema_version")[0][0])

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database, waiting for no reader or writer.

        Blocking (it syncs the disk): call it off the event loop.
        """
        with self._engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        """Release the database connections."""
        self._wait_behind()
        with self._readers_lock:
            self._closed = True
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        with self._engine_lock:
            if self._sql is not None:
                self._sql.dispose()

    # projects

    def add_project(self, project: Project) -> None:
        """Record a new project; raise StoreError if the name is taken."""
        from sqlmodel import Session

        from app.services.store.tables import ProjectRow

        with Session(self._engine) as s:
            if s.get(ProjectRow, project.name) is not None:
                raise StoreError(
                    f"a project named '{project.name}' already exists (pick another with --name)"
                )
            s.add(ProjectRow(**project.to_json()))
            s.commit()

    def move_project(self, name: str, path: str) -> Project:
        """Point project `name` at the folder its repository now lives in."""
        from sqlmodel import Session

        from app.services.store.tables import ProjectRow

        with Session(self._engine) as s:
            row = s.get(ProjectRow, name)
            if row is None:
                raise StoreError(f"no project named '{name}'")
            row.path = path
            s.add(row)
            s.commit()
            s.refresh(row)
            return _project(row)

    def project(self, name: str) -> Project:
        """Return the project called `name`, or raise StoreError."""
        rows = self._read(f"{_PROJECT_SELECT} WHERE name = ?", (name,))
        if not rows:
            known = ", ".join(p.name for p in self.projects()) or "none yet"
            raise StoreError(
                f"no project named '{name}' (known: {known}); "
                "add one with `orchard project add PATH`"
            )
        return Project(*rows[0])

    def projects(self) -> list[Project]:
        """Return every project, by name."""
        rows = self._read(f"{_PROJECT_SELECT} ORDER BY name")
        return [Project(*row) for row in rows]

    # tasks

    def add_tasks(self, tasks: Iterable[Task]) -> None:
        """Record new tasks in one transaction."""
        from sqlmodel import Session

        from app.services.store.tables import TaskRow

        with Session(self._engine) as s:
            for task in tasks:
                s.add(TaskRow(**_task_row_values(task)))
            s.commit()

    def task(self, ref: str) -> Task:
        """Return the task whose id is `ref` or starts with it; raise StoreError otherwise."""
        ref = ref.strip().lower()
        if len(ref) < 4 or not all(c in "0123456789abcdef" for c in ref):
            raise StoreError(f"'{ref}' is not a task id (use the id `orchard task list` shows)")
        # hex digits only: nothing in `ref` means anything to LIKE
        rows = self._read(f"{_TASK_SELECT} WHERE id LIKE ? LIMIT 2", (ref + "%",))
        if not rows:
            raise StoreError(f"no task with id '{ref}'")
        if len(rows) > 1:
            raise StoreError(f"'{ref}' matches more than one task; give more of the id")
        return _task_of(rows[0])

    def tasks(
        self, project: str | None = None, states: Iterable[TaskState] | None = None
    ) -> list[Task]:
        """Return tasks, oldest first, optionally of one project and in some states."""
        where: list[str] = []
        params: list[Any] = []
        if project is not None:
            where.append("project = ?")
            params.append(project)
        if states is not None:
            values = [s.value for s in states]
            where.append(f"state IN ({', '.join('?' * len(values))})" if values else "0")
            params += values
        sql = _TASK_SELECT + (f" WHERE {' AND '.join(where)}" if where else "")
        rows = self._read(sql + " ORDER BY created_at, id", params)
        return [_task_of(row) for row in rows]

    def update(self, task_id: str, **changes: Any) -> Task:
        """Apply `changes` to one task and return it as stored."""
        return self.update_many({task_id: changes})[task_id]

    def update_many(self, changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Task]:
        """Apply several tasks' changes in one transaction; return the tasks as stored.

        It waits for an update started by update_many_on() to end first, so updates apply
        in the order they were made.
        """
        self._wait_behind()
        return self._update_many(changes)

    def update_many_on(
        self, executor: Executor, changes: Mapping[str, Mapping[str, Any]]
    ) -> Future[dict[str, Task]]:
        """Start update_many(changes) on `executor` and return its future.

        The supervisor saves running tasks' progress this way, four times a second, off the
        event loop: a commit there stalled the window up to 48 ms. Any update made after
        this call, from any thread, waits for this one, so a task's final state written a
        moment later is never overwritten by the progress saved before it. `changes` must
        not be changed until the future is done.
        """
        self._wait_behind()
        future = executor.submit(self._update_many, changes)
        self._behind = future
        return future

    def _wait_behind(self) -> None:
        behind = self._behind
        if behind is not None and not behind.done():
            wait([behind])  # its failure is its caller's to handle

    def _update_many(self, changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Task]:
        """One SELECT and one executemany per set of changed columns, in one transaction."""
        from sqlalchemy import bindparam, update

        from app.services.store.tables import TaskRow

        if not changes:
            return {}
        table = TaskRow.__table__  # type: ignore[attr-defined]
        with self._engine.begin() as conn:
            query = table.select().where(table.c.id.in_(list(changes)))
            stored = {row.id: dict(row._mapping) for row in conn.execute(query)}
            if missing := [i for i in changes if i not in stored]:
                raise StoreError(f"no task with id '{missing[0]}'")
            batches: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for task_id, values in changes.items():
                plain = {k: v.value if isinstance(v, TaskState) else v for k, v in values.items()}
                stored[task_id].update(plain)
                batch = batches.setdefault(tuple(sorted(plain)), [])
                batch.append({"_id": task_id, **{f"_{k}": v for k, v in plain.items()}})
            for names, params in batches.items():
                if names:
                    sets: dict[str, Any] = {n: bindparam(f"_{n}") for n in names}
                    statement = update(table).where(table.c.id == bindparam("_id")).values(sets)
                    conn.execute(statement, params)
        return {task_id: _task_from(stored[task_id].__getitem__) for task_id in changes}

    # the land train

    def add_car(self, task_id: str, project: str, target: str, **values: Any) -> Car:
        """Put a task at the end of the train of `project`'s `target`; return its car."""
        from sqlmodel import Session

        from app.services.store.tables import TrainCarRow

        with Session(self._engine) as s:
            last = s.connection().exec_driver_sql(
                "SELECT max(position) FROM train_cars WHERE project = ? AND target = ?",
                (project, target),
            )
            position = (last.scalar() or 0) + 1
            row = TrainCarRow(
                task_id=task_id, project=project, target=target, position=position,
                state=CarState.WAITING.value, **values,
            )  # fmt: skip
            s.add(row)
            s.commit()
            assert row.id is not None
            return self.car(row.id)

    def car(self, car_id: int) -> Car:
        """Return one car; raise StoreError if there is none."""
        rows = self._read(f"{_CAR_SELECT} WHERE id = ?", (car_id,))
        if not rows:
            raise StoreError(f"no car {car_id} on any train")
        return _car_of(rows[0])

    def cars(
        self,
        project: str | None = None,
        target: str | None = None,
        states: Iterable[CarState] | None = None,
        task_id: str | None = None,
    ) -> list[Car]:
        """Return cars by position, optionally of one train, in some states, of one task."""
        where, params = [], []
        for column, value in (("project", project), ("target", target), ("task_id", task_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if states is not None:
            values = [s.value for s in states]
            where.append(f"state IN ({', '.join('?' * len(values))})" if values else "0")
            params += values
        sql = _CAR_SELECT + (f" WHERE {' AND '.join(where)}" if where else "")
        return [_car_of(r) for r in self._read(sql + " ORDER BY position, id", params)]

    def update_car(self, car_id: int, **changes: Any) -> Car:
        """Apply `changes` to one car (stamping updated_at) and return it as stored."""
        plain = {k: _car_column(v) for k, v in changes.items()}
        plain["updated_at"] = time.time()
        sets = ", ".join(f"{name} = ?" for name in plain)
        with self._engine.begin() as conn:
            conn.exec_driver_sql(
                f"UPDATE train_cars SET {sets} WHERE id = ?", (*plain.values(), car_id)
            )
        return self.car(car_id)

    def train_paused(self, project: str, target: str) -> str | None:
        """Return why the train of `project`'s `target` is paused, or None."""
        rows = self._read(
            "SELECT paused FROM trains WHERE project = ? AND target = ?", (project, target)
        )
        return rows[0][0] if rows else None

    def pause_train(self, project: str, target: str, reason: str | None) -> None:
        """Pause the train of `project`'s `target` saying why, or (None) let it go on."""
        with self._engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO trains (project, target, paused) VALUES (?, ?, ?) "
                "ON CONFLICT (project, target) DO UPDATE SET paused = excluded.paused",
                (project, target, reason),
            )

    # review comments

    def add_comment(self, comment: Comment) -> Comment:
        """Record an open comment on a task's diff and return it with its id."""
        from sqlmodel import Session

        from app.services.store.tables import CommentRow

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
        """Return a task's comments, oldest first; only unsent, undropped ones if `open_only`."""
        from sqlmodel import Session, col, select

        from app.services.store.tables import CommentRow

        query = select(CommentRow).where(CommentRow.task_id == task_id)
        if open_only:
            query = query.where(col(CommentRow.sent_at).is_(None))
            query = query.where(col(CommentRow.dropped_at).is_(None))
        with Session(self._engine) as s:
            return [_comment(r) for r in s.exec(query.order_by(col(CommentRow.id)))]

    def mark_comments_sent(self, ids: Iterable[int], when: float) -> None:
        """Record that these comments went to the agent at `when`."""
        self._stamp_comments(ids, "sent_at", when)

    def mark_comments_dropped(self, ids: Iterable[int], when: float) -> None:
        """Record that the task landed or was discarded without these comments, at `when`."""
        self._stamp_comments(ids, "dropped_at", when)

    def _stamp_comments(self, ids: Iterable[int], field_name: str, when: float) -> None:
        from sqlmodel import Session, col, select

        from app.services.store.tables import CommentRow

        with Session(self._engine) as s:
            for row in s.exec(select(CommentRow).where(col(CommentRow.id).in_(list(ids)))):
                setattr(row, field_name, when)
                s.add(row)
            s.commit()

    def delete_comment(self, comment_id: int) -> None:
        """Forget one comment; raise StoreError if there is none with that id."""
        from sqlmodel import Session

        from app.services.store.tables import CommentRow

        with Session(self._engine) as s:
            row = s.get(CommentRow, comment_id)
            if row is None:
                raise StoreError(f"no comment with id {comment_id}")
            s.delete(row)
            s.commit()

    # triage reports

    def add_reports(self, project: str, drafts: Iterable[ReportDraft]) -> ReportBatch:
        """Take in drafts in one transaction.

        A draft whose external_id the project has already is not added again: its title, body,
        reporter, url and labels are refreshed and its triage fields are left alone.
        """
        from sqlalchemy import insert, update
        from sqlmodel import Session, func, select

        from app.services.store.tables import ReportRow

        now = time.time()
        drafts = list(drafts)
        with Session(self._engine) as s:
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")
            known = _known_drafts(s, project, [d.external_id for d in drafts if d.external_id])
            values: list[dict[str, Any]] = []
            refreshed: list[dict[str, Any]] = []
            seen: set[str] = set()
            for draft in drafts:
                key = draft.external_id
                if key and (key in known or key in seen):
                    row = known.get(key)
                    fresh = None if row is None else {**row, **_draft_updates(draft)}
                    if fresh is not None and fresh != row:
                        refreshed.append(fresh)
                        known[key] = fresh  # a second copy in the batch compares with this one
                    continue
                if key:
                    seen.add(key)
                values.append(_draft_row_values(project, draft, now))
            if refreshed:
                s.execute(update(ReportRow), refreshed)
            if values:
                first_id = (s.exec(select(func.max(ReportRow.id))).one() or 0) + 1
                for offset, value in enumerate(values):
                    value["id"] = first_id + offset
                s.execute(insert(ReportRow), values)
            s.commit()
        added = [_report(ReportRow(**v), ()) for v in values]
        unchanged = len(drafts) - len(values) - len(refreshed)
        return ReportBatch(added, len(refreshed), unchanged)

    def report(self, report_id: int | str) -> Report:
        """Return one report by id ("12" or "#12" work too); raise StoreError if none."""
        from sqlmodel import Session

        from app.services.store.tables import ReportRow

        number = _report_number(report_id)
        with Session(self._engine) as s:
            row = s.get(ReportRow, number)
            if row is None:
                raise StoreError(f"no report with id {number} (see `orchard triage list`)")
            return _report(row, _report_tasks(s, [number]).get(number, ()))

    def reports(
        self,
        project: str | None = None,
        statuses: Iterable[ReportStatus] | None = None,
        since_id: int = 0,
    ) -> list[Report]:
        """Return reports by id, optionally of one project, in some statuses, above an id."""
        from sqlmodel import col, select

        from app.services.store.tables import ReportRow

        query = select(ReportRow)
        if project is not None:
            query = query.where(ReportRow.project == project)
        if statuses is not None:
            query = query.where(col(ReportRow.status).in_([s.value for s in statuses]))
        if since_id:
            query = query.where(col(ReportRow.id) > since_id)
        return self._reports_where(query)

    def update_reports(self, changes: Mapping[int, Mapping[str, Any]]) -> dict[int, Report]:
        """Apply several reports' changes (already checked) in one transaction."""
        from sqlmodel import Session

        from app.services.store.tables import ReportRow

        with Session(self._engine) as s:
            rows: dict[int, ReportRow] = {}
            for report_id, values in changes.items():
                row = s.get(ReportRow, report_id)
                if row is None:
                    raise StoreError(f"no report with id {report_id}")
                for key, value in values.items():
                    if key == "labels":
                        value = "\n".join(value)
                    elif isinstance(value, ReportStatus):
                        value = value.value
                    setattr(row, key, value)
                s.add(row)
                rows[report_id] = row
            s.commit()
            links = _report_tasks(s, list(rows))
            return {k: _report(v, links.get(k, ())) for k, v in rows.items()}

    def link_report_tasks(self, links: Iterable[tuple[int, str]]) -> None:
        """Record that these tasks work on these reports."""
        from sqlmodel import Session

        from app.services.store.tables import ReportTaskRow

        with Session(self._engine) as s:
            for report_id, task_id in links:
                if s.get(ReportTaskRow, (report_id, task_id)) is None:
                    s.add(ReportTaskRow(report_id=report_id, task_id=task_id))
            s.commit()

    def reports_for_task(self, task_id: str) -> list[Report]:
        """Return the reports a task works on."""
        from sqlmodel import col, select

        from app.services.store.tables import ReportRow, ReportTaskRow

        linked = select(ReportTaskRow.report_id).where(ReportTaskRow.task_id == task_id)
        return self._reports_where(select(ReportRow).where(col(ReportRow.id).in_(linked)))

    def duplicates_of(self, report_id: int) -> list[Report]:
        """Return the reports marked as duplicates of `report_id`."""
        from sqlmodel import select

        from app.services.store.tables import ReportRow

        return self._reports_where(select(ReportRow).where(ReportRow.duplicate_of == report_id))

    def split_reports(self, project: str, pairs: Iterable[tuple[int, int]]) -> None:
        """Remember that these pairs of reports are not duplicates of each other."""
        from sqlmodel import Session

        from app.services.store.tables import ReportSplitRow

        with Session(self._engine) as s:
            for a, b in {(min(p), max(p)) for p in pairs if p[0] != p[1]}:
                if s.get(ReportSplitRow, (a, b)) is None:
                    s.add(ReportSplitRow(report_id=a, other_id=b, project=project))
            s.commit()

    def report_splits(self, project: str) -> set[tuple[int, int]]:
        """Return the pairs (smaller id first) said not to be duplicates in `project`."""
        from sqlmodel import Session, select

        from app.services.store.tables import ReportSplitRow

        query = select(ReportSplitRow).where(ReportSplitRow.project == project)
        with Session(self._engine) as s:
            return {(r.report_id, r.other_id) for r in s.exec(query)}

    def triage_source(self, key: str) -> dict[str, Any]:
        """Return what an import remembered under `key` ({} if nothing)."""
        from sqlmodel import Session

        from app.services.store.tables import TriageSourceRow

        with Session(self._engine) as s:
            row = s.get(TriageSourceRow, key)
            return orjson.loads(row.data) if row is not None else {}

    def save_triage_source(self, key: str, project: str, data: Mapping[str, Any]) -> None:
        """Remember `data` for an import under `key`."""
        from sqlmodel import Session

        from app.services.store.tables import TriageSourceRow

        with Session(self._engine) as s:
            row = s.get(TriageSourceRow, key) or TriageSourceRow(key=key, project=project)
            row.data = orjson.dumps(dict(data)).decode()
            row.updated_at = time.time()
            s.add(row)
            s.commit()

    def _reports_where(self, query: SelectOfScalar[ReportRow]) -> list[Report]:
        """Return the reports `query` selects, by id, each with its tasks."""
        from sqlmodel import Session, col

        from app.services.store.tables import ReportRow

        with Session(self._engine) as s:
            rows = list(s.exec(query.order_by(col(ReportRow.id))))
            links = _report_tasks(s, query.with_only_columns(col(ReportRow.id)))
            return [_report(r, links.get(r.id or 0, ())) for r in rows]


def _report_tasks(s: Session, ids: Select[Any] | list[int]) -> dict[int, tuple[str, ...]]:
    """Return the tasks of the reports listed in `ids` or selected by it, by report id."""
    from sqlalchemy import Select
    from sqlmodel import col, select

    from app.services.store.tables import ReportTaskRow

    chunks = [ids] if isinstance(ids, Select) else _chunks(ids, 500)
    out: dict[int, list[str]] = {}
    for chunk in chunks:
        query = select(ReportTaskRow).where(col(ReportTaskRow.report_id).in_(chunk))
        for link in s.exec(query.order_by(col(ReportTaskRow.task_id))):
            out.setdefault(link.report_id, []).append(link.task_id)
    return {k: tuple(v) for k, v in out.items()}


def move_aside(path: Path, now: float | None = None) -> Path:
    """Rename a damaged database (and its -wal and -shm) to <name>.corrupt-<time>; return it."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.rename(target.with_name(target.name + suffix))
    return target


def _reason(exc: Exception) -> str:
    """Return the first line of SQLite's own complaint, without SQLAlchemy's wrapping."""
    inner = getattr(exc, "orig", None) or exc
    return str(inner).splitlines()[0] if str(inner) else type(inner).__name__


def _chunks[T](items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _report_number(report_id: int | str) -> int:
    text = str(report_id).strip().lstrip("#")
    if not text.isdigit():
        raise StoreError(
            f"'{report_id}' is not a report id (use the number `orchard triage list` shows)"
        )
    return int(text)


def _draft_row_values(project: str, draft: ReportDraft, now: float) -> dict[str, Any]:
    return {
        "project": project,
        **_draft_updates(draft),
        "source": draft.source,
        "external_id": draft.external_id,
        "created_at": draft.created_at or now,
        "imported_at": now,
        "category": draft.category,
        "priority": draft.priority,
        "owner": draft.owner,
        "status": ReportStatus.TRIAGED.value
        if (draft.category or draft.priority or draft.owner)
        else ReportStatus.NEW.value,
        "duplicate_of": None,
        "triaged_at": now if (draft.category or draft.priority or draft.owner) else None,
        "fixed_at": None,
        "fix_commit": None,
        "pr_url": None,
    }


def _known_drafts(s: Session, project: str, external: list[str]) -> dict[str, dict[str, Any]]:
    """Return id and refreshable fields of the project's reports with these external ids."""
    from sqlmodel import col, select

    from app.services.store.tables import ReportRow

    columns = [col(ReportRow.id), *(col(getattr(ReportRow, k)) for k in _DRAFT_UPDATES)]
    known: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(external, 500):
        query = select(col(ReportRow.external_id), *columns).where(
            ReportRow.project == project, col(ReportRow.external_id).in_(chunk)
        )
        for external_id, *values in s.execute(query):
            known[external_id] = dict(zip(("id", *_DRAFT_UPDATES), values, strict=True))
    return known


def _draft_updates(draft: ReportDraft) -> dict[str, Any]:
    """Return the fields a re-import refreshes, as the reports table holds them."""
    return {
        "title": draft.title,
        "body": draft.body,
        "reporter": draft.reporter,
        "url": draft.url,
        "labels": "\n".join(draft.labels),
    }


def _report(row: ReportRow, tasks: tuple[str, ...]) -> Report:
    values = {name: getattr(row, name) for name in _REPORT_FIELDS}
    values["labels"] = tuple(row.labels.split("\n")) if row.labels else ()
    values["status"] = ReportStatus(row.status)
    values["tasks"] = tasks
    return Report(**values)


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
        row.dropped_at,
    )


_CAR_FIELDS = tuple(f.name for f in fields(Car))
_CAR_SELECT = f"SELECT {', '.join(_CAR_FIELDS)} FROM train_cars"


def _car_of(row: tuple[Any, ...]) -> Car:
    values = dict(zip(_CAR_FIELDS, row, strict=True))
    values["state"] = CarState(values["state"])
    values["send_back"] = bool(values["send_back"])
    values["ahead"] = tuple(values["ahead"].split())
    return Car(**values)


def _car_column(value: Any) -> Any:
    """Return a car's field as its column holds it."""
    if isinstance(value, CarState):
        return value.value
    if isinstance(value, tuple):  # `ahead`: task ids, which hold no spaces
        return " ".join(value)
    return value


def _project(row: ProjectRow) -> Project:
    return Project(row.name, row.path, row.base, row.setup, row.test)


def _task_from(column: Callable[[str], Any]) -> Task:
    """Build a task from its row, `column(name)` giving each column's value."""
    values = {name: column(name) for name in _TASK_FIELDS}
    values["state"] = TaskState(values["state"])
    for name in _TASK_BOOLS:
        values[name] = bool(values[name])
    return Task(**values)


def _task_of(row: tuple[Any, ...]) -> Task:
    """Build a task from a row of _TASK_SELECT."""
    return _task_from(dict(zip(_TASK_FIELDS, row, strict=True)).__getitem__)


def _schema_version(conn: sqlite3.Connection) -> int | None:
    """Return the schema version of a database that has every table, else None."""
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not names >= _TABLES:
        return None
    version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    return int(version) if version is not None else None


def _task_row_values(task: Task) -> dict[str, Any]:
    values = {name: getattr(task, name) for name in _TASK_FIELDS}
    values["state"] = task.state.value
    return values
