"""A task's log keeps one numbering across turns: a reopened writer continues from the tail."""

from __future__ import annotations

from pathlib import Path

import orjson

from app.client.logfiles import read_events
from app.services.store.logs import TaskLogWriter


def _write_turn(folder: Path, count: int) -> None:
    writer = TaskLogWriter(folder)
    writer.write_events([{"kind": "message", "text": f"line {i}"} for i in range(count)])
    writer.close()


def test_seq_continues_across_turns_on_a_log_bigger_than_the_tail_read(tmp_path: Path) -> None:
    folder = tmp_path / "task"
    _write_turn(folder, 5000)  # several hundred KB: more than the 64 KB read from the tail
    _write_turn(folder, 3)
    events, _ = read_events(folder / "events.jsonl")
    assert [e["seq"] for e in events] == list(range(5003))


def test_a_log_without_seq_numbers_is_counted_instead(tmp_path: Path) -> None:
    folder = tmp_path / "task"
    folder.mkdir()
    lines = [orjson.dumps({"kind": "raw", "text": str(i)}) for i in range(7)]
    (folder / "events.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    _write_turn(folder, 1)
    events, _ = read_events(folder / "events.jsonl")
    assert events[-1]["seq"] == 7  # equals its line number, as search expects
