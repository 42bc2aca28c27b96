"""The store's reads without SQLAlchemy: the window's first frame and the CLI's listings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.core.task import Project
from app.services.store.database import _TABLES, Store, StoreError
from tests.taskkit import make_task

ROOT = Path(__file__).resolve().parents[2]


def test_the_plain_reads_know_every_table_of_the_schema() -> None:
    from sqlmodel import SQLModel

    import app.services.store.tables  # noqa: F401

    assert set(SQLModel.metadata.tables) == _TABLES


def test_opening_and_reading_a_current_database_imports_no_sqlalchemy(tmp_path: Path) -> None:
    db = tmp_path / "orchard.db"
    store = Store(db)
    store.add_project(Project("repo", "/r", "main"))
    store.add_tasks([make_task(id="a" * 32, project="repo", state=TaskState.RUNNING)])
    store.close()
    probe = (
        "import sys; from pathlib import Path; from app.services.store import Store\n"
        "s = Store(Path(sys.argv[1]))\n"
        "print(len(s.tasks()), len(s.tasks(states=[])), s.project('repo').base,"
        " s.task('aaaa').state.value, len(s.projects()))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(db)], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["1 0 main running 1", "[]"]


def test_plain_reads_return_what_was_written(tmp_path: Path) -> None:
    store = Store(tmp_path / "orchard.db")
    try:
        store.add_project(Project("b", "/b", "dev", setup="make", test="make test"))
        store.add_project(Project("a", "/a", "main"))
        first = make_task(id="1" * 32, project="a", created_at=1.0, group="g1", tokens_in=5)
        second = make_task(id="2" * 32, project="b", created_at=2.0, cost_usd=0.25)
        store.add_tasks([second, first])
        stopped = store.update(first.id, stop_requested=True, state=TaskState.RUNNING)
        assert stopped.stop_requested is True
        assert store.tasks() == [stopped, second]  # oldest first
        assert store.tasks()[0].stop_requested is True  # a bool, not SQLite's 1
        assert store.tasks(project="b") == [second]
        assert store.tasks(states=[TaskState.RUNNING]) == [stopped]
        assert store.tasks(states=[]) == []
        assert store.task("1111") == stopped
        assert [p.name for p in store.projects()] == ["a", "b"]
        assert store.project("b") == Project("b", "/b", "dev", setup="make", test="make test")
        with pytest.raises(StoreError, match=r"no project named 'c' \(known: a, b\)"):
            store.project("c")
        with pytest.raises(StoreError, match="no task with id"):
            store.task("ffff")
    finally:
        store.close()


def test_a_prefix_shared_by_two_tasks_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "orchard.db")
    try:
        store.add_tasks([make_task(id="abcd" + "1" * 28), make_task(id="abcd" + "2" * 28)])
        with pytest.raises(StoreError, match="more than one task"):
            store.task("abcd")
        assert store.task("ABCD1").id == "abcd" + "1" * 28
    finally:
        store.close()
