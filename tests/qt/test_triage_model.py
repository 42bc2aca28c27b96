"""The report table model: 10,000 rows, updates by row, sorting, filters, highlight, detail."""

from __future__ import annotations

import dataclasses
import time

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.triage import Report, ReportStatus
from app.qt.triage.detail import BODY_LIMIT, body_text
from app.qt.triage.model import TriageColumn, TriageFilterModel, TriageModel
from app.qt.triage.pickers import PickerPopup
from app.qt.triage.view import TriageView

NOW = 1_700_000_000.0


def report(n: int, **fields: object) -> Report:
    base: dict[str, object] = {
        "id": n,
        "project": "shop",
        "title": f"Report {n:05d} about {'saving' if n % 2 else 'loading'}",
        "body": f"body {n}",
        "reporter": f"user{n % 7}",
        "source": "paste",
        "external_id": None,
        "url": None,
        "created_at": NOW - n,
        "imported_at": NOW,
    }
    base.update(fields)
    return Report(**base)  # type: ignore[arg-type]


def test_ten_thousand_reports_load_sort_filter_and_update_by_row(qtbot: QtBot) -> None:
    view = TriageView(TriageModel(clock=lambda: NOW))
    qtbot.addWidget(view)
    model, proxy = view.model, view.proxy
    started = time.perf_counter()
    model.set_reports([report(n) for n in range(1, 10_001)])
    loaded = time.perf_counter() - started
    assert proxy.rowCount() == 10_000
    started = time.perf_counter()
    view.table.sortByColumn(TriageColumn.TITLE, Qt.SortOrder.DescendingOrder)
    sorted_in = time.perf_counter() - started
    assert proxy.report(0).id == 10_000  # type: ignore[union-attr]
    started = time.perf_counter()
    proxy.set_text("saving user3")
    filtered = time.perf_counter() - started
    assert proxy.rowCount() == sum(1 for n in range(1, 10_001) if n % 2 and n % 7 == 3)
    proxy.set_text("")
    resets, changes = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(
        lambda top, bottom, roles=(): changes.append((top.row(), bottom.row()))
    )
    model.upsert([dataclasses.replace(report(5), priority="P0", status=ReportStatus.TRIAGED)])
    assert not resets and changes == [(model.row_of(5), model.row_of(5))]
    model.upsert([report(10_001)], fresh=True)
    assert model.rowCount() == 10_001 and model.is_fresh(10_001) and not resets
    print(
        f"\n10k: load {loaded * 1000:.0f} ms, sort {sorted_in * 1000:.0f} ms, "
        f"filter {filtered * 1000:.0f} ms"
    )
    assert loaded < 1 and sorted_in < 1 and filtered < 1


def test_quick_filters_by_status_and_priority(qtbot: QtBot) -> None:
    model = TriageModel(clock=lambda: NOW)
    proxy = TriageFilterModel(model)
    model.set_reports(
        [
            report(1, priority="P0", status=ReportStatus.TRIAGED),
            report(2, status=ReportStatus.WONT_FIX),
            report(3),
        ]
    )
    proxy.set_statuses({ReportStatus.NEW, ReportStatus.TRIAGED})
    assert [proxy.report(r).id for r in range(proxy.rowCount())] == [1, 3]  # type: ignore[union-attr]
    proxy.set_priority("none")
    assert [proxy.report(r).id for r in range(proxy.rowCount())] == [3]  # type: ignore[union-attr]
    proxy.set_priority("P0")
    assert proxy.rowCount() == 1
    cell = model.index(0, TriageColumn.PRIORITY)
    assert cell.data() == "P0" and cell.data(Qt.ItemDataRole.BackgroundRole) is not None


def test_a_huge_body_is_cut_with_a_note() -> None:
    text = body_text("x" * 1_000_000)
    assert len(text) < BODY_LIMIT + 100 and "first 200 KB of 1000 KB" in text


def test_picker_filters_as_you_type_and_enter_picks(qtbot: QtBot) -> None:
    popup = PickerPopup("Category", [("crash", "crash"), ("ui", "ui"), ("docs", "docs")])
    qtbot.addWidget(popup)
    picked: list[object] = []
    popup.picked.connect(picked.append)
    popup.show()
    qtbot.keyClicks(popup.edit, "do")
    assert popup.shown_values() == ["docs"]
    qtbot.keyClick(popup.edit, Qt.Key.Key_Return)
    assert picked == ["docs"] and not popup.isVisible()
