"""The database schema: created fresh at the current version, migrated from every older one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.core.task import Comment
from app.services.store.database import SCHEMA_VERSION, Store, StoreError

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "schemas"
OLD_VERSIONS = sorted(int(p.stem[1:]) for p in SCHEMAS.glob("v*.sql"))


def _old_database(path: Path, version: int) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript((SCHEMAS / f"v{version}.sql").read_text())
    return path


def test_every_older_schema_has_a_fixture() -> None:
    assert list(range(1, SCHEMA_VERSION)) == OLD_VERSIONS


def test_a_new_database_starts_at_the_current_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.db")
    assert store.schema_version() == SCHEMA_VERSION
    store.close()


@pytest.mark.parametrize("version", OLD_VERSIONS)
def test_an_old_database_is_migrated_with_its_tasks(tmp_path: Path, version: int) -> None:
    store = Store(_old_database(tmp_path / "old.db", version))
    assert store.schema_version() == SCHEMA_VERSION
    task = store.task("0123")
    assert (task.title, task.state, task.session_id, task.insertions) == (
        "Fix login",
        TaskState.SUCCEEDED,
        "sess-1",
        2,
    )
    assert (task.turns, task.next_prompt, task.landed_commit, task.archived_state) == (
        0,
        None,
        None,
        None,
    )
    assert store.project("demo").test == "make test"
    moved = store.update(task.id, state=TaskState.MERGED, landed_commit="b" * 40, turns=2)
    assert (moved.state, moved.landed_commit, moved.turns) == (TaskState.MERGED, "b" * 40, 2)
    store.close()
    again = Store(tmp_path / "old.db")  # reopening a migrated database changes nothing
    assert again.task("0123").landed_commit == "b" * 40
    again.close()


def test_a_database_from_a_newer_orchard_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer Orchard"):
        Store(path)


def test_comments_are_kept_until_sent(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db")
    first = store.add_comment(Comment("t1", "src/a.py", 3, "rename this", quote="x = 1"))
    second = store.add_comment(Comment("t1", "b.md", 1, "typo", side="old"))
    store.add_comment(Comment("t2", "c.py", 9, "other task"))
    assert first.id is not None and second.id is not None and first.created_at > 0
    assert [c.text for c in store.comments("t1", open_only=True)] == ["rename this", "typo"]
    store.mark_comments_sent([first.id], 123.0)
    assert [c.text for c in store.comments("t1", open_only=True)] == ["typo"]
    assert [c.sent_at for c in store.comments("t1")] == [123.0, None]
    store.delete_comment(second.id)
    assert store.comments("t1", open_only=True) == []
    with pytest.raises(StoreError):
        store.delete_comment(second.id)
    store.close()


def test_two_processes_migrating_one_old_database_at_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = _old_database(tmp_path / "old.db", OLD_VERSIONS[-1])
    code = (
        "import sys; from app.services.store import Store; "
        "s = Store(__import__('pathlib').Path(sys.argv[1])); print(s.schema_version()); s.close()"
    )
    root = Path(__file__).resolve().parent.parent.parent
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(db)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert out.strip() == str(SCHEMA_VERSION)


def test_a_half_migrated_database_finishes_its_migration(tmp_path: Path) -> None:
    db = _old_database(tmp_path / "old.db", 1)
    with sqlite3.connect(db) as conn:  # a column added, but the version never recorded
        conn.execute("ALTER TABLE tasks ADD COLUMN next_prompt VARCHAR")
    store = Store(db)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.task("0123").turns == 0
    store.close()
