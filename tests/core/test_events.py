"""The normalized agent event: serialization, summaries and one-line text."""

from __future__ import annotations

import json

import pytest

from app.core.events import AgentEvent, EventKind, one_line

K = EventKind

SAMPLES: dict[EventKind, AgentEvent] = {
    K.MESSAGE: AgentEvent(K.MESSAGE, text="All done.", status="completed", item_id="item_2"),
    K.REASONING: AgentEvent(K.REASONING, text="Thinking about it", status="completed"),
    K.COMMAND: AgentEvent(
        K.COMMAND, text="hello\n", status="completed", item_id="c1", command="ls -la", exit_code=0
    ),
    K.FILE_CHANGE: AgentEvent(K.FILE_CHANGE, status="completed", path="a/b.py", change="add"),
    K.TOOL_CALL: AgentEvent(K.TOOL_CALL, text='{"q": 1}', status="started", tool="grep"),
    K.USAGE: AgentEvent(K.USAGE, tokens_in=300, tokens_out=60, cost_usd=0.003, session_id="s"),
    K.ERROR: AgentEvent(K.ERROR, text="boom", status="fatal"),
    K.NEEDS_INPUT: AgentEvent(K.NEEDS_INPUT, text="permission denied: Bash"),
    K.SESSION: AgentEvent(K.SESSION, session_id="01a2-thread", text="model-x"),
    K.RAW: AgentEvent(K.RAW, text="not json {", stream="stderr"),
    K.STATUS: AgentEvent(K.STATUS, text="turn started"),
}


def test_samples_cover_every_kind() -> None:
    assert set(SAMPLES) == set(EventKind)


@pytest.mark.parametrize("kind", list(EventKind))
def test_round_trip_through_dict(kind: EventKind) -> None:
    event = SAMPLES[kind]
    assert AgentEvent.from_dict(event.to_dict()) == event


@pytest.mark.parametrize("kind", list(EventKind))
def test_round_trip_through_json(kind: EventKind) -> None:
    event = SAMPLES[kind]
    assert AgentEvent.from_dict(json.loads(json.dumps(event.to_dict()))) == event


@pytest.mark.parametrize("kind", list(EventKind))
def test_kind_is_serialized_as_its_value(kind: EventKind) -> None:
    data = SAMPLES[kind].to_dict()
    assert data["kind"] == kind.value
    assert type(data["kind"]) is str


def test_empty_fields_are_omitted() -> None:
    assert AgentEvent(K.MESSAGE).to_dict() == {"kind": "message"}
    assert AgentEvent(K.RAW, text="", status=None, path="").to_dict() == {"kind": "raw"}


def test_exact_dict_for_a_command() -> None:
    assert SAMPLES[K.COMMAND].to_dict() == {
        "kind": "command",
        "text": "hello\n",
        "status": "completed",
        "item_id": "c1",
        "command": "ls -la",
        "exit_code": 0,
    }


def test_falsy_but_meaningful_values_are_kept() -> None:
    ev = AgentEvent(K.USAGE, tokens_in=0, tokens_out=0, cost_usd=0.0, exit_code=0)
    data = ev.to_dict()
    assert data == {
        "kind": "usage",
        "tokens_in": 0,
        "tokens_out": 0,
        "cost_usd": 0.0,
        "exit_code": 0,
    }
    assert AgentEvent.from_dict(data) == ev


def test_whitespace_text_is_kept() -> None:
    assert AgentEvent(K.RAW, text=" ").to_dict() == {"kind": "raw", "text": " "}


@pytest.mark.parametrize("kind", ["bogus", "", None, 42, "MESSAGE"])
def test_unknown_kind_becomes_raw(kind: object) -> None:
    ev = AgentEvent.from_dict({"kind": kind, "text": "keep me"})
    assert ev.kind is K.RAW
    assert ev.text == "keep me"


def test_missing_kind_becomes_raw() -> None:
    assert AgentEvent.from_dict({"text": "x"}) == AgentEvent(K.RAW, text="x")


def test_from_dict_ignores_unknown_keys() -> None:
    ev = AgentEvent.from_dict({"kind": "message", "text": "hi", "future_field": 1})
    assert ev == AgentEvent(K.MESSAGE, text="hi")


def test_events_are_frozen() -> None:
    with pytest.raises(AttributeError):
        SAMPLES[K.MESSAGE].text = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (AgentEvent(K.COMMAND, command="ls -la", exit_code=2), "$ ls -la (exit 2)"),
        (AgentEvent(K.COMMAND, command="ls -la", exit_code=0), "$ ls -la (exit 0)"),
        (AgentEvent(K.COMMAND, command="make"), "$ make"),
        (AgentEvent(K.COMMAND), "$"),
        (AgentEvent(K.FILE_CHANGE, path="a.py", change="delete"), "delete a.py"),
        (AgentEvent(K.FILE_CHANGE, path="a.py"), "edit a.py"),
        (AgentEvent(K.TOOL_CALL, text="pattern", tool="grep"), "grep: pattern"),
        (AgentEvent(K.TOOL_CALL, text="pattern"), "tool: pattern"),
        (AgentEvent(K.USAGE, tokens_in=300, tokens_out=60), "usage: 300 in / 60 out"),
        (AgentEvent(K.USAGE), "usage: 0 in / 0 out"),
        (AgentEvent(K.ERROR, text="boom"), "error: boom"),
        (AgentEvent(K.SESSION, session_id="abc"), "session abc"),
        (AgentEvent(K.MESSAGE, text="hello\n\n  world"), "hello world"),
        (AgentEvent(K.REASONING, text="think"), "think"),
        (AgentEvent(K.NEEDS_INPUT, text="approve?"), "approve?"),
        (AgentEvent(K.RAW, text="\tline\r\n"), "line"),
        (AgentEvent(K.STATUS, text="turn started"), "turn started"),
    ],
)
def test_summary_per_kind(event: AgentEvent, expected: str) -> None:
    assert event.summary() == expected


def test_summary_is_cut_to_width() -> None:
    ev = AgentEvent(K.MESSAGE, text="x" * 500)
    assert ev.summary() == "x" * 119 + "…"
    assert len(ev.summary(width=10)) == 10
    assert ev.summary(width=10) == "x" * 9 + "…"


def test_summary_of_multiline_command_is_one_line() -> None:
    ev = AgentEvent(K.COMMAND, command="echo a\necho b", exit_code=1)
    assert ev.summary() == "$ echo a echo b (exit 1)"


def test_one_line_collapses_whitespace() -> None:
    assert one_line("  a\tb\n\nc   d  ") == "a b c d"
    assert one_line("") == ""
    assert one_line("\n\n") == ""


def test_one_line_boundary_widths() -> None:
    assert one_line("abcde", 5) == "abcde"
    assert one_line("abcdef", 5) == "abcd…"
    assert one_line("ab", 1) == "…"
    assert one_line("ab", 0) == "…"
    assert one_line("a", 1) == "a"


def test_one_line_counts_characters_not_bytes() -> None:
    assert one_line("é" * 10, 10) == "é" * 10
    assert one_line("é" * 11, 10) == "é" * 9 + "…"
