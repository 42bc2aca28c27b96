"""Gemini CLI `--output-format stream-json`."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.events import AgentEvent, EventKind
from app.core.eventtext import render_event
from app.core.profiles import OutputFormat
from tests.parsers.streams import jsonl, parse, typed_parser

K = EventKind
F = OutputFormat.GEMINI
TS = "2025-10-10T12:00:00.000Z"


def _msg(content: str, role: str = "assistant", delta: bool = True) -> dict[str, Any]:
    return {"type": "message", "timestamp": TS, "role": role, "content": content, "delta": delta}


def _tool_use(tool_id: str, name: str, **params: Any) -> dict[str, Any]:
    return {"type": "tool_use", "tool_name": name, "tool_id": tool_id, "parameters": params}


def _tool_result(tool_id: str, status: str = "success", **fields: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_id": tool_id, "status": status, **fields}


STREAM = jsonl(
    {"type": "init", "timestamp": TS, "session_id": "g-123", "model": "gemini-2.5-pro"},
    _msg("Fix the bug", role="user", delta=False),
    _msg("I'll "),
    _msg("look at "),
    _msg("the code."),
    _tool_use("sh-1", "run_shell_command", command="pytest -q"),
    _tool_result("sh-1", output="2 passed"),
    _tool_use("w-1", "write_file", file_path="/repo/a.py", content="x = 1\n"),
    _tool_result("w-1", output="Wrote /repo/a.py"),
    _tool_use("r-1", "read_file", absolute_path="/repo/b.py"),
    _tool_result("r-1", "error", error={"type": "not_found", "message": "no such file"}),
    _msg("Done"),
    _msg(", all green."),
    {"type": "error", "timestamp": TS, "severity": "warning", "message": "loop detected"},
    {
        "type": "result",
        "timestamp": TS,
        "status": "success",
        "stats": {"total_tokens": 150, "input_tokens": 100, "output_tokens": 50, "duration_ms": 9},
    },
)

EXPECTED = [
    AgentEvent(K.SESSION, text="gemini-2.5-pro", session_id="g-123"),
    AgentEvent(K.MESSAGE, text="I'll look at the code."),
    AgentEvent(K.COMMAND, status="started", item_id="sh-1", command="pytest -q"),
    AgentEvent(
        K.COMMAND,
        text="2 passed",
        status="completed",
        item_id="sh-1",
        command="pytest -q",
        exit_code=0,
    ),
    AgentEvent(K.FILE_CHANGE, status="started", item_id="w-1", path="/repo/a.py", change="write"),
    AgentEvent(
        K.FILE_CHANGE,
        text="Wrote /repo/a.py",
        status="completed",
        item_id="w-1",
        path="/repo/a.py",
        change="write",
    ),
    AgentEvent(
        K.TOOL_CALL,
        text='{"absolute_path":"/repo/b.py"}',
        status="started",
        item_id="r-1",
        tool="read_file",
    ),
    AgentEvent(K.ERROR, text="no such file", status="failed", item_id="r-1", tool="read_file"),
    AgentEvent(K.MESSAGE, text="Done, all green."),
    AgentEvent(K.ERROR, text="loop detected", status="warning"),
    AgentEvent(K.USAGE, text="success", tokens_in=100, tokens_out=50),
]


def test_full_stream() -> None:
    assert parse(F, STREAM) == EXPECTED


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 4096])
def test_full_stream_in_chunks(chunk: int) -> None:
    assert parse(F, STREAM, chunk=chunk) == EXPECTED


def test_consecutive_deltas_join_into_one_message() -> None:
    data = jsonl(_msg("Hel"), _msg("lo, "), _msg("wor"), _msg("ld!"))
    assert parse(F, data) == [AgentEvent(K.MESSAGE, text="Hello, world!")]


def test_pending_message_waits_for_close() -> None:

    parser = typed_parser(F)
    assert parser.feed(jsonl(_msg("a"), _msg("b"))) == []
    assert parser.close() == [AgentEvent(K.MESSAGE, text="ab")]
    assert parser.close() == []


def test_whole_message_flushes_pending_deltas_first() -> None:
    data = jsonl(_msg("partial "), _msg("answer"), _msg("Complete answer.", delta=False))
    assert parse(F, data) == [
        AgentEvent(K.MESSAGE, text="partial answer"),
        AgentEvent(K.MESSAGE, text="Complete answer."),
    ]


def test_user_messages_are_dropped() -> None:
    assert parse(F, jsonl(_msg("the prompt", role="user", delta=False))) == []


def test_deltas_split_by_a_tool_call_are_two_messages() -> None:
    data = jsonl(_msg("before"), _tool_use("t", "glob", pattern="*.py"), _msg("after"))
    kinds = [(e.kind, e.text) for e in parse(F, data)]
    assert kinds == [
        (K.MESSAGE, "before"),
        (K.TOOL_CALL, '{"pattern":"*.py"}'),
        (K.MESSAGE, "after"),
    ]


@pytest.mark.parametrize(("tool", "change"), [("replace", "update"), ("edit", "update")])
def test_edit_tools_are_file_changes(tool: str, change: str) -> None:
    data = jsonl(_tool_use("e", tool, file_path="/r/x.py", old_string="a", new_string="b"))
    assert parse(F, data) == [
        AgentEvent(K.FILE_CHANGE, status="started", item_id="e", path="/r/x.py", change=change)
    ]


def test_failed_shell_command_has_exit_code_one() -> None:
    data = jsonl(
        _tool_use("s", "shell", command="false"),
        _tool_result("s", "error", error={"message": "exit status 1"}),
    )
    assert parse(F, data)[-1] == AgentEvent(
        K.COMMAND,
        text="exit status 1",
        status="completed",
        item_id="s",
        command="false",
        exit_code=1,
    )


def test_result_for_an_unknown_tool_id() -> None:
    assert parse(F, jsonl(_tool_result("ghost", output="hi"))) == [
        AgentEvent(K.TOOL_CALL, text="hi", status="completed", item_id="ghost", tool="?")
    ]


def test_error_event() -> None:
    data = jsonl({"type": "error", "severity": "error", "message": "quota exhausted"})
    assert parse(F, data) == [AgentEvent(K.ERROR, text="quota exhausted", status="error")]


def test_result_without_stats() -> None:
    assert parse(F, jsonl({"type": "result", "status": "success"})) == [
        AgentEvent(K.USAGE, text="success")
    ]


def test_error_result_is_fatal() -> None:
    data = jsonl({"type": "result", "status": "error", "error": {"message": "quota exceeded"}})
    assert parse(F, data) == [AgentEvent(K.ERROR, text="quota exceeded", status="fatal")]


def test_error_result_without_detail_is_fatal() -> None:
    assert parse(F, jsonl({"type": "result", "status": "error"})) == [
        AgentEvent(K.ERROR, text="the run failed", status="fatal")
    ]


def test_unknown_type_without_pending_message_is_raw_verbatim() -> None:
    line = b'{"type": "telemetry", "content": "abc"}'
    assert parse(F, line + b"\n") == [AgentEvent(K.RAW, text=line.decode())]


def test_malformed_init_is_raw() -> None:
    line = b'{"type":"init","model":"m"}'
    assert parse(F, line + b"\n") == [AgentEvent(K.RAW, text=line.decode())]


def test_malformed_event_after_deltas_keeps_the_message() -> None:
    bad = b'{"type":"tool_use","tool_name":"run_shell_command","tool_id":"t","parameters":"ls"}'
    data = jsonl(_msg("Hello")) + bad + b"\n"
    assert parse(F, data) == [
        AgentEvent(K.MESSAGE, text="Hello"),
        AgentEvent(K.RAW, text=bad.decode()),
    ]


def test_unknown_type_after_deltas_is_raw_verbatim() -> None:
    line = b'{"type": "telemetry", "content": "abc"}'
    data = jsonl(_msg("Hi")) + line + b"\n"
    assert parse(F, data) == [
        AgentEvent(K.MESSAGE, text="Hi"),
        AgentEvent(K.RAW, text=line.decode()),
    ]


def test_non_json_line_between_deltas_keeps_order() -> None:
    data = jsonl(_msg("one ")) + b"Warning: something on stdout\n" + jsonl(_msg("two"))
    assert parse(F, data) == [
        AgentEvent(K.MESSAGE, text="one "),
        AgentEvent(K.RAW, text="Warning: something on stdout"),
        AgentEvent(K.MESSAGE, text="two"),
    ]


@pytest.mark.parametrize(("status", "outcome"), [("success", "completed"), ("error", "failed")])
def test_file_tool_result_completes_the_file_change(status: str, outcome: str) -> None:
    data = jsonl(
        _tool_use("e", "replace", file_path="/repo/x.py", old_string="a", new_string="b"),
        _tool_result("e", status, output="Successfully modified file."),
    )
    assert parse(F, data)[-1] == AgentEvent(
        K.FILE_CHANGE,
        text="Successfully modified file.",
        status=outcome,
        item_id="e",
        path="/repo/x.py",
        change="update",
    )


def test_an_edit_shows_its_file_in_the_log() -> None:
    data = jsonl(
        _tool_use("e", "replace", file_path="/repo/x.py", old_string="a", new_string="b"),
        _tool_result("e", output="Successfully modified file."),
    )
    log = "\n".join(render_event(e.to_dict()) for e in parse(F, data))
    assert "/repo/x.py" in log
