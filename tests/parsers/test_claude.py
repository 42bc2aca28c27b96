"""Claude Code `-p --output-format stream-json --verbose`: the captured run and each block type."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.events import AgentEvent, EventKind
from app.core.eventtext import render_event
from app.core.profiles import OutputFormat
from tests.parsers.streams import fixture, jsonl, parse

K = EventKind
F = OutputFormat.CLAUDE
SESSION = "1b43e0e7-558a-4c2c-921f-b1c199dc6dde"
TOOL_0 = "toolu_1a00c46ddb05480ea6328192"
TOOL_1 = "toolu_d3664a17d8b347dd95526794"


def _assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "assistant", "message": {"role": "assistant", "content": list(blocks)}}


def _user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "user", "message": {"role": "user", "content": list(blocks)}}


def _tool_use(tool_id: str, name: str, **args: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": args}


def _tool_result(tool_id: str, content: Any, is_error: bool = False) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": tool_id, "content": content, "is_error": is_error}


def _result(**fields: Any) -> dict[str, Any]:
    return {"type": "result", "subtype": "success", "is_error": False, **fields}


def test_captured_run() -> None:
    assert parse(F, fixture("claude_stream.jsonl")) == [
        AgentEvent(K.SESSION, text="claude-scripted-main", session_id=SESSION),
        AgentEvent(
            K.COMMAND, status="started", item_id=TOOL_0, command="printf 'hello\\n' > hello.txt"
        ),
        AgentEvent(
            K.COMMAND,
            text="(Bash completed with no output)",
            status="completed",
            item_id=TOOL_0,
            command="printf 'hello\\n' > hello.txt",
            exit_code=0,
        ),
        AgentEvent(K.COMMAND, status="started", item_id=TOOL_1, command="echo more >> README.md"),
        AgentEvent(
            K.COMMAND,
            text="(Bash completed with no output)",
            status="completed",
            item_id=TOOL_1,
            command="echo more >> README.md",
            exit_code=0,
        ),
        AgentEvent(K.MESSAGE, text="All done."),
        AgentEvent(
            K.USAGE,
            text="success",
            tokens_in=300,
            tokens_out=60,
            cost_usd=0.003,
            session_id=SESSION,
        ),
    ]


def test_captured_run_one_byte_at_a_time() -> None:
    data = fixture("claude_stream.jsonl")
    assert parse(F, data, chunk=1) == parse(F, data)


def test_bash_result_is_paired_by_id_even_out_of_order() -> None:
    data = jsonl(
        _assistant(_tool_use("a", "Bash", command="ls"), _tool_use("b", "Bash", command="pwd")),
        _user(_tool_result("b", "/repo"), _tool_result("a", "x.py", is_error=True)),
    )
    assert parse(F, data) == [
        AgentEvent(K.COMMAND, status="started", item_id="a", command="ls"),
        AgentEvent(K.COMMAND, status="started", item_id="b", command="pwd"),
        AgentEvent(
            K.COMMAND, text="/repo", status="completed", item_id="b", command="pwd", exit_code=0
        ),
        AgentEvent(
            K.COMMAND, text="x.py", status="completed", item_id="a", command="ls", exit_code=1
        ),
    ]


def test_bash_result_with_content_blocks() -> None:
    data = jsonl(
        _assistant(_tool_use("a", "Bash", command="cat f")),
        _user(
            _tool_result("a", [{"type": "text", "text": "line 1"}, {"type": "text", "text": "2"}])
        ),
    )
    completed = parse(F, data)[-1]
    assert (completed.kind, completed.text, completed.command) == (K.COMMAND, "line 1\n2", "cat f")


def test_thinking_becomes_reasoning() -> None:
    data = jsonl(_assistant({"type": "thinking", "thinking": "Let me look at the tests."}))
    assert parse(F, data) == [AgentEvent(K.REASONING, text="Let me look at the tests.")]


def test_redacted_thinking_becomes_empty_reasoning() -> None:
    data = jsonl(_assistant({"type": "redacted_thinking", "data": "opaque"}))
    assert parse(F, data) == [AgentEvent(K.REASONING)]


@pytest.mark.parametrize(
    ("tool", "change"),
    [("Edit", "update"), ("MultiEdit", "update"), ("Write", "write"), ("NotebookEdit", "update")],
)
def test_file_tools_become_file_changes(tool: str, change: str) -> None:
    data = jsonl(_assistant(_tool_use("e1", tool, file_path="/repo/app.py", content="x")))
    assert parse(F, data) == [
        AgentEvent(
            K.FILE_CHANGE, status="started", item_id="e1", path="/repo/app.py", change=change
        )
    ]


@pytest.mark.parametrize("tool", ["Read", "Glob", "Grep", "WebFetch", "Task"])
def test_other_tools_become_tool_calls(tool: str) -> None:
    data = jsonl(_assistant(_tool_use("t1", tool, pattern="TODO")))
    assert parse(F, data) == [
        AgentEvent(
            K.TOOL_CALL, text='{"pattern":"TODO"}', status="started", item_id="t1", tool=tool
        )
    ]


def test_non_bash_tool_result_names_its_tool() -> None:
    data = jsonl(
        _assistant(_tool_use("t1", "Read", file_path="a")), _user(_tool_result("t1", "ok"))
    )
    assert parse(F, data)[-1] == AgentEvent(
        K.TOOL_CALL, text="ok", status="completed", item_id="t1", tool="Read"
    )


def test_non_bash_tool_error_result_names_its_tool() -> None:
    data = jsonl(
        _assistant(_tool_use("t9", "Read", file_path="/repo/missing.py")),
        _user(_tool_result("t9", "File does not exist.", is_error=True)),
    )
    assert parse(F, data)[-1] == AgentEvent(
        K.ERROR, text="File does not exist.", status="failed", item_id="t9", tool="Read"
    )


def test_result_for_an_unknown_tool_id() -> None:
    data = jsonl(_user(_tool_result("ghost", "File does not exist.", is_error=True)))
    assert parse(F, data) == [
        AgentEvent(K.ERROR, text="File does not exist.", status="failed", item_id="ghost", tool="?")
    ]


@pytest.mark.parametrize(
    ("tool", "change"),
    [("Edit", "update"), ("MultiEdit", "update"), ("Write", "write"), ("NotebookEdit", "update")],
)
@pytest.mark.parametrize(("is_error", "status"), [(False, "completed"), (True, "failed")])
def test_file_tool_result_completes_the_file_change(
    tool: str, change: str, is_error: bool, status: str
) -> None:
    data = jsonl(
        _assistant(_tool_use("e1", tool, file_path="/repo/app.py")),
        _user(_tool_result("e1", "The file has been updated.", is_error=is_error)),
    )
    assert parse(F, data)[-1] == AgentEvent(
        K.FILE_CHANGE,
        text="The file has been updated.",
        status=status,
        item_id="e1",
        path="/repo/app.py",
        change=change,
    )


def test_each_result_is_paired_once() -> None:
    data = jsonl(
        _assistant(_tool_use("e1", "Edit", file_path="/repo/app.py")),
        _user(_tool_result("e1", "done")),
        _user(_tool_result("e1", "again")),
    )
    assert parse(F, data)[-1] == AgentEvent(
        K.TOOL_CALL, text="again", status="completed", item_id="e1", tool="?"
    )


def test_an_edit_shows_its_file_in_the_log() -> None:
    data = jsonl(
        _assistant(
            _tool_use("e1", "Edit", file_path="/repo/app.py", old_string="a", new_string="b")
        ),
        _user(_tool_result("e1", "The file has been updated.")),
    )
    log = "\n".join(render_event(e.to_dict()) for e in parse(F, data))
    assert "/repo/app.py" in log


def test_text_and_tool_use_in_one_message_keep_order() -> None:
    data = jsonl(
        _assistant(
            {"type": "text", "text": "I'll run the tests."},
            _tool_use("b1", "Bash", command="pytest"),
        )
    )
    assert [e.kind for e in parse(F, data)] == [K.MESSAGE, K.COMMAND]


def test_unknown_assistant_block_is_raw() -> None:
    data = jsonl(_assistant({"type": "image", "source": "..."}))
    assert parse(F, data) == [AgentEvent(K.RAW, text='{"type":"image","source":"..."}')]


def test_user_text_is_status() -> None:
    assert parse(F, jsonl({"type": "user", "message": {"content": "hello"}})) == [
        AgentEvent(K.STATUS, text="hello")
    ]
    assert parse(F, jsonl(_user({"type": "text", "text": "[Request interrupted]"}))) == [
        AgentEvent(K.STATUS, text="[Request interrupted]")
    ]


def test_usage_sums_cache_tokens() -> None:
    usage = {
        "input_tokens": 10,
        "cache_creation_input_tokens": 200,
        "cache_read_input_tokens": 3000,
        "output_tokens": 42,
    }
    data = jsonl(_result(usage=usage, total_cost_usd=0.25, session_id="s"))
    assert parse(F, data) == [
        AgentEvent(
            K.USAGE, text="success", tokens_in=3210, tokens_out=42, cost_usd=0.25, session_id="s"
        )
    ]


def test_error_result_is_fatal() -> None:
    data = jsonl(
        {
            "type": "result",
            "subtype": "success",
            "is_error": True,
            "result": "API Error: 529 overloaded",
            "total_cost_usd": 0,
        }
    )
    usage, error = parse(F, data)
    assert usage.kind is K.USAGE
    assert usage.cost_usd == 0
    assert error == AgentEvent(K.ERROR, text="API Error: 529 overloaded", status="fatal")


def test_error_subtype_is_fatal() -> None:
    data = jsonl({"type": "result", "subtype": "error_max_turns", "is_error": False})
    assert parse(F, data)[-1] == AgentEvent(K.ERROR, text="error_max_turns", status="fatal")


def test_permission_denials_need_input() -> None:
    denials = [
        {"tool_name": "Bash", "tool_use_id": "t1", "tool_input": {"command": "rm -rf build"}},
        {"tool_name": "WebFetch", "tool_use_id": "t2"},
    ]
    events = parse(F, jsonl(_result(permission_denials=denials)))
    assert [e.kind for e in events] == [K.USAGE, K.NEEDS_INPUT, K.NEEDS_INPUT]
    assert events[1].text == 'permission denied: Bash {"command":"rm -rf build"}'
    assert events[2].text == "permission denied: WebFetch"


def test_successful_result_has_no_error() -> None:
    events = parse(F, jsonl(_result(permission_denials=[])))
    assert [e.kind for e in events] == [K.USAGE]


def test_system_init_without_model() -> None:
    data = jsonl({"type": "system", "subtype": "init", "session_id": "abc"})
    assert parse(F, data) == [AgentEvent(K.SESSION, session_id="abc")]


@pytest.mark.parametrize(
    "line",
    [
        b'{"type":"system","subtype":"compact_boundary"}',
        b'{"type":"system","subtype":"init"}',
        b'{"type":"stream_event","event":{}}',
        b'{"type":"assistant","message":{"content":"not a list of blocks"}}',
        b'{"type":"assistant"}',
    ],
)
def test_unknown_or_malformed_objects_are_kept_raw(line: bytes) -> None:
    assert parse(F, line + b"\n") == [AgentEvent(K.RAW, text=line.decode())]
