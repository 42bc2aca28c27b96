"""Searching every task's log: real events.jsonl files written by TaskLogWriter."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from app.services.store import search
from app.services.store.logs import TaskLogWriter
from app.services.store.search import SearchHit, search_logs


def write_log(logs: Path, task_id: str, events: list[dict[str, Any]]) -> None:
    writer = TaskLogWriter(logs / task_id)
    writer.write_events(events)
    writer.close()


def message(text: str) -> dict[str, Any]:
    return {"kind": "message", "text": text}


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    write_log(
        root,
        "t1",
        [
            message("hello world"),
            {"kind": "command", "command": "pytest -q", "text": "3 passed", "exit_code": 0},
            message("nothing here"),
        ],
    )
    write_log(
        root,
        "t2",
        [
            {"kind": "file_change", "path": "src/Widget.py", "change": "update"},
            {"kind": "tool_call", "tool": "web_search", "text": "qt docs"},
            message('she said "Hello" to C:\\Users\\ünïcode'),
        ],
    )
    return root


def where(hits: list[SearchHit]) -> list[tuple[str, int, str]]:
    return [(h.task_id, h.seq, h.kind) for h in hits]


def test_hits_name_their_task_event_and_kind(logs: Path) -> None:
    hits = search_logs(logs, ["t1", "t2"], "hello")
    assert where(hits) == [("t1", 0, "message"), ("t2", 2, "message")]
    assert hits[0] == SearchHit("t1", 0, "message", "hello world", 0)


def test_search_is_case_insensitive_both_ways(logs: Path) -> None:
    assert where(search_logs(logs, ["t1", "t2"], "WIDGET")) == [("t2", 0, "file_change")]
    assert where(search_logs(logs, ["t1", "t2"], "PyTest")) == [("t1", 1, "command")]
    assert search_logs(logs, ["t1", "t2"], "PyTest")[0].snippet == "pytest -q"


def test_command_path_tool_and_text_are_searched(logs: Path) -> None:
    assert where(search_logs(logs, ["t1"], "3 passed")) == [("t1", 1, "command")]
    assert where(search_logs(logs, ["t2"], "web_search")) == [("t2", 1, "tool_call")]
    assert where(search_logs(logs, ["t2"], "src/")) == [("t2", 0, "file_change")]


def test_field_names_and_other_keys_do_not_match(logs: Path) -> None:
    assert search_logs(logs, ["t1", "t2"], "kind") == []
    assert search_logs(logs, ["t1", "t2"], "update") == []  # the `change` field
    assert search_logs(logs, ["t1", "t2"], '"text"') == []


def test_words_that_every_line_holds_as_keys_or_kinds_match_only_fields(tmp_path: Path) -> None:
    events = [message("plain"), message("see the message text"), {"kind": "error", "text": "x"}]
    events += [{"kind": "command", "command": "make", "status": "completed", "text": "kind"}]
    write_log(tmp_path, "t", events)
    assert where(search_logs(tmp_path, ["t"], "message")) == [("t", 1, "message")]
    assert where(search_logs(tmp_path, ["t"], "TEXT")) == [("t", 1, "message")]
    assert where(search_logs(tmp_path, ["t"], "kind")) == [("t", 3, "command")]
    assert search_logs(tmp_path, ["t"], "error") == []
    assert search_logs(tmp_path, ["t"], "complete") == []
    assert search_logs(tmp_path, ["t"], "seq") == []


def test_quotes_backslashes_and_unicode_match(logs: Path) -> None:
    assert where(search_logs(logs, ["t2"], '"hello"')) == [("t2", 2, "message")]
    assert where(search_logs(logs, ["t2"], "c:\\users\\")) == [("t2", 2, "message")]
    assert where(search_logs(logs, ["t2"], "ÜNÏCODE")) == [("t2", 2, "message")]
    hit = search_logs(logs, ["t2"], "Ünï")[0]
    assert hit.snippet == 'she said "Hello" to C:\\Users\\ünïcode'


def test_newlines_and_tabs_in_events_match_and_flatten(tmp_path: Path) -> None:
    write_log(tmp_path, "t", [message("first line\nsecond\tline here\nthird")])
    hits = search_logs(tmp_path, ["t"], "second\tline")
    assert [h.snippet for h in hits] == ["second line here"]
    assert len(search_logs(tmp_path, ["t"], "line\nsecond")) == 1


def test_snippet_is_one_line_around_the_match_and_short(tmp_path: Path) -> None:
    long_line = "a" * 500 + " needle " + "b" * 500
    write_log(tmp_path, "t", [message("before\n" + long_line + "\nafter")])
    (hit,) = search_logs(tmp_path, ["t"], "needle")
    assert len(hit.snippet) <= search.SNIPPET_WIDTH
    assert "needle" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "before" not in hit.snippet and "after" not in hit.snippet


def test_limit_stops_the_search(tmp_path: Path) -> None:
    for task in ("a", "b"):
        write_log(tmp_path, task, [message(f"match {i}") for i in range(50)])
    hits = search_logs(tmp_path, ["a", "b"], "match", limit=60)
    assert len(hits) == 60
    assert [h.seq for h in hits[48:52]] == [48, 49, 0, 1]
    assert {h.task_id for h in hits[50:]} == {"b"}


def test_a_set_cancel_stops_before_any_file(logs: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    assert search_logs(logs, ["t1", "t2"], "hello", cancel=cancel) == []


class CancelAfter(threading.Event):
    """A cancel flag that becomes set after it has been checked `checks` times."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.checks = checks

    def is_set(self) -> bool:
        self.checks -= 1
        return self.checks < 0


def test_cancel_midway_returns_what_was_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "BLOCK", 64)  # a check before every block
    write_log(tmp_path, "t", [message(f"match {i}") for i in range(100)])
    hits = search_logs(tmp_path, ["t", "t"], "match", cancel=CancelAfter(5))
    assert 0 < len(hits) < 100
    assert [h.seq for h in hits] == list(range(len(hits)))


def test_small_blocks_find_every_line_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "BLOCK", 7)  # lines straddle every block boundary
    write_log(tmp_path, "t", [message(f"row {i} ünï" if i % 3 else f"row {i}") for i in range(40)])
    assert [h.seq for h in search_logs(tmp_path, ["t"], "row")] == list(range(40))
    assert [h.line_no for h in search_logs(tmp_path, ["t"], "ÜNÏ")] == [
        i for i in range(40) if i % 3
    ]


def test_missing_and_corrupt_logs_are_skipped(logs: Path) -> None:
    (logs / "empty").mkdir()
    (logs / "garbage").mkdir()
    (logs / "garbage" / "events.jsonl").write_bytes(b"\xff\xfehello{not json\n[1, 2]\n\x00hello")
    (logs / "dir" / "events.jsonl").mkdir(parents=True)  # unreadable as a file
    ids = ["nope", "empty", "garbage", "dir", "t1"]
    assert where(search_logs(logs, ids, "hello")) == [("t1", 0, "message")]


def test_corrupt_lines_do_not_shift_later_line_numbers(tmp_path: Path) -> None:
    write_log(tmp_path, "t", [message("one"), message("two")])
    with open(tmp_path / "t" / "events.jsonl", "ab") as f:
        f.write(b'{"kind": "message", "text": "tor\n{"kind":"message","text":"three"}\n')
    (hit,) = search_logs(tmp_path, ["t"], "three")
    assert (hit.seq, hit.line_no) == (3, 3)


def test_empty_query_finds_nothing(logs: Path) -> None:
    assert search_logs(logs, ["t1", "t2"], "") == []


def test_a_match_inside_the_tasks_own_worktree_path_is_no_hit(tmp_path: Path) -> None:
    wt = "/home/me/.orchard/worktrees/orchard-fix-parser"
    write_log(
        tmp_path,
        "t1",
        [
            {"kind": "command", "command": f"cd {wt} && make", "text": "ok"},
            {"kind": "file_change", "path": f"{wt}/src/parser.py", "change": "update"},
            message("the parser is fixed"),
        ],
    )
    found = search_logs(tmp_path, ["t1"], "PARSER", worktrees={"t1": wt})
    assert [(h.seq, h.kind) for h in found] == [(1, "file_change"), (2, "message")]
    assert found[0].snippet == f"{wt}/src/parser.py"  # the file's own name still counts
    assert where(search_logs(tmp_path, ["t1"], "orchard-fix", worktrees={"t1": wt})) == []
    assert len(search_logs(tmp_path, ["t1"], "orchard-fix")) == 2  # without: every line
