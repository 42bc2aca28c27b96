"""A task as `orchard task list` and `show` print it: where a task on a cluster runs."""

from __future__ import annotations

from app.core.tasktext import list_line, place, show_text
from tests.taskkit import make_task

NODE = "384fac9f169f0645a52047a8d3ed89f2697a2ff3140dc80388cae0c0"


def test_a_task_on_a_cluster_node_says_which_in_its_row_and_its_fields() -> None:
    task = make_task(node=NODE, title="Fix it")
    assert place(task) == "on node 384fac9f169f"
    assert list_line(task, now=0).endswith("  Fix it  (on node 384fac9f169f)")
    assert f"node:           {NODE}" in show_text(task).splitlines()


def test_a_task_here_has_its_row_as_before() -> None:
    task = make_task(title="Fix it")
    assert place(task) == "here"
    assert list_line(task, now=0).endswith("  Fix it")
