"""Moving a car in its train, and sending an ejected car back to its agent, by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.core.train import CarState
from app.services.config.settings import Home
from app.services.land import cars
from app.services.orchard import Orchard, UserError
from tests.conftest import make_repo
from tests.services.landkit import new_task, run, task_commit


@pytest.fixture
def orchard(tmp_path: Path) -> Iterator[Orchard]:
    repo = make_repo(tmp_path / "repo", {"README.md": "hello\n"})
    o = Orchard(Home(tmp_path / "home"))
    run(o.add_project(str(repo), name="repo"))
    yield o
    o.close()


def board(orchard: Orchard, *titles: str) -> list[str]:
    ids = []
    for title in titles:
        task = new_task(orchard, title)
        task_commit(task, {f"{title}.txt": f"{title}\n"}, title)
        ids.append(task.id)
    joined = run(cars.board(orchard, ids))
    assert not joined.refused
    return ids


def order(orchard: Orchard) -> list[str]:
    [train] = cars.trains(orchard)
    return [c.task_id for c in train.waiting]


def test_a_car_moves_earlier_and_later_within_its_train(orchard: Orchard) -> None:
    a, b, c = board(orchard, "a", "b", "c")
    train = cars.move(orchard, c, -1)
    assert [car.task_id for car in train.waiting] == [a, c, b]
    cars.move(orchard, a, 5)  # past the end: last
    assert order(orchard) == [c, b, a]
    cars.move(orchard, a, -9)  # before the start: first
    assert order(orchard) == [a, c, b]


def test_the_car_under_test_keeps_its_place(orchard: Orchard) -> None:
    a, b = board(orchard, "a", "b")
    [first, _] = cars.trains(orchard)[0].waiting
    orchard.store.update_car(first.id, state=CarState.TESTING)
    with pytest.raises(UserError, match="keeps its place"):
        cars.move(orchard, a, 1)
    cars.move(orchard, b, -1)  # nothing passes it
    assert order(orchard) == [a, b]


def test_a_task_off_the_train_is_not_moved(orchard: Orchard) -> None:
    task = new_task(orchard, "alone")
    with pytest.raises(UserError, match="not on a land train"):
        cars.move(orchard, task.id, 1)


def test_an_ejected_car_is_sent_back_once(orchard: Orchard) -> None:
    [a] = board(orchard, "a")
    [car] = cars.trains(orchard)[0].waiting
    with pytest.raises(UserError, match="has not been ejected"):
        run(cars.send_back(orchard, a))
    orchard.store.update_car(car.id, state=CarState.EJECTED, reason="the tests failed")
    back = run(cars.send_back(orchard, a))
    assert back.sent_back_turns == orchard.store.task(a).turns
    assert orchard.store.task(a).state is TaskState.QUEUED
    assert "the tests failed" in (orchard.store.task(a).next_prompt or "")
    with pytest.raises(UserError):
        run(cars.send_back(orchard, a))
