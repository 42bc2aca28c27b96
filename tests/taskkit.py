"""A Task with placeholder values, for tests that only care about a few of its fields."""

from __future__ import annotations

from typing import Any

from app.core.states import TaskState
from app.core.task import Task

REQUIRED: dict[str, Any] = {
    "id": "t" * 32,
    "project": "p",
    "title": "t",
    "prompt": "p",
    "agent": "shell",
    "state": TaskState.SUCCEEDED,
    "branch": "b",
    "worktree": "/w",
    "base_ref": "main",
    "base_commit": "c0",
    "created_at": 0.0,
}


def make_task(**fields: Any) -> Task:
    """Return a Task with `fields`, and placeholder values for the other required ones."""
    return Task(**{**REQUIRED, **fields})
