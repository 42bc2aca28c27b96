"""A keyboard pass over 100 reports in the Triage tab. Not run as a test.

    QT_QPA_PLATFORM=offscreen uv run python tests/bench/bench_triage_keys.py [--runs 3]

Each report gets a priority, a category and an owner, by keys pressed on the real window
over a real Orchard (SQLite in a temporary home), in two flows measured in the same run:

- today's flow: one key per field, and the cursor jumps to the next report after each, so
  the person presses k to come back before the next field (and a priority alone already
  counts the report as triaged);
- the multi-field flow: 1, c (type, Enter), o (type, Enter) stay on the report, then Space
  accepts it and moves on (it is triaged once category and priority are set).

Prints keys per report, and the median time per report with the window's work excluded:
the pass's wall time less the time the window spent handling the keys and showing what the
store sent back, so what is left is the waiting a person would see between keys (a model of
a person's own time is keys x a typing pace, printed beside it at 0.25 s a key).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.client import Operations  # noqa: E402
from app.core.triage import ReportDraft  # noqa: E402
from app.qt.triage.controller import TriageController  # noqa: E402
from app.qt.window import build_window  # noqa: E402
from app.server.operations import local_call  # noqa: E402
from app.services.config.settings import Home  # noqa: E402
from app.services.orchard import Orchard  # noqa: E402
from tests.conftest import make_repo  # noqa: E402

PACE = 0.25  # seconds a person takes per key, for the modelled figure only
CONFIG = '[triage]\nowners = { alice = "ui", bob = "storage" }\n'


class Pass:
    """One flow over the reports: counts keys and the window's own time."""

    def __init__(self, triage: TriageController) -> None:
        self.triage, self.table = triage, triage.view.table
        self.keys = 0
        self.window_seconds = 0.0

    def key(self, key: Any, widget: Any = None) -> None:
        started = time.perf_counter()
        QTest.keyClick(widget or self.table, key)
        self.window_seconds += time.perf_counter() - started
        self.keys += 1

    def typed(self, text: str, widget: Any) -> None:
        for char in text:
            self.key(char, widget)

    async def pick(self, key: str, text: str) -> None:
        """Open a picker, type, Enter: the keys a person presses."""
        before = self.triage.picker
        self.key(key)
        popup = await wait_for(
            lambda: self.triage.picker not in (None, before) and self.triage.picker
        )
        self.typed(text, popup.edit)
        self.key(Qt.Key.Key_Return, popup.edit)
        await wait_for(lambda: self.triage.picker is None or self.triage.picker is not popup)


async def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there")
        await asyncio.sleep(0.001)
    return value


async def todays_flow(run: Pass, count: int) -> None:
    """One key per field, jumping after each: k brings the cursor back for the next field."""
    view = run.triage.view

    def back(report: Any) -> None:
        """Come back to the report: k when the cursor went one down, as it mostly does."""
        current = view.current_report()
        if current is None or current.id == report.id:
            return
        run.key("k")
        current = view.current_report()
        if current is None or current.id != report.id:  # it wrapped to an earlier report
            view.select_report(report.id)

    for _ in range(count):
        report = view.current_report()
        run.key("1")  # sets the priority and jumps
        back(report)
        await run.pick("c", "ui")  # sets the category and jumps
        back(report)
        await run.pick("o", "ali")  # sets the owner and jumps


async def multi_field_flow(run: Pass, count: int) -> None:
    """Several fields on one report, then Space accepts it and moves on."""
    for _ in range(count):
        run.key("1")
        await run.pick("c", "ui")
        await run.pick("o", "ali")
        run.key(Qt.Key.Key_Space)


def as_today(triage: TriageController) -> None:
    """Wire the keys as they were: every field key stores and jumps to the next report."""

    def jump_then(**changes: Any) -> None:
        ids = triage.targets()
        triage.view.advance(skip=ids)
        triage.main.spawn(triage.set_reports(ids, **changes))

    table = triage.view.table
    table.priority_pressed.disconnect()
    table.priority_pressed.connect(lambda p: jump_then(priority=p))
    triage.field_key = lambda ids=None, **changes: jump_then(**changes)  # type: ignore[method-assign]


async def one_pass(flow: str, count: int) -> tuple[float, float, int]:
    """Return (wall seconds, window seconds, keys) of one flow over `count` new reports."""
    root = Path(tempfile.mkdtemp(prefix="bench-keys-"))
    home = root / "home"
    home.mkdir()
    (home / "config.toml").write_text(CONFIG)
    orchard = Orchard(Home(home))
    await orchard.add_project(str(make_repo(root / "shop")))
    drafts = [ReportDraft(f"Report {i}: something is off in view {i}", "") for i in range(count)]
    orchard.store.add_reports("shop", drafts)
    window, controller = build_window(orchard, Operations(local_call(orchard)))
    window.show()
    runner = asyncio.ensure_future(controller.run())
    triage = next(t for t in controller.tools if isinstance(t, TriageController))
    window.tabs.setCurrentIndex(1)
    await wait_for(lambda: triage.view.model.rowCount() == count)
    await wait_for(lambda: triage.view.current_report() is not None)
    triage.view.table.setFocus()
    run = Pass(triage)
    if flow == "today":
        as_today(triage)
    started = time.perf_counter()
    await (todays_flow if flow == "today" else multi_field_flow)(run, count)
    try:
        await wait_for(lambda: all(r.owner for r in orchard.store.reports("shop")), timeout=20)
    except TimeoutError:
        print(
            flow, [(r.id, r.priority, r.category, r.owner) for r in orchard.store.reports("shop")]
        )
        raise
    wall = time.perf_counter() - started
    stored = orchard.store.reports("shop")
    assert all(r.priority == "P1" and r.category == "ui" for r in stored), "a field was lost"
    result = (wall, run.window_seconds, run.keys)
    print("RESULT", *result, flush=True)  # before the close, which ends the loop
    orchard.close()
    controller.close()
    await runner
    return result


def measured(flow: str, count: int) -> tuple[float, float, int]:
    """Run one pass in a fresh process (a window's close ends its event loop)."""
    out = subprocess.run(
        [sys.executable, __file__, "--reports", str(count), "--flow", flow],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    _, wall, window, keys = line.split()
    return float(wall), float(window), int(keys)


def main(count: int, runs: int) -> None:
    results: dict[str, list[tuple[float, float, int]]] = {"today": [], "multi": []}
    for _ in range(runs):
        for flow in ("today", "multi"):
            results[flow].append(measured(flow, count))
    print(f"keyboard pass over {count} reports (priority, category, owner), median of {runs}")
    flows = (("today", "today's flow (jump after each key)"), ("multi", "multi-field + Space"))
    for flow, label in flows:
        walls = [w for w, _, _ in results[flow]]
        windows = [x for _, x, _ in results[flow]]
        keys = results[flow][0][2] / count
        waiting = statistics.median(w - x for w, x, _ in results[flow]) / count
        print(
            f"  {label:<36} {keys:5.1f} keys/report   "
            f"window work {statistics.median(windows) / count * 1000:6.1f} ms/report   "
            f"waiting with it excluded {waiting * 1000:6.1f} ms/report   "
            f"person at {PACE} s/key {keys * PACE:4.1f} s/report   "
            f"(wall {statistics.median(walls):.2f} s)"
        )


def one_flow(flow: str, count: int) -> None:
    """Run one pass on Qt's loop; it prints its RESULT line itself."""
    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with contextlib.suppress(RuntimeError), loop:  # the window's close stops the loop
        loop.run_until_complete(one_pass(flow, count))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--flow", choices=("today", "multi"))
    args = parser.parse_args()
    if args.flow:
        one_flow(args.flow, args.reports)
    else:
        main(args.reports, args.runs)
