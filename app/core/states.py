"""Task states and the transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    QUEUED = "queued"
    PREPARING = "preparing"
    RUNNING = "running"
    NEEDS_INPUT = "needs-input"
    PAUSED = "paused"  # reached a budget cap: its agent stopped, session and work kept
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"
    MERGED = "merged"
    DISCARDED = "discarded"


# One word per state wherever a person reads it (the window, notifications); the command
# line's JSON keeps the stable ids above.
STATE_LABELS: dict[TaskState, str] = {
    TaskState.QUEUED: "Queued",
    TaskState.PREPARING: "Preparing",
    TaskState.RUNNING: "Running",
    TaskState.NEEDS_INPUT: "Needs you",
    TaskState.PAUSED: "Paused",
    TaskState.SUCCEEDED: "Ready for review",
    TaskState.FAILED: "Failed",
    TaskState.STOPPED: "Stopped",
    TaskState.INTERRUPTED: "Interrupted",
    TaskState.MERGED: "Merged",
    TaskState.DISCARDED: "Discarded",
}


def state_label(state: TaskState) -> str:
    """Return the word a person reads for `state`."""
    return STATE_LABELS[state]


class InvalidTransition(ValueError):
    """A state change the lifecycle does not allow."""


_S = TaskState

# Why each edge exists:
# - queued -> stopped: a queued task can be cancelled before it starts.
# - queued -> failed: its agent or project vanished before it could start.
# - active -> interrupted: the supervisor died; found on the next start.
# - ended -> queued: retry, or a follow-up turn in the same worktree.
# - ended or needs-input -> merged: landed; a stopped task's partial work may be landed on purpose.
# - queued, ended or needs-input -> discarded: archived under refs/orchard/archive, then removed.
# - discarded -> the state it was archived in: restored from the archive.
# - running -> paused: it reached a budget cap; raised, it is queued for a follow-up turn
#   (paused -> queued); stopped, it ends keeping its work (paused -> stopped).
# - merged is final: its branch is part of the target now.
_ENDED = frozenset({_S.SUCCEEDED, _S.FAILED, _S.STOPPED, _S.INTERRUPTED})
_ALLOWED: dict[TaskState, frozenset[TaskState]] = {
    _S.QUEUED: frozenset({_S.PREPARING, _S.FAILED, _S.STOPPED, _S.INTERRUPTED, _S.DISCARDED}),
    _S.PREPARING: frozenset({_S.RUNNING, _S.FAILED, _S.STOPPED, _S.INTERRUPTED}),
    _S.RUNNING: frozenset(
        {_S.NEEDS_INPUT, _S.PAUSED, _S.SUCCEEDED, _S.FAILED, _S.STOPPED, _S.INTERRUPTED}
    ),
    _S.PAUSED: frozenset({_S.QUEUED, _S.STOPPED, _S.MERGED, _S.DISCARDED}),
    _S.NEEDS_INPUT: frozenset({_S.RUNNING, _S.QUEUED, _S.MERGED, _S.DISCARDED} | _ENDED),
    _S.SUCCEEDED: frozenset({_S.QUEUED, _S.MERGED, _S.DISCARDED}),
    _S.FAILED: frozenset({_S.QUEUED, _S.MERGED, _S.DISCARDED}),
    _S.STOPPED: frozenset({_S.QUEUED, _S.MERGED, _S.DISCARDED}),
    _S.INTERRUPTED: frozenset({_S.QUEUED, _S.STOPPED, _S.MERGED, _S.DISCARDED}),
    _S.MERGED: frozenset(),
    _S.DISCARDED: _ENDED | {_S.NEEDS_INPUT, _S.PAUSED},
}

ACTIVE_STATES = frozenset({_S.PREPARING, _S.RUNNING, _S.NEEDS_INPUT})
# States in which an agent process may be alive (needs-input means its turn ended).
LIVE_STATES = frozenset({_S.PREPARING, _S.RUNNING})
ENDED_STATES = _ENDED
# States whose task is finished with: landed, or archived and removed.
CLOSED_STATES = frozenset({_S.MERGED, _S.DISCARDED})
# States whose work can be landed or discarded (a turn is over, its changes are committed).
LANDABLE_STATES = _ENDED | {_S.NEEDS_INPUT, _S.PAUSED}


def allowed_next(state: TaskState) -> frozenset[TaskState]:
    """Return the states a task in `state` may move to."""
    return _ALLOWED[state]


def can_transition(current: TaskState, target: TaskState) -> bool:
    """Say whether a task may move from `current` to `target`."""
    return target in _ALLOWED[current]


def transition(current: TaskState, target: TaskState) -> TaskState:
    """Return `target` if the move is allowed, else raise InvalidTransition."""
    if not can_transition(current, target):
        raise InvalidTransition(f"a {current} task cannot become {target}")
    return target
