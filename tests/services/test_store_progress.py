"""Running tasks' progress saved in one transaction (Store.update_many), in real SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.services.store.database import Store, StoreError
from tests.taskkit import make_task


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "orchard.db")
    s.add_tasks(
        [
            make_task(id="a" * 32, state=TaskState.RUNNING, tokens_in=10),
            make_task(id="b" * 32, state=TaskState.RUNNING),
            make_task(id="c" * 32, state=TaskState.QUEUED, title="untouched"),
        ]
    )
    yield s
    s.close()


def test_tasks_with_different_changes_are_saved_and_returned_as_stored(store: Store) -> None:
    saved = store.update_many(
        {
            "a" * 32: {"tokens_in": 25, "last_event": "ran the tests"},
            "b" * 32: {"state": TaskState.SUCCEEDED, "exit_code": 0},
        }
    )
    a, b = store.task("a" * 32), store.task("b" * 32)
    assert saved == {"a" * 32: a, "b" * 32: b}
    assert (a.tokens_in, a.last_event, a.state) == (25, "ran the tests", TaskState.RUNNING)
    assert (b.state, b.exit_code) == (TaskState.SUCCEEDED, 0)
    assert store.task("c" * 32).title == "untouched"


def test_an_unknown_task_saves_nothing_of_the_batch(store: Store) -> None:
    with pytest.raises(StoreError, match="no task with id 'zzz'"):
        store.update_many({"a" * 32: {"tokens_in": 99}, "zzz": {"tokens_in": 1}})
    assert store.task("a" * 32).tokens_in == 10
