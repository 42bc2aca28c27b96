"""One word per state wherever a person reads it: the board's group and tooltip, the task
header and the review's facts all say the same thing for every state."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt

from app.core.states import STATE_LABELS, TaskState
from app.core.task import Task
from app.qt.board import TaskHeaderView
from app.qt.board.model import GROUPS, BoardModel
from app.qt.review.window import ReviewWindow

TASK = Task(
    "a" * 32, "shop", "Add coupons", "add", "shell", TaskState.QUEUED, "orchard/add", "/w",
    "main", "b" * 40, 1.0,
)  # fmt: skip


def test_every_state_reads_the_same_in_every_view(qtbot: Any) -> None:
    header, review, model = TaskHeaderView(), ReviewWindow(), BoardModel()
    qtbot.addWidget(header)
    qtbot.addWidget(review)
    for state in TaskState:
        task = dataclasses.replace(TASK, state=state)
        word = STATE_LABELS[state]
        header.show_task(task)
        assert f">{word}<" in header.state.text()
        review.set_task(task)
        assert f"· {word} ·" in review.facts.text(), review.facts.text()
        model.set_tasks([task])
        tip = model.data(model.index_of(task.id), Qt.ItemDataRole.ToolTipRole)
        assert tip.splitlines()[1].startswith(f"{word} ·"), tip
    review.close_for_good()


def test_the_boards_groups_use_the_same_words() -> None:
    named = {title for title, _ in GROUPS.values()}
    assert {STATE_LABELS[s] for s in (TaskState.NEEDS_INPUT, TaskState.SUCCEEDED)} <= named
    assert len(set(STATE_LABELS.values())) == len(TaskState)  # no two states share a word
