"""The board's last event tells the story in a few words, not the event's raw text."""

from __future__ import annotations

import pytest

from app.core.headline import headline


@pytest.mark.parametrize(
    ("event", "phrase"),
    [
        ({"kind": "file_change", "change": "update", "path": "shop/cart.py"}, "editing cart.py"),
        ({"kind": "file_change", "change": "add", "path": "notes/a.md"}, "created a.md"),
        ({"kind": "file_change", "change": "delete", "path": "old.py"}, "deleted old.py"),
        (
            {"kind": "command", "command": "pytest -q", "exit_code": 0},
            "ran tests: passed",
        ),
        ({"kind": "command", "command": "npm test", "exit_code": 1}, "ran tests: failed"),
        ({"kind": "command", "command": "pytest", "status": "started"}, "running tests"),
        ({"kind": "command", "command": "ls -la", "exit_code": 0}, "ran ls"),
        (
            {"kind": "command", "command": "/bin/make all", "exit_code": 2},
            "ran make (exit 2)",
        ),
        ({"kind": "command", "command": "echo 'unclosed", "exit_code": 0}, "ran echo"),
        ({"kind": "needs_input", "text": "Which currency?"}, "asked for input"),
        ({"kind": "tool_call", "tool": "web_search", "text": "q"}, "used web_search"),
        ({"kind": "reasoning", "text": "**Planning** how to"}, "thinking"),
        ({"kind": "error", "text": "rate limited"}, "error: rate limited"),
        (
            {"kind": "status", "text": "Orchard committed 2e2d98763f on orchard/3c47ea33-add"},
            "",
        ),
        ({"kind": "message", "text": "Done:\n  added the helper"}, "Done: added the helper"),
    ],
)
def test_an_event_reads_as_a_short_phrase(event: dict[str, object], phrase: str) -> None:
    assert headline(event) == phrase


def test_a_long_phrase_is_cut_to_the_width() -> None:
    assert headline({"kind": "message", "text": "word " * 100}, 20).endswith("…")
    assert len(headline({"kind": "message", "text": "word " * 100}, 20)) == 20


def test_orchards_commit_leaves_the_agents_last_words_as_the_last_event() -> None:
    from app.core.turnsummary import Summary
    from tests.taskkit import make_task

    task = make_task()
    summary = Summary()
    commit = {"kind": "status", "text": "Orchard committed 2e2d98763f on orchard/x"}
    summary.absorb([{"kind": "message", "text": "Added the helper and two tests."}, commit], task)
    assert summary.take()["last_event"] == "Added the helper and two tests."
    summary.absorb([commit], task)  # alone in its batch: nothing to say, nothing replaced
    assert "last_event" not in summary.take()
