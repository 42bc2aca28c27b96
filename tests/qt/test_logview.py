"""The live log: rows per event kind, folding, tail following, find, raw mode, batching."""

from __future__ import annotations

import gc
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.qt.log.model import LogModel, RowKind
from app.qt.log.view import LogView
from tests.qt.conftest import walked

Event = dict[str, Any]


def raw(lines: list[str], stream: str | None = None) -> Event:
    event: Event = {"kind": "raw", "text": "\n".join(lines)}
    if stream:
        event["stream"] = stream
    return event


def started(item: str, command: str) -> Event:
    return {"kind": "command", "status": "in_progress", "item_id": item, "command": command}


def completed(item: str, command: str, output: str, code: int) -> Event:
    return {
        "kind": "command",
        "status": "completed",
        "item_id": item,
        "command": command,
        "text": output,
        "exit_code": code,
    }


@pytest.fixture
def view(qtbot: Any) -> LogView:
    widget = LogView()
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def kind(view: LogView, row: int) -> RowKind:
    return RowKind(view.model.index(row).data(LogModel.KindRole))


def rows(view: LogView) -> list[tuple[RowKind, str]]:
    return [(kind(view, i), view.row_text(i)) for i in range(view.row_count())]


def test_each_kind_renders_its_rows(view: LogView) -> None:
    view.show_task(
        "t1",
        [
            {"kind": "session", "session_id": "s-1"},
            {"kind": "status", "text": "turn started"},
            {"kind": "message", "text": "first\nsecond"},
            {"kind": "message", "text": "still typing", "status": "started"},
            {"kind": "reasoning", "text": "weighing options\nmore thought"},
            {"kind": "file_change", "path": "a.py", "change": "update", "status": "completed"},
            {"kind": "file_change", "path": "b.py", "change": "add", "status": "completed"},
            {"kind": "tool_call", "tool": "web_search", "text": "qt docs"},
            {"kind": "usage", "tokens_in": 10, "tokens_out": 5, "cost_usd": 0.5},
            {"kind": "error", "text": "it broke"},
            {"kind": "needs_input", "text": "approve?"},
        ],
    )
    assert rows(view) == [
        (RowKind.PLUMB, "session s-1 · turn started"),
        (RowKind.TEXT, "first"),
        (RowKind.TEXT, "second"),
        (RowKind.THINK, "thinking: weighing options"),
        (RowKind.FILE, "edit a.py"),
        (RowKind.FILE, "add b.py"),
        (RowKind.TOOL, "web_search: qt docs"),
        (RowKind.DIM, "usage: 10 in / 5 out, $0.5000"),
        (RowKind.ERROR, "error: it broke"),
        (RowKind.NEEDS_INPUT, "needs input: approve?"),
    ]
    assert view.model.index(8).data(LogModel.KindRole) == RowKind.ERROR


def test_command_completion_updates_its_row_instead_of_adding_one(view: LogView) -> None:
    view.show_task("t1", [started("c1", "pytest -q")])
    assert rows(view) == [(RowKind.COMMAND, "$ pytest -q")]
    assert view.model.badge(0) == "running"
    view.append("t1", [completed("c1", "pytest -q", "3 passed\nok\n", 0)])
    view.flush()
    assert rows(view) == [
        (RowKind.COMMAND, "$ pytest -q"),
        (RowKind.OUTPUT, "3 passed"),
        (RowKind.OUTPUT, "ok"),
    ]
    assert view.model.index(0).data(LogModel.BadgeRole) == "exit 0"


def test_output_lands_under_its_command_when_other_rows_came_between(view: LogView) -> None:
    view.show_task("t1", [started("c1", "make"), {"kind": "message", "text": "waiting"}])
    changed: list[int] = []
    view.model.dataChanged.connect(lambda top, _bottom: changed.append(top.row()))
    view.append("t1", [completed("c1", "make", "boom", 2), {"kind": "message", "text": "after"}])
    view.flush()
    assert [text for _, text in rows(view)] == ["$ make", "boom", "waiting", "after"]
    assert view.model.badge(0) == "exit 2"
    assert 0 in changed


def test_long_output_shows_a_preview_that_expands_and_folds(view: LogView, qtbot: Any) -> None:
    output = "\n".join(f"line {i}" for i in range(50))
    view.show_task("t1", [completed("c1", "seq 50", output, 0)])
    assert view.row_count() == 1 + 20 + 1
    assert rows(view)[-1] == (RowKind.MORE, "… 30 more lines")
    view.table.scrollToBottom()
    more = view.table.visualRect(view.model.index(21)).center()
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=more)
    assert view.row_count() == 51
    assert view.row_text(50) == "line 49"
    assert view.model.toggle(0)  # the header folds the body away
    assert view.row_count() == 1
    assert view.model.toggle(0)
    assert view.row_count() == 22
    assert not view.model.toggle(5)  # output lines do not fold


def test_reasoning_is_one_dim_line_that_expands(view: LogView) -> None:
    view.show_task("t1", [{"kind": "reasoning", "text": "plan\nstep one\nstep two"}])
    assert rows(view) == [(RowKind.THINK, "thinking: plan")]
    assert view.model.toggle(0)
    assert [text for _, text in rows(view)] == ["thinking: plan", "step one", "step two"]


def test_raw_event_with_many_lines_becomes_many_rows(view: LogView) -> None:
    view.show_task("t1", [raw([f"out {i}" for i in range(7)]), raw(["warn"], "stderr")])
    assert view.row_count() == 8
    assert view.row_text(6) == "out 6"
    assert kind(view, 0) == RowKind.RAW
    assert kind(view, 7) == RowKind.RAW_DIM


def test_follows_the_tail_until_scrolled_up(view: LogView) -> None:
    view.show_task("t1", [raw([f"l{i}" for i in range(1000)])])
    bar = view.table.verticalScrollBar()
    assert view.following() and bar.value() == bar.maximum() > 0
    assert not view.jump_button.isVisible()
    bar.setValue(10)
    assert not view.following()
    assert view.jump_button.isVisible()
    view.append("t1", [raw(["more"] * 100)])
    view.flush()
    assert bar.value() == 10
    view.jump_to_latest()
    assert view.following() and bar.value() == bar.maximum()
    assert not view.jump_button.isVisible()
    view.append("t1", [raw(["more"] * 100)])
    view.flush()
    assert bar.value() == bar.maximum()
    assert view.table.rowAt(view.table.viewport().height() - 2) == view.row_count() - 1


def test_find_wraps_both_ways_and_counts(view: LogView) -> None:
    lines = [f"line {i}" for i in range(100)]
    for row in (3, 50, 90):
        lines[row] = f"a NeedLe at {row}"
    view.show_task("t1", [raw(lines)])
    found = []
    for _ in range(4):
        assert view.find("needle")
        found.append(view.table.currentIndex().row())
    assert found == [3, 50, 90, 3]
    assert view.find_bar.count_label.text() == "1 of 3"
    assert view.find("needle", backwards=True)
    assert view.table.currentIndex().row() == 90
    assert view.find_bar.count_label.text() == "3 of 3"
    assert not view.find("absent")
    assert view.find_bar.count_label.text() == "no matches"


def test_find_sees_rows_appended_after_the_first_search(view: LogView) -> None:
    view.show_task("t1", [raw(["x", "hit 1"])])
    assert view.find("hit")
    view.append("t1", [raw(["y", "hit 2"])])
    view.flush()
    assert view.find("hit")
    assert view.table.currentIndex().row() == 3
    assert view.find_bar.count_label.text() == "2 of 2"


def test_find_bar_keys(view: LogView, qtbot: Any) -> None:
    view.show_task("t1", [raw(["alpha", "beta", "alpha two", "gamma"])])
    view.activateWindow()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.find_bar.isVisible()
    qtbot.keyClicks(view.find_bar.edit, "alpha")
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_Return)
    assert view.table.currentIndex().row() == 0
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_F3)
    assert view.table.currentIndex().row() == 2
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert view.table.currentIndex().row() == 0
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_Escape)
    assert not view.find_bar.isVisible()


def test_raw_mode_shows_raw_output_lines(view: LogView) -> None:
    view.show_task("t1", [{"kind": "message", "text": "hello"}])
    view.append_raw_text("t1", '{"type": "a"}\n{"type"')
    view.append_raw_text("t1", ': "b"}\n')
    view.flush()
    assert view.row_count() == 1
    view.set_mode("raw")
    assert view.mode() == "raw"
    assert [view.row_text(i) for i in range(view.row_count())] == ['{"type": "a"}', '{"type": "b"}']
    view.append("t1", [{"kind": "message", "text": "bye"}])
    view.append_raw_text("t1", "tail")
    view.flush()
    assert view.row_text(view.row_count() - 1) == "tail"
    view.set_mode("structured")
    assert [view.row_text(i) for i in range(view.row_count())] == ["hello", "bye"]
    with pytest.raises(ValueError):
        view.set_mode("fancy")


def test_raw_mode_of_a_plain_text_agent_shows_its_lines(view: LogView) -> None:
    view.show_task("t1", [raw(["one", "two"]), {"kind": "status", "text": "exited"}])
    view.set_mode("raw")
    assert [view.row_text(i) for i in range(view.row_count())] == ["one", "two"]


def test_append_for_another_task_is_ignored(view: LogView) -> None:
    view.show_task("t1", [raw(["a"])])
    view.append("t2", [raw(["b"])])
    view.append_raw_text("t2", "c\n")
    assert not view.model.has_pending()
    view.flush()
    assert view.row_count() == 1


def test_one_insert_per_flush(view: LogView) -> None:
    view.show_task("t1", [])
    inserts: list[tuple[int, int]] = []
    view.model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    for batch in range(10):
        view.append("t1", [raw([f"{batch}:{i}" for i in range(30)]) for _ in range(5)])
    assert view.row_count() == 0
    assert view.flush() == 1500
    assert inserts == [(0, 1499)]
    assert view.flush() == 0
    assert len(inserts) == 1


def test_timer_flushes_appends_while_shown(view: LogView, qtbot: Any) -> None:
    view.show_task("t1", [])
    view.append("t1", [raw(["tick"])])
    qtbot.waitUntil(lambda: view.row_count() == 1, timeout=2000)
    view.hide()
    view.append("t1", [raw(["tock"])])
    QApplication.processEvents()
    assert view.row_count() == 1 and view.model.has_pending()


def test_clear_empties_and_forgets_the_task(view: LogView) -> None:
    view.show_task("t1", [raw(["a", "b"])])
    view.clear()
    assert view.row_count() == 0
    view.append("t1", [raw(["c"])])
    view.flush()
    assert view.row_count() == 0


def test_a_million_rows_load_and_show_the_tail(view: LogView) -> None:
    chunk = [f"line {i}" for i in range(1000)]
    view.show_task("t1", [raw(chunk) for _ in range(1000)])
    QApplication.processEvents()
    assert view.row_count() == 1_000_000
    assert view.row_text(999_999) == "line 999"
    assert view.table.rowAt(view.table.viewport().height() - 2) == 999_999
    view.append("t1", [raw(["next"])])
    view.flush()
    assert view.row_text(1_000_000) == "next"


def test_unfolding_keeps_the_view_where_it_is(view: LogView, qtbot: Any) -> None:
    output = "\n".join(f"out {i}" for i in range(100))
    events = [raw([f"l{i}" for i in range(100)]), completed("c1", "make", output, 1)]
    view.show_task("t1", [*events, raw(["tail"] * 10)])
    assert view.following()
    more = next(i for i in range(view.row_count()) if kind(view, i) == RowKind.MORE)
    view.table.setCurrentIndex(view.model.index(more))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Space)
    assert view.row_count() == 100 + 1 + 100 + 10
    assert not view.following()
    assert view.jump_button.isVisible()


def test_raw_text_joins_a_line_split_across_chunks(view: LogView) -> None:
    view.show_task("t1", [])
    view.set_mode("raw")
    for chunk in ("one\ntw", "o", " and\nthree"):
        view.append_raw_text("t1", chunk)
        view.flush()
    assert [view.row_text(i) for i in range(view.row_count())] == ["one", "two and", "three"]


def _numbered(events: list[Event], start: int = 0) -> list[Event]:
    return [{**ev, "seq": start + n} for n, ev in enumerate(events)]


def test_an_event_is_found_by_its_seq_through_folds_and_late_output(view: LogView) -> None:
    first = _numbered(
        [
            {"kind": "message", "text": "hello there"},
            started("c1", "make test"),
            {"kind": "reasoning", "text": "think about it\nmore thoughts\nand more"},
            {"kind": "message", "text": "while it runs"},
        ]
    )
    view.show_task("t1", first)
    later = _numbered(
        [
            completed("c1", "make test", "\n".join(f"out {i}" for i in range(30)), 0),
            {"kind": "message", "text": "after the command"},
            {"kind": "error", "text": "boom"},
        ],
        start=len(first),
    )
    view.append("t1", later)
    view.flush()
    expect = {
        0: "hello there",
        1: "$ make test",
        2: "thinking: think about it",
        3: "while it runs",
        4: "$ make test",  # the completion updates the command's own group
        5: "after the command",
        6: "error: boom",
    }
    for seq, text in expect.items():
        assert view.row_text(view.model.row_of_seq(seq)) == text, seq
    command = view.model.row_of_seq(1)
    view.model.toggle(command)  # fold the command: later events move up, still found
    assert view.row_text(view.model.row_of_seq(5)) == "after the command"
    assert view.show_event(6)
    assert view.table.currentIndex().row() == view.model.row_of_seq(6)
    view.set_mode("raw")
    assert not view.show_event(6)  # raw rows have no event anchors; callers fall back to find


def test_a_long_log_adds_nothing_per_row_for_the_garbage_collector_to_walk(
    view: LogView, qtbot: Any
) -> None:
    # Every full collection walks each tracked container's items: per-row numbers and texts
    # held in lists made a 1,000,000-event log cost 87 ms a collection on the GUI thread.
    events = [completed(f"c{n}", f"echo {n}", f"out {n}\n", 0) for n in range(20_000)]
    view.show_task("t1", [{**e, "seq": n} for n, e in enumerate(events)])
    rows = view.model.rows
    assert view.model.unsettled()  # loaded in bulk: sealed a slice per tick, not at once
    qtbot.waitUntil(lambda: not view.model.unsettled())
    gc.collect()
    per_row = len(rows.texts) + len(rows.g_body) + len(rows.g_badge)  # 80,000 here
    assert walked(view.model.structured) < per_row / 8  # with the raw rows, its sink
    assert rows.row_of_seq(19_999) == rows.g_row[19_999]  # and events are still found by seq


def test_an_agent_message_reads_as_markdown(view: LogView) -> None:
    text = "## Done\nChanged **two** files:\n- `cart.py`\n```\nx = 1\n```\n> see [docs](http://d)"
    view.show_task("t1", [{"kind": "message", "text": text}])
    assert rows(view) == [
        (RowKind.HEADING, "Done"),
        (RowKind.TEXT, "Changed two files:"),
        (RowKind.TEXT, "• cart.py"),
        (RowKind.CODE, "x = 1"),
        (RowKind.QUOTE, "│ see docs (http://d)"),
    ]
    image = view.table.viewport().grab().toImage()  # painted without error, code row boxed
    assert not image.isNull()


def prelude(ts: float) -> list[Event]:
    """The bookkeeping a run writes before the agent says anything, as a stored log has it."""
    events: list[Event] = [
        {"kind": "status", "text": "state: preparing", "status": "preparing"},
        {"kind": "status", "text": "worktree /home/u/.orchard/wt/orchard-x on orchard/x from a1"},
        {"kind": "status", "text": "state: running", "status": "running"},
        {"kind": "session", "session_id": "3f2a9c1e-0000-4000-8000-000000000000"},
        {"kind": "status", "text": "resuming the session"},
        {"kind": "message", "text": "Looking at the code"},
    ]
    for seq, event in enumerate(events):
        event |= {"seq": seq, "ts": ts + seq}
    return events


def test_bookkeeping_folds_into_one_muted_line_that_opens(view: LogView) -> None:
    view.show_task("t1", prelude(1_700_000_000.0))
    assert kind(view, 0) == RowKind.PLUMB
    header = view.row_text(0)
    assert header.startswith("Started ")
    assert "worktree …/orchard-x" in header and "session 3f2a9c1e…" in header
    assert rows(view)[1] == (RowKind.TEXT, "Looking at the code")
    assert view.row_count() == 2
    assert view.show_event(3) and view.table.currentIndex().row() == 0  # inside the fold
    view.model.toggle(0)
    assert [view.row_text(i) for i in range(1, 6)][:2] == ["state: preparing", rows(view)[2][1]]
    assert view.row_text(6) == "Looking at the code"


def test_rows_say_how_long_ago_with_the_time_on_hover(view: LogView) -> None:
    now = time.time()
    view.show_task(
        "t1",
        [
            {"kind": "message", "text": "old", "seq": 0, "ts": now - 7200},
            {"kind": "message", "text": "newer", "seq": 1, "ts": now - 180},
        ],
    )
    assert view.model.stamp(0) == pytest.approx(now - 7200)
    assert view.model.stamp(1) == pytest.approx(now - 180)
    tip = view.model.index(1).data(Qt.ItemDataRole.ToolTipRole)
    assert time.strftime("%H:%M", time.localtime(now - 180)) in tip
    view.append("t1", [{"kind": "message", "text": "live", "seq": 2, "ts": now}])
    view.flush()
    assert view.model.stamp(2) == pytest.approx(now)
    assert view.model.stamp_label_at(2) == 2
    assert view._age_timer.isActive()  # the ages are repainted as time passes


def test_long_lines_wrap_by_default_and_short_ones_stay_one_line(view: LogView, qtbot: Any) -> None:
    view.show_task("t1", [raw(["short", "x" * 600, "end"])])
    line = view.delegate.line_height
    assert view.wraps() and view.wrap_button.isChecked()
    qtbot.waitUntil(lambda: view.row_height(1) > line)
    assert view.row_height(0) == line and view.row_height(2) == line
    view.set_wrap(False)
    assert view.row_height(1) == line
    assert not view.wrap_button.isChecked()


def test_structured_or_raw_is_shown_and_chosen_per_task(view: LogView) -> None:
    modes: list[str] = []
    view.mode_changed.connect(modes.append)
    view.show_task("t1", [raw(["a"])])
    assert view.mode_buttons.button(0).isChecked()  # Structured, visibly
    view.mode_buttons.button(1).click()
    assert view.mode() == "raw" and modes == ["raw"]
    view.show_task("t2", [raw(["b"])])
    assert view.mode() == "structured"  # the raw choice stays with t1
    assert view.mode_buttons.button(0).isChecked() and modes == ["raw", "structured"]
    view.show_task("t1", [raw(["a"])])
    assert view.mode() == "raw" and view.mode_buttons.button(1).isChecked()


def test_a_file_change_row_opens_its_diff(view: LogView, qtbot: Any) -> None:
    view.show_task(
        "t1", [{"kind": "file_change", "path": "src/app.py", "change": "update", "status": "ok"}]
    )
    with qtbot.waitSignal(view.file_activated) as blocker:
        view.table.doubleClicked.emit(view.model.index(0))
    assert blocker.args == ["src/app.py"]
    view.table.setCurrentIndex(view.model.index(0))
    with qtbot.waitSignal(view.file_activated):
        view._on_toggle_shortcut_activated()  # Enter


def test_a_file_change_shows_once_when_it_is_made_not_when_it_starts(view: LogView) -> None:
    change = {"kind": "file_change", "path": "shop/pricing.py", "change": "add", "item_id": "i1"}
    view.show_task("t1", [{**change, "status": "in_progress"}, {**change, "status": "completed"}])
    texts = [view.model.data(view.model.index(r)) for r in range(view.model.rowCount())]
    assert [t for t in texts if t and "shop/pricing.py" in t] == ["add shop/pricing.py"]
