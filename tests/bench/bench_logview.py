"""Live log benchmarks: absorbing 300k lines/s, and opening a 1M-line log. Not run as tests.

    QT_QPA_PLATFORM=offscreen uv run python tests/bench/bench_logview.py [--quick]

(a) Absorption: RAW events worth 300,000 lines/s arrive in 30 ms batches (9,000 lines each,
as a plain-text agent's pipe chunks) on top of 1k, 1M and 3M existing rows; each batch is one
flush (rows built, one insert, scroll to the tail) and one synchronous repaint of the viewport.
The figure is the GUI time per batch (median and worst) and the rate it could sustain.
The baseline is QPlainTextEdit.appendPlainText of the same batches, from a smaller start.
(b) Open: `show_task` of a finished task with a 1,000,000-line log until its tail is painted.
(c) Garbage collection: one full collection with the 1,000,000-line codex-like log open
(once its rows are sealed), beside the same row texts held in plain lists, as they were
before TextColumn. A full collection stalls the GUI loop; its goal is the 50 ms worst tick.
(d) Find: the first search of a 1,000,000-row log (later searches only scan new rows).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtWidgets import QApplication, QPlainTextEdit

from app.qt.log.view import LogView

RATE = 300_000  # lines/s
BATCH_S = 0.030
BATCH = int(RATE * BATCH_S)  # 9,000 lines
EVENT_LINES = 1_000  # lines per RAW event (one pipe chunk)
GOAL_FLUSH_MS = 12.0
GOAL_OPEN_MS = 300.0
Event = dict[str, Any]


def lines(start: int, count: int) -> list[str]:
    """Return log-like lines of about 70 characters."""
    return [
        f"2025-01-01T12:00:00 INFO worker.{n % 7}: processed item {n} in {n % 97} ms"
        for n in range(start, start + count)
    ]


def raw_events(total: int, start: int = 0) -> list[Event]:
    """Return RAW events of EVENT_LINES lines each, `total` lines in all."""
    out = []
    for at in range(start, start + total, EVENT_LINES):
        chunk = lines(at, min(EVENT_LINES, start + total - at))
        out.append({"kind": "raw", "text": "\n".join(chunk), "seq": at // EVENT_LINES})
    return out


def command_events(total: int) -> list[Event]:
    """Return a codex-like log: commands of 40 output lines with a message each, `total` lines."""
    out: list[Event] = []
    for n in range(total // 42):
        item = f"item_{n}"
        out.append({"kind": "command", "status": "in_progress", "item_id": item, "command": "ls"})
        output = "\n".join(lines(n * 40, 40))
        out.append(
            {
                "kind": "command",
                "status": "completed",
                "item_id": item,
                "command": "ls",
                "text": output,
                "exit_code": n % 3,
            }
        )
        out.append({"kind": "message", "text": f"step {n} done"})
    for seq, event in enumerate(out):  # numbered like a stored log, so anchors are built too
        event["seq"] = seq
    return out


def make_view(app: QApplication) -> LogView:
    view = LogView()
    view.resize(1000, 700)
    view.show()
    app.processEvents()
    return view


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def absorb(app: QApplication, view: LogView, existing: int, batches: int) -> list[float]:
    """Return GUI seconds per batch when appending `batches` batches over `existing` rows."""
    view.show_task("bench", raw_events(existing))
    app.processEvents()
    feed = [raw_events(BATCH, existing + i * BATCH) for i in range(batches)]
    viewport = view.table.viewport()
    times = []
    for events in feed:
        t0 = time.perf_counter()
        view.append("bench", events)
        view.flush()
        app.processEvents()
        viewport.repaint()
        times.append(time.perf_counter() - t0)
    assert view.row_count() == existing + batches * BATCH
    return times


def absorb_baseline(app: QApplication, existing: int, batches: int) -> list[float]:
    """Return seconds per batch for QPlainTextEdit.appendPlainText of the same batches."""
    edit = QPlainTextEdit()
    edit.setReadOnly(True)
    edit.resize(1000, 700)
    edit.show()
    edit.setPlainText("\n".join(lines(0, existing)))
    app.processEvents()
    feed = ["\n".join(lines(existing + i * BATCH, BATCH)) for i in range(batches)]
    times = []
    for text in feed:
        t0 = time.perf_counter()
        edit.appendPlainText(text)
        edit.verticalScrollBar().setValue(edit.verticalScrollBar().maximum())
        app.processEvents()
        edit.viewport().repaint()
        times.append(time.perf_counter() - t0)
    edit.close()
    edit.deleteLater()
    return times


def open_time(app: QApplication, view: LogView, events: list[Event]) -> float:
    """Return seconds from show_task to the tail painted."""
    view.clear()
    app.processEvents()
    t0 = time.perf_counter()
    view.show_task("bench", events)
    app.processEvents()
    view.table.viewport().grab()
    elapsed = time.perf_counter() - t0
    assert view.table.rowAt(view.table.viewport().height() - 2) == view.row_count() - 1
    return elapsed


def open_baseline(app: QApplication, count: int) -> float:
    """Return seconds for QPlainTextEdit.setPlainText of `count` lines, scrolled to the end."""
    edit = QPlainTextEdit()
    edit.resize(1000, 700)
    edit.show()
    text = "\n".join(lines(0, count))
    t0 = time.perf_counter()
    edit.setPlainText(text)
    edit.verticalScrollBar().setValue(edit.verticalScrollBar().maximum())
    app.processEvents()
    edit.viewport().grab()
    elapsed = time.perf_counter() - t0
    edit.close()
    edit.deleteLater()
    return elapsed


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def krate(lines_per_s: float) -> str:
    return f"{lines_per_s / 1000:,.0f}k lines/s"


def per_batch(times: list[float]) -> str:
    return f"{ms(statistics.median(times))} (max {ms(max(times))})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer batches")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    batches = 10 if args.quick else 34  # 34 batches of 30 ms: about one second of output
    sizes = (1_000, 100_000) if args.quick else (1_000, 1_000_000, 3_000_000)
    open_lines = 100_000 if args.quick else 1_000_000
    base_existing = 1_000
    view = make_view(app)
    table: list[tuple[str, str, str, str, str]] = []

    base = absorb_baseline(app, base_existing, min(batches, 10))
    base_note = f"QPlainTextEdit from {base_existing:,} lines: {per_batch(base)}"
    for existing in sizes:
        times = absorb(app, view, existing, batches)
        worst = max(times)
        capacity = BATCH / statistics.median(times)
        table.append(
            (
                f"(a) 9k-line batch over {existing:,} rows",
                per_batch(times),
                base_note if existing == sizes[0] else "",
                f"<= {GOAL_FLUSH_MS:.0f} ms",
                "PASS" if worst * 1000 <= GOAL_FLUSH_MS else "FAIL (max)",
            )
        )
        table.append(
            (
                f"(a) rate it sustains at {existing:,} rows",
                krate(capacity),
                krate(BATCH / statistics.median(base)) if existing == sizes[0] else "",
                ">= 300k lines/s",
                "PASS" if capacity >= RATE else "FAIL",
            )
        )

    raw_open = open_time(app, view, raw_events(open_lines))
    base_lines = open_lines // 10
    base_open = open_baseline(app, base_lines)
    table.append(
        (
            f"(b) open {open_lines:,}-line plain-text log",
            ms(raw_open),
            f"QPlainTextEdit {base_lines:,} lines: {ms(base_open)}",
            f"<= {GOAL_OPEN_MS:.0f} ms",
            "PASS" if raw_open * 1000 <= GOAL_OPEN_MS else "FAIL",
        )
    )
    structured = command_events(open_lines)
    cmd_open = open_time(app, view, structured)
    table.append(
        (
            f"(b) open {open_lines:,}-line codex-like log ({len(structured):,} events)",
            f"{ms(cmd_open)} ({view.row_count():,} rows)",
            "",
            f"<= {GOAL_OPEN_MS:.0f} ms",
            "PASS" if cmd_open * 1000 <= GOAL_OPEN_MS else "FAIL",
        )
    )
    del structured
    collect, in_lists = collection_times(app, view)
    table.append(
        (
            f"(c) full collection, {open_lines:,}-line log open",
            ms(collect),
            f"its row texts in plain lists: {ms(in_lists)}",
            "<= 50 ms (worst tick)",
            "PASS" if collect * 1000 <= 50 else "FAIL",
        )
    )
    view.show_task("bench", raw_events(open_lines))
    first = timed(lambda: view.find("item 999999"))
    again = timed(lambda: view.find("item 999999", backwards=True))
    table.append((f"(d) first find in {open_lines:,} rows", ms(first), "", "-", "-"))
    table.append(("(d) next find, same text", ms(again), "", "-", "-"))
    view.close()
    view.deleteLater()
    print_table(table)


def collection_times(app: QApplication, view: LogView) -> tuple[float, float]:
    """Return the median seconds of a full collection with the shown log, then with lists."""

    def median_collect() -> float:
        return statistics.median(timed(gc.collect) for _ in range(5))

    while view.model.unsettled():  # the view seals a bulk-loaded log a slice per tick
        app.processEvents()
        time.sleep(0.005)
    now = median_collect()
    model = view.model
    lists = [rows.texts.rows(0, len(rows.texts)) for rows in (model.structured, model.raw)]
    before = median_collect()
    del lists
    return now, before


def print_table(rows: list[tuple[str, str, str, str, str]]) -> None:
    header = ("figure", "measured", "baseline", "goal", "result")
    everything = [header, *rows]
    widths = [max(len(row[i]) for row in everything) for i in range(len(header))]
    print()
    for i, row in enumerate(everything):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
