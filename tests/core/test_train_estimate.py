"""The land train's estimate of when each car lands, from the pace of the cars that left."""

from __future__ import annotations

from app.core.train import Car, CarState, Train, about, pace, time_to_land


def car(n: int, state: CarState, updated_at: float) -> Car:
    return Car(n, f"t{n}", "repo", "main", n, state, updated_at=updated_at)


def test_the_pace_is_the_median_gap_between_cars_that_left() -> None:
    train = Train(
        "repo",
        "main",
        (
            car(4, CarState.TESTING, 1000.0),
            car(5, CarState.WAITING, 0.0),
            car(1, CarState.LANDED, 700.0),
            car(2, CarState.EJECTED, 800.0),
            car(3, CarState.LANDED, 1000.0),
        ),
    )
    assert pace(train, 1030.0) == 200.0  # gaps of 100 and 200
    assert time_to_land(train, 1030.0) == {4: 170.0, 5: 370.0}


def test_with_nothing_left_the_car_under_test_sets_the_pace() -> None:
    train = Train("repo", "main", (car(1, CarState.TESTING, 100.0), car(2, CarState.WAITING, 0.0)))
    assert time_to_land(train, 160.0) == {1: 0.0, 2: 60.0}
    assert time_to_land(Train("repo", "main", (car(1, CarState.WAITING, 0.0),)), 5.0) == {}


def test_about_reads_roughly() -> None:
    assert about(20) == "under a minute"
    assert about(130) == "about 2 min"
    assert about(3600 + 600) == "about 1 h 10"
