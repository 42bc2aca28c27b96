"""The selected task's header: one height whatever its task says, long prompts cut with '…'."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.core.states import TaskState
from app.qt.board import TaskHeaderView
from tests.taskkit import make_task


def test_the_header_keeps_one_height_for_any_prompt_and_state(qtbot: QtBot) -> None:
    header = TaskHeaderView()
    qtbot.addWidget(header)
    header.resize(700, header.sizeHint().height())
    header.show()
    header.show_task(None)
    heights = {header.sizeHint().height()}
    long_prompt = "Make the parser faster. " * 210  # about 5,000 characters
    for state in TaskState:
        for prompt in ("Fix the typo", long_prompt, "one\ntwo\nthree\nfour\nfive"):
            error = "boom: " * 100 if state is TaskState.FAILED else None
            header.show_task(make_task(state=state, prompt=prompt, error=error, title="T" * 300))
            heights.add(header.sizeHint().height())
            heights.add(header.minimumSizeHint().height())
    assert len(heights) == 1


def test_a_long_prompt_is_elided_with_the_whole_of_it_in_the_tooltip(qtbot: QtBot) -> None:
    header = TaskHeaderView()
    qtbot.addWidget(header)
    header.resize(500, header.sizeHint().height())
    header.show()
    prompt = "word " * 1000
    header.show_task(make_task(prompt=prompt))
    assert header.prompt.toolTip() == prompt[:4000]
    assert header.prompt.height() == 2 * header.prompt.fontMetrics().lineSpacing()
    header.grab()  # paints without error, the last line elided


def test_the_facts_say_which_cluster_node_a_task_runs_on(qtbot: QtBot) -> None:
    header = TaskHeaderView()
    qtbot.addWidget(header)
    header.show_task(make_task(state=TaskState.RUNNING, node="1a2b3c4d5e6f" + "7" * 44))
    assert header.facts.text().endswith(" · on node 1a2b3c4d5e6f")
    header.show_task(make_task(state=TaskState.RUNNING))
    assert "node" not in header.facts.text()
