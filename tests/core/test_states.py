"""Task lifecycle: every (from, to) pair against an explicit table."""

from __future__ import annotations

import itertools

import pytest

from app.core.states import (
    ACTIVE_STATES,
    CLOSED_STATES,
    ENDED_STATES,
    InvalidTransition,
    TaskState,
    allowed_next,
    can_transition,
    transition,
)

S = TaskState

# Written out by hand on purpose: changing the lifecycle in app/core/states.py must break a test.
EXPECTED: dict[TaskState, set[TaskState]] = {
    S.QUEUED: {S.PREPARING, S.FAILED, S.STOPPED, S.INTERRUPTED, S.DISCARDED},
    S.PREPARING: {S.RUNNING, S.FAILED, S.STOPPED, S.INTERRUPTED},
    S.RUNNING: {S.NEEDS_INPUT, S.PAUSED, S.SUCCEEDED, S.FAILED, S.STOPPED, S.INTERRUPTED},
    S.PAUSED: {S.QUEUED, S.STOPPED, S.MERGED, S.DISCARDED},
    S.NEEDS_INPUT: {
        S.RUNNING,
        S.QUEUED,
        S.SUCCEEDED,
        S.FAILED,
        S.STOPPED,
        S.INTERRUPTED,
        S.MERGED,
        S.DISCARDED,
    },
    S.SUCCEEDED: {S.QUEUED, S.MERGED, S.DISCARDED},
    S.FAILED: {S.QUEUED, S.MERGED, S.DISCARDED},
    S.STOPPED: {S.QUEUED, S.MERGED, S.DISCARDED},
    S.INTERRUPTED: {S.QUEUED, S.STOPPED, S.MERGED, S.DISCARDED},
    S.MERGED: set(),
    S.DISCARDED: {S.SUCCEEDED, S.FAILED, S.STOPPED, S.INTERRUPTED, S.NEEDS_INPUT, S.PAUSED},
}

ALL_PAIRS = list(itertools.product(TaskState, TaskState))
ALLOWED_PAIRS = [(a, b) for a, b in ALL_PAIRS if b in EXPECTED[a]]
DISALLOWED_PAIRS = [(a, b) for a, b in ALL_PAIRS if b not in EXPECTED[a]]


def _pair_id(pair: tuple[TaskState, TaskState]) -> str:
    return f"{pair[0]}->{pair[1]}"


def test_state_values_are_stable() -> None:
    assert {s.value for s in TaskState} == {
        "queued",
        "preparing",
        "running",
        "needs-input",
        "paused",
        "succeeded",
        "failed",
        "stopped",
        "interrupted",
        "merged",
        "discarded",
    }


def test_expected_table_covers_every_state() -> None:
    assert set(EXPECTED) == set(TaskState)
    assert len(ALL_PAIRS) == 121
    assert len(ALLOWED_PAIRS) == 46


@pytest.mark.parametrize("pair", ALL_PAIRS, ids=_pair_id)
def test_can_transition_matches_table(pair: tuple[TaskState, TaskState]) -> None:
    current, target = pair
    assert can_transition(current, target) is (target in EXPECTED[current])


@pytest.mark.parametrize("state", list(TaskState))
def test_allowed_next_matches_table(state: TaskState) -> None:
    assert allowed_next(state) == frozenset(EXPECTED[state])


@pytest.mark.parametrize("pair", ALLOWED_PAIRS, ids=_pair_id)
def test_transition_returns_target_when_allowed(pair: tuple[TaskState, TaskState]) -> None:
    current, target = pair
    assert transition(current, target) is target


@pytest.mark.parametrize("pair", DISALLOWED_PAIRS, ids=_pair_id)
def test_transition_raises_naming_both_states(pair: tuple[TaskState, TaskState]) -> None:
    current, target = pair
    with pytest.raises(InvalidTransition) as info:
        transition(current, target)
    message = str(info.value)
    assert current.value in message
    assert target.value in message
    assert message.index(current.value) < message.rindex(target.value)


def test_invalid_transition_is_a_value_error() -> None:
    assert issubclass(InvalidTransition, ValueError)


@pytest.mark.parametrize("state", list(TaskState))
def test_no_state_transitions_to_itself(state: TaskState) -> None:
    assert not can_transition(state, state)


def test_active_and_ended_states() -> None:
    assert frozenset({S.PREPARING, S.RUNNING, S.NEEDS_INPUT}) == ACTIVE_STATES
    assert frozenset({S.SUCCEEDED, S.FAILED, S.STOPPED, S.INTERRUPTED}) == ENDED_STATES
    assert not ACTIVE_STATES & ENDED_STATES
    assert frozenset({S.MERGED, S.DISCARDED}) == CLOSED_STATES
    assert set(TaskState) - ACTIVE_STATES - ENDED_STATES - CLOSED_STATES == {S.QUEUED, S.PAUSED}


@pytest.mark.parametrize("state", sorted(ACTIVE_STATES))
def test_every_active_state_can_be_stopped_failed_or_interrupted(state: TaskState) -> None:
    for target in (S.STOPPED, S.FAILED, S.INTERRUPTED):
        assert can_transition(state, target)


@pytest.mark.parametrize("state", sorted(ENDED_STATES))
def test_every_ended_state_can_be_retried(state: TaskState) -> None:
    assert can_transition(state, S.QUEUED)
    assert not can_transition(state, S.RUNNING)


def test_a_full_run_and_a_retry() -> None:
    path = [S.QUEUED, S.PREPARING, S.RUNNING, S.NEEDS_INPUT, S.RUNNING, S.SUCCEEDED, S.QUEUED]
    state = path[0]
    for target in path[1:]:
        state = transition(state, target)
    assert state is S.QUEUED


def test_a_review_then_land_and_a_discard_then_restore() -> None:
    assert transition(transition(S.SUCCEEDED, S.QUEUED), S.PREPARING) is S.PREPARING
    assert transition(S.SUCCEEDED, S.MERGED) is S.MERGED
    assert allowed_next(S.MERGED) == frozenset()
    assert transition(transition(S.STOPPED, S.DISCARDED), S.STOPPED) is S.STOPPED
    assert not can_transition(S.RUNNING, S.DISCARDED)  # stop it first
