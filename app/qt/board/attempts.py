"""What the board shows of a best-of-N group: its summary line, its total usage, its order."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from app.core.states import TaskState, state_label
from app.core.task import Task

# Where a group row's key starts, in the board's per-section lists of row keys: task ids
# are hexadecimal, so a group's key cannot be mistaken for one.
GROUP_KEY = "group:"


def group_key(group: str) -> str:
    """Return the board's row key of the attempt group `group`."""
    return GROUP_KEY + group


def launch_key(task: Task) -> tuple[float, str]:
    """Order attempts as they were launched, oldest first (as `orchard task compare` reads them)."""
    return (task.created_at, task.id)


def attempts_title(tasks: Sequence[Task]) -> str:
    """Return a group row's title: the prompt's title and how many attempts it has."""
    return f"{tasks[0].title} · {len(tasks)} attempts"


def attempts_line(tasks: Sequence[Task], usage: str) -> str:
    """Return a group row's whole line: title, attempts, their states, their total `usage`."""
    return " · ".join(filter(None, (attempts_title(tasks), state_counts(tasks), usage)))


def state_counts(tasks: Sequence[Task]) -> str:
    """Return how many attempts are in each state, in lifecycle order: '2 running · 1 failed'."""
    counts = Counter(task.state for task in tasks)
    return " · ".join(
        f"{counts[state]} {state_label(state).lower()}" for state in TaskState if counts[state]
    )


def attempt_title(number: int, task: Task) -> str:
    """Return an attempt's title under its group row: its number and its state."""
    return f"#{number} · {state_label(task.state)}"


def total_usage(tasks: Sequence[Task]) -> Task:
    """Return the first attempt carrying the whole group's cost and tokens (to show them)."""
    costs = [t.cost_usd for t in tasks if t.cost_usd is not None]
    tokens_in = [t.tokens_in for t in tasks if t.tokens_in is not None]
    tokens_out = [t.tokens_out for t in tasks if t.tokens_out is not None]
    return dataclasses.replace(
        tasks[0],
        cost_usd=sum(costs) if costs else None,
        tokens_in=sum(tokens_in) if tokens_in else None,
        tokens_out=sum(tokens_out) if tokens_out else None,
    )
