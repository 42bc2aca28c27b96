"""Codex `exec --json`: the captured runs and every item type."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.events import AgentEvent, EventKind
from app.core.profiles import OutputFormat
from tests.parsers.streams import fixture, jsonl, parse

K = EventKind
F = OutputFormat.CODEX

CMD_0 = "/bin/bash -lc \"printf 'hello\\\\n' > hello.txt\""
CMD_1 = "/bin/bash -lc 'echo more >> README.md'"
HIGH_DEMAND = "We’re currently experiencing high demand, which may cause temporary errors."


def _item(phase: str, **item: Any) -> bytes:
    return jsonl({"type": f"item.{phase}", "item": item})


def test_captured_successful_run() -> None:
    assert parse(F, fixture("codex_exec.jsonl")) == [
        AgentEvent(K.SESSION, session_id="01a20bbe-6e96-7e61-ae30-670507a4d183"),
        AgentEvent(K.STATUS, text="turn started"),
        AgentEvent(K.COMMAND, status="in_progress", item_id="item_0", command=CMD_0),
        AgentEvent(K.COMMAND, status="completed", item_id="item_0", command=CMD_0, exit_code=0),
        AgentEvent(K.COMMAND, status="in_progress", item_id="item_1", command=CMD_1),
        AgentEvent(K.COMMAND, status="completed", item_id="item_1", command=CMD_1, exit_code=0),
        AgentEvent(K.MESSAGE, text="All done.", status="completed", item_id="item_2"),
        AgentEvent(K.USAGE, tokens_in=300, tokens_out=60),
    ]


def test_captured_run_pairs_command_halves_by_item_id() -> None:
    commands = [e for e in parse(F, fixture("codex_exec.jsonl")) if e.kind is K.COMMAND]
    assert [(e.item_id, e.status, e.exit_code) for e in commands] == [
        ("item_0", "in_progress", None),
        ("item_0", "completed", 0),
        ("item_1", "in_progress", None),
        ("item_1", "completed", 0),
    ]


def test_captured_failed_run() -> None:
    assert parse(F, fixture("codex_exec_error.jsonl")) == [
        AgentEvent(K.SESSION, session_id="01a20bbe-7a0e-7012-b224-bae1deb73190"),
        AgentEvent(K.STATUS, text="turn started"),
        AgentEvent(K.ERROR, text=HIGH_DEMAND),
        AgentEvent(K.ERROR, text=HIGH_DEMAND, status="fatal"),
    ]


def test_captured_runs_parse_the_same_one_byte_at_a_time() -> None:
    for name in ("codex_exec.jsonl", "codex_exec_error.jsonl"):
        data = fixture(name)
        assert parse(F, data, chunk=1) == parse(F, data)


def test_command_with_output_and_failure() -> None:
    data = _item(
        "completed",
        id="c1",
        type="command_execution",
        command="pytest -q",
        aggregated_output="1 failed\n",
        exit_code=1,
        status="failed",
    )
    assert parse(F, data) == [
        AgentEvent(
            K.COMMAND,
            text="1 failed\n",
            status="failed",
            item_id="c1",
            command="pytest -q",
            exit_code=1,
        )
    ]


def test_command_without_status_uses_the_phase() -> None:
    data = _item("started", id="c2", type="command_execution", command="ls")
    assert parse(F, data) == [AgentEvent(K.COMMAND, status="started", item_id="c2", command="ls")]


def test_agent_message() -> None:
    data = _item("completed", id="m1", type="agent_message", text="Here is the plan.")
    assert parse(F, data) == [
        AgentEvent(K.MESSAGE, text="Here is the plan.", status="completed", item_id="m1")
    ]


def test_agent_message_phases() -> None:
    data = _item("started", id="m", type="agent_message", text="He") + _item(
        "updated", id="m", type="agent_message", text="Hello"
    )
    assert [(e.kind, e.status, e.text) for e in parse(F, data)] == [
        (K.MESSAGE, "started", "He"),
        (K.MESSAGE, "updated", "Hello"),
    ]


def test_reasoning() -> None:
    data = _item("completed", id="r1", type="reasoning", text="**Planning** the change")
    assert parse(F, data) == [
        AgentEvent(K.REASONING, text="**Planning** the change", status="completed", item_id="r1")
    ]


def test_file_change_with_several_changes() -> None:
    data = _item(
        "completed",
        id="f1",
        type="file_change",
        status="completed",
        changes=[
            {"path": "/repo/new.py", "kind": "add"},
            {"path": "/repo/app.py", "kind": "update"},
            {"path": "/repo/old.py", "kind": "delete"},
            {"path": "/repo/unknown.py"},
        ],
    )
    assert parse(F, data) == [
        AgentEvent(K.FILE_CHANGE, status="completed", item_id="f1", path=p, change=c)
        for p, c in [
            ("/repo/new.py", "add"),
            ("/repo/app.py", "update"),
            ("/repo/old.py", "delete"),
            ("/repo/unknown.py", "update"),
        ]
    ]


def test_file_change_failed_and_empty() -> None:
    failed = _item(
        "completed",
        id="f2",
        type="file_change",
        status="failed",
        changes=[{"path": "x.py", "kind": "update"}],
    )
    assert parse(F, failed) == [
        AgentEvent(K.FILE_CHANGE, status="failed", item_id="f2", path="x.py", change="update")
    ]
    assert parse(F, _item("completed", id="f3", type="file_change", changes=[])) == []


def test_mcp_tool_call_result() -> None:
    data = _item(
        "completed",
        id="t1",
        type="mcp_tool_call",
        server="docs",
        tool="search",
        arguments={"q": "asyncio"},
        result={"content": [{"type": "text", "text": "3 hits"}]},
        status="completed",
    )
    assert parse(F, data) == [
        AgentEvent(K.TOOL_CALL, text="3 hits", status="completed", item_id="t1", tool="docs.search")
    ]


def test_mcp_tool_call_started_shows_arguments() -> None:
    data = _item(
        "started",
        id="t2",
        type="mcp_tool_call",
        server="fs",
        tool="read",
        arguments={"path": "/etc/hosts"},
        status="in_progress",
    )
    [event] = parse(F, data)
    assert (event.kind, event.status, event.tool) == (K.TOOL_CALL, "in_progress", "fs.read")
    assert event.text == '{"path":"/etc/hosts"}'


def test_mcp_tool_call_error_wins() -> None:
    data = _item(
        "completed",
        id="t3",
        type="mcp_tool_call",
        server="fs",
        tool="read",
        arguments={"path": "x"},
        error={"message": "no such file"},
        status="failed",
    )
    [event] = parse(F, data)
    assert event.status == "failed"
    assert "no such file" in event.text


def test_web_search() -> None:
    data = _item("completed", id="w1", type="web_search", query="python 3.12 release")
    assert parse(F, data) == [
        AgentEvent(
            K.TOOL_CALL,
            text="python 3.12 release",
            status="completed",
            item_id="w1",
            tool="web_search",
        )
    ]


def test_todo_list() -> None:
    data = _item(
        "updated",
        id="td",
        type="todo_list",
        items=[
            {"text": "read the code", "completed": True},
            {"text": "write tests", "completed": False},
            {"text": "ship"},
        ],
    )
    assert parse(F, data) == [
        AgentEvent(
            K.TOOL_CALL,
            text="[x] read the code\n[ ] write tests\n[ ] ship",
            status="updated",
            item_id="td",
            tool="todo_list",
        )
    ]


def test_error_item() -> None:
    data = _item("completed", id="e1", type="error", message="command timed out")
    assert parse(F, data) == [
        AgentEvent(K.ERROR, text="command timed out", status="completed", item_id="e1")
    ]


def test_top_level_error_is_not_fatal() -> None:
    assert parse(F, jsonl({"type": "error", "message": "reconnecting 1/5"})) == [
        AgentEvent(K.ERROR, text="reconnecting 1/5")
    ]


def test_turn_failed_is_fatal() -> None:
    data = jsonl({"type": "turn.failed", "error": {"message": "quota exceeded"}})
    assert parse(F, data) == [AgentEvent(K.ERROR, text="quota exceeded", status="fatal")]


def test_turn_failed_without_message_is_still_fatal() -> None:
    assert parse(F, jsonl({"type": "turn.failed"})) == [
        AgentEvent(K.ERROR, text="the turn failed", status="fatal")
    ]


def test_turn_completed_without_usage() -> None:
    assert parse(F, jsonl({"type": "turn.completed"})) == [AgentEvent(K.USAGE)]


def test_usage_ignores_non_numbers() -> None:
    data = jsonl({"type": "turn.completed", "usage": {"input_tokens": "many", "output_tokens": 5}})
    assert parse(F, data) == [AgentEvent(K.USAGE, tokens_out=5)]


def test_legacy_item_type_key() -> None:
    data = _item("completed", id="m", item_type="assistant_message", text="old style")
    assert parse(F, data) == [
        AgentEvent(K.MESSAGE, text="old style", status="completed", item_id="m")
    ]


@pytest.mark.parametrize(
    "line",
    [
        b'{"type":"item.completed","item":{"id":"z","type":"future_item","x":1}}',
        b'{"type":"thread.resumed","thread_id":"t"}',
        b'{"type":"item.completed"}',
        b'{"type":"thread.started"}',
        b'{"no_type":true}',
    ],
)
def test_unknown_or_malformed_objects_are_kept_raw(line: bytes) -> None:
    assert parse(F, line + b"\n") == [AgentEvent(K.RAW, text=line.decode())]
