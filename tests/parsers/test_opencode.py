"""OpenCode `run --format json`."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.events import AgentEvent, EventKind
from app.core.profiles import OutputFormat
from tests.parsers.streams import jsonl, parse

K = EventKind
F = OutputFormat.OPENCODE
SID = "ses_abc123"


def _ev(kind: str, **part: Any) -> dict[str, Any]:
    return {"type": kind, "timestamp": 1760000000000, "sessionID": SID, "part": part}


def _tool(call_id: str, tool: str, status: str = "completed", **state: Any) -> dict[str, Any]:
    return _ev(
        "tool_use", type="tool", callID=call_id, tool=tool, state={"status": status, **state}
    )


STREAM = jsonl(
    _ev("step_start", type="step-start"),
    _ev("text", type="text", text="Running the tests."),
    _tool(
        "call_1",
        "bash",
        input={"command": "pytest -q", "description": "run tests"},
        output="3 passed\n",
        metadata={"exit": 0, "output": "3 passed\n"},
    ),
    _tool("call_2", "edit", input={"filePath": "/repo/a.py", "oldString": "a", "newString": "b"}),
    _tool("call_3", "write", input={"filePath": "/repo/new.py", "content": "x"}),
    _tool("call_4", "read", input={"filePath": "/repo/b.py"}, output="<file>...</file>"),
    _ev(
        "step_finish",
        type="step-finish",
        reason="tool-calls",
        cost=0.0125,
        tokens={"input": 1000, "output": 200, "reasoning": 0, "cache": {"read": 500, "write": 0}},
    ),
    {
        "type": "error",
        "sessionID": SID,
        "error": {"name": "APIError", "data": {"message": "rate limited"}},
    },
)

EXPECTED = [
    AgentEvent(K.SESSION, session_id=SID),
    AgentEvent(K.MESSAGE, text="Running the tests."),
    AgentEvent(
        K.COMMAND,
        text="3 passed\n",
        status="completed",
        item_id="call_1",
        command="pytest -q",
        exit_code=0,
    ),
    AgentEvent(
        K.FILE_CHANGE, status="completed", item_id="call_2", path="/repo/a.py", change="update"
    ),
    AgentEvent(
        K.FILE_CHANGE, status="completed", item_id="call_3", path="/repo/new.py", change="write"
    ),
    AgentEvent(
        K.TOOL_CALL, text="<file>...</file>", status="completed", item_id="call_4", tool="read"
    ),
    AgentEvent(K.USAGE, text="tool-calls", tokens_in=1500, tokens_out=200, cost_usd=0.0125),
    AgentEvent(K.ERROR, text="rate limited", status="fatal"),
]


def test_full_stream() -> None:
    assert parse(F, STREAM) == EXPECTED


@pytest.mark.parametrize("chunk", [1, 3, 100])
def test_full_stream_in_chunks(chunk: int) -> None:
    assert parse(F, STREAM, chunk=chunk) == EXPECTED


def test_session_is_reported_once() -> None:
    events = parse(F, STREAM + STREAM)
    assert [e for e in events if e.kind is K.SESSION] == [AgentEvent(K.SESSION, session_id=SID)]


def test_failing_bash_command() -> None:
    data = jsonl(
        _tool(
            "c",
            "bash",
            status="error",
            input={"command": "exit 3"},
            error="Command failed",
            metadata={"exit": 3},
        )
    )
    events = parse(F, data)
    assert events[-1] == AgentEvent(
        K.COMMAND, text="Command failed", status="error", item_id="c", command="exit 3", exit_code=3
    )


def test_running_tool_without_output_shows_input() -> None:
    data = jsonl(_tool("c", "grep", status="running", input={"pattern": "TODO"}))
    assert parse(F, data)[-1] == AgentEvent(
        K.TOOL_CALL, text='{"pattern":"TODO"}', status="running", item_id="c", tool="grep"
    )


def test_bash_without_metadata_has_no_exit_code() -> None:
    data = jsonl(_tool("c", "bash", status="running", input={"command": "sleep 5"}))
    assert parse(F, data)[-1] == AgentEvent(
        K.COMMAND, status="running", item_id="c", command="sleep 5"
    )


def test_patch_tool_and_snake_case_path() -> None:
    data = jsonl(_tool("p", "patch", input={"file_path": "/r/z.py"}))
    assert parse(F, data)[-1] == AgentEvent(
        K.FILE_CHANGE, status="completed", item_id="p", path="/r/z.py", change="update"
    )


def test_reasoning_part() -> None:
    data = jsonl(_ev("reasoning", type="reasoning", text="thinking hard"))
    assert parse(F, data)[-1] == AgentEvent(K.REASONING, text="thinking hard")


def test_step_finish_without_cache_or_cost() -> None:
    data = jsonl(_ev("step_finish", reason="stop", tokens={"input": 10, "output": 2}))
    assert parse(F, data)[-1] == AgentEvent(K.USAGE, text="stop", tokens_in=10, tokens_out=2)


def test_step_finish_with_integer_cost() -> None:
    data = jsonl(_ev("step_finish", cost=0, tokens={}))
    usage = parse(F, data)[-1]
    assert usage.cost_usd == 0.0
    assert usage.tokens_in == 0


@pytest.mark.parametrize(
    ("error", "text"),
    [
        ({"name": "APIError", "data": {"message": "bad key"}}, "bad key"),
        ({"name": "ProviderAuthError", "message": "no auth"}, "no auth"),
        ({"name": "UnknownError"}, "UnknownError"),
        ("plain string", "plain string"),
    ],
)
def test_error_shapes_are_fatal(error: Any, text: str) -> None:
    assert parse(F, jsonl({"type": "error", "error": error})) == [
        AgentEvent(K.ERROR, text=text, status="fatal")
    ]


def test_no_session_without_session_id() -> None:
    data = jsonl({"type": "text", "part": {"text": "hi"}})
    assert parse(F, data) == [AgentEvent(K.MESSAGE, text="hi")]


@pytest.mark.parametrize(
    "line",
    [
        b'{"type":"file_edited","part":{}}',
        b'{"type":"tool_use","part":{"tool":"bash","state":"done"}}',
    ],
)
def test_unknown_or_malformed_objects_are_kept_raw(line: bytes) -> None:
    assert parse(F, line + b"\n") == [AgentEvent(K.RAW, text=line.decode())]
