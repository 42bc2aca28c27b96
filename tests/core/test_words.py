"""Counts read as a person writes them."""

from app.core.words import counted


def test_a_count_takes_the_noun_in_its_number() -> None:
    assert counted(1, "task") == "1 task"
    assert counted(0, "task") == "0 tasks"
    assert counted(3, "batch", "batches") == "3 batches"
    assert counted(1, "task was", "tasks were") == "1 task was"
    assert counted(2, "task was", "tasks were") == "2 tasks were"
