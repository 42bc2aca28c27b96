"""The review flags a binary file the agent added: in its facts line and in the file list."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.core.diff import FileEntry, FileStatus
from app.core.states import TaskState
from app.core.task import Task
from app.qt.review.window import ReviewWindow

TASK = Task(
    "a" * 32, "shop", "Add coupons", "add", "shell", TaskState.SUCCEEDED, "orchard/add", "/w",
    "main", "b" * 40, 1.0,
)  # fmt: skip


def test_an_added_binary_is_flagged_and_a_changed_one_is_not(qtbot: Any) -> None:
    review = ReviewWindow()
    qtbot.addWidget(review)
    files = [
        FileEntry("shop/cart.py", FileStatus.MODIFIED, 4, 1),
        FileEntry("shop/cart.cpython-312.bin", FileStatus.ADDED, binary=True, size=900),
        FileEntry("logo.png", FileStatus.MODIFIED, binary=True, size=90),
    ]
    review.set_task(TASK)
    review.set_files(TASK, "b" * 40, files, set())
    assert "adds 1 binary file: shop/cart.cpython-312.bin" in review.facts.text()
    model = review.files.model
    paths = [model.index(row, 1).data(Qt.ItemDataRole.DisplayRole) for row in range(3)]
    assert paths[1] == "shop/cart.cpython-312.bin [binary, added]"
    assert paths[2] == "logo.png (binary)"
    review.close_for_good()
