"""Plain-text rendering of stored events, one case per kind."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.events import AgentEvent, EventKind
from app.core.eventtext import render_event

K = EventKind


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        # message
        ({"kind": "message", "text": "All done."}, "All done."),
        ({"kind": "message", "text": "All done.", "status": "completed"}, "All done."),
        ({"kind": "message", "text": "partial", "status": "started"}, ""),
        ({"kind": "message", "text": "partial", "status": "updated"}, ""),
        # reasoning
        ({"kind": "reasoning", "text": "hmm"}, "[thinking] hmm"),
        ({"kind": "reasoning", "text": "hmm", "status": "completed"}, "[thinking] hmm"),
        ({"kind": "reasoning", "text": "hmm", "status": "started"}, ""),
        # command
        ({"kind": "command", "command": "ls", "status": "started"}, "$ ls"),
        ({"kind": "command", "command": "ls", "status": "in_progress"}, "$ ls"),
        (
            {
                "kind": "command",
                "command": "ls",
                "status": "completed",
                "text": "a\nb\n",
                "exit_code": 0,
            },
            "$ ls\n  a\n  b\n[exit 0]",
        ),
        (
            {"kind": "command", "command": "false", "status": "failed", "exit_code": 1},
            "$ false\n[exit 1]",
        ),
        ({"kind": "command", "command": "x", "status": "completed", "text": "out"}, "$ x\n  out"),
        ({"kind": "command", "command": "x", "status": "completed"}, "$ x"),
        ({"kind": "command", "command": "x", "text": "one\n\ntwo"}, "$ x\n  one\n  \n  two"),
        ({"kind": "command"}, "$ "),
        # file change
        ({"kind": "file_change", "path": "a.py", "change": "add"}, "[add] a.py"),
        (
            {"kind": "file_change", "path": "a.py", "change": "update", "status": "completed"},
            "[update] a.py",
        ),
        ({"kind": "file_change", "path": "a.py"}, "[edit] a.py"),
        ({"kind": "file_change", "path": "a.py", "change": "add", "status": "started"}, ""),
        # tool call
        ({"kind": "tool_call", "tool": "grep", "text": "foo"}, "[grep] foo"),
        ({"kind": "tool_call", "text": "foo"}, "[tool] foo"),
        # usage
        ({"kind": "usage", "tokens_in": 300, "tokens_out": 60}, "[usage] 300 in, 60 out"),
        (
            {"kind": "usage", "tokens_in": 300, "tokens_out": 60, "cost_usd": 0.003},
            "[usage] 300 in, 60 out, $0.0030",
        ),
        ({"kind": "usage", "cost_usd": 0.0}, "[usage] 0 in, 0 out, $0.0000"),
        ({"kind": "usage"}, "[usage] 0 in, 0 out"),
        # error, needs input, session, status
        ({"kind": "error", "text": "boom"}, "[error] boom"),
        ({"kind": "error", "text": "boom", "status": "fatal"}, "[error] boom"),
        ({"kind": "needs_input", "text": "approve Bash?"}, "[needs input] approve Bash?"),
        ({"kind": "session", "session_id": "abc-123"}, "[session] abc-123"),
        ({"kind": "session"}, "[session] "),
        ({"kind": "status", "text": "turn started"}, "-- turn started"),
        # raw and anything unknown
        ({"kind": "raw", "text": "plain line"}, "plain line"),
        ({"kind": "raw"}, ""),
        ({"kind": "something-new", "text": "kept"}, "kept"),
        ({"text": "no kind"}, "no kind"),
    ],
)
def test_render_event(event: dict[str, Any], expected: str) -> None:
    assert render_event(event) == expected


def test_every_kind_renders_from_to_dict() -> None:
    samples = {
        K.MESSAGE: (AgentEvent(K.MESSAGE, text="hi"), "hi"),
        K.REASONING: (AgentEvent(K.REASONING, text="why"), "[thinking] why"),
        K.COMMAND: (
            AgentEvent(K.COMMAND, text="ok\n", status="completed", command="make", exit_code=2),
            "$ make\n  ok\n[exit 2]",
        ),
        K.FILE_CHANGE: (AgentEvent(K.FILE_CHANGE, path="f", change="delete"), "[delete] f"),
        K.TOOL_CALL: (AgentEvent(K.TOOL_CALL, text="q", tool="web_search"), "[web_search] q"),
        K.USAGE: (
            AgentEvent(K.USAGE, tokens_in=1, tokens_out=2, cost_usd=1.23456),
            "[usage] 1 in, 2 out, $1.2346",
        ),
        K.ERROR: (AgentEvent(K.ERROR, text="bad"), "[error] bad"),
        K.NEEDS_INPUT: (AgentEvent(K.NEEDS_INPUT, text="ask"), "[needs input] ask"),
        K.SESSION: (AgentEvent(K.SESSION, session_id="s1"), "[session] s1"),
        K.RAW: (AgentEvent(K.RAW, text="r"), "r"),
        K.STATUS: (AgentEvent(K.STATUS, text="st"), "-- st"),
    }
    assert set(samples) == set(EventKind)
    for kind, (event, expected) in samples.items():
        assert render_event(event.to_dict()) == expected, kind
