"""The Triage tab over a real Orchard: keyboard triage, quick capture, paste, dashboard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.triage import ReportDraft, ReportStatus
from app.qt.triage.agents import TriageAgentsController
from app.qt.triage.controller import TriageController
from app.qt.triage.intake import TriageIntakeController
from tests.conftest import make_repo
from tests.qt.conftest import run, until
from tests.qt.test_window import Session

pytestmark = pytest.mark.timeout(180)

REPORTS = [
    ReportDraft("Crash on save with an empty file", "Steps:\n1. new file\n2. save", "ana"),
    ReportDraft("Button label cut off in German", "The OK button reads 'Übernehm'", "ben"),
    ReportDraft("Diff view scrolls to the top on refresh", "Annoying while reviewing", "cy"),
    ReportDraft("Saving an empty file crashes", "Same as the other one? crash on save", "dee"),
    ReportDraft("Please add dark mode", "", "eve"),
]
CONFIG = """
[triage]
owners = { alice = "ui, diff view", bob = "storage" }
"""


def triage_of(s: Session) -> TriageController:
    return next(t for t in s.controller.tools if isinstance(t, TriageController))


def intake_of(s: Session) -> TriageIntakeController:
    return next(t for t in s.controller.tools if isinstance(t, TriageIntakeController))


def agents_of(s: Session) -> TriageAgentsController:
    return next(t for t in s.controller.tools if isinstance(t, TriageAgentsController))


async def open_triage(
    tmp_path: Path, drafts: list[ReportDraft] = REPORTS, config: str = ""
) -> Session:
    """Open the window on a home with one project and `drafts`, on the Triage tab."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(config + CONFIG)
    s = Session(home)
    await s.orchard.add_project(str(make_repo(tmp_path / "shop")))
    s.orchard.store.add_reports("shop", drafts)
    s.window.tabs.setCurrentIndex(1)
    view = triage_of(s).view
    await until(lambda: view.model.rowCount() == len(drafts), what="reports shown")
    await until(lambda: view.current_report() is not None, what="a current report")
    return s


def stored(s: Session) -> dict[int, Any]:
    return {r.id: r for r in s.orchard.store.reports("shop")}


def current_id(s: Session) -> int:
    report = triage_of(s).view.current_report()
    assert report is not None
    return report.id


async def pick(qtbot: QtBot, s: Session, key: str, typed: str) -> None:
    """Press a picker key on the table, type, and press Enter in the popup."""
    triage = triage_of(s)
    before = triage.picker
    qtbot.keyClick(triage.view.table, key)
    popup = await until(lambda: triage.picker is not before and triage.picker, what="picker")
    if typed:
        qtbot.keyClicks(popup.edit, typed)
    qtbot.keyClick(popup.edit, Qt.Key.Key_Return)


def test_triage_a_list_by_keys_alone(loop: Any, tmp_path: Path, qtbot: QtBot) -> None:
    async def scenario() -> None:
        s = await open_triage(tmp_path)
        triage = triage_of(s)
        table = triage.view.table
        table.setFocus()
        assert current_id(s) == 1
        # several fields on one report, then Space accepts it and moves on
        qtbot.keyClick(table, "1")
        await pick(qtbot, s, "c", "ui")
        await pick(qtbot, s, "o", "ali")
        assert current_id(s) == 1  # field keys stay on the report
        await until(lambda: stored(s)[1].owner == "alice", what="fields stored")
        assert (stored(s)[1].priority, stored(s)[1].category) == ("P1", "ui")
        assert stored(s)[1].status is ReportStatus.TRIAGED
        qtbot.keyClick(table, Qt.Key.Key_Space)
        assert current_id(s) == 2
        # a priority alone does not triage: Space says what is missing and stays
        qtbot.keyClick(table, "2")
        await until(lambda: stored(s)[2].priority == "P2", what="P2 stored")
        assert stored(s)[2].status is ReportStatus.NEW
        qtbot.keyClick(table, Qt.Key.Key_Space)
        assert current_id(s) == 2
        assert "#2 still needs category" in s.window.statusBar().currentMessage()
        await pick(qtbot, s, "c", "ui")
        qtbot.keyClick(table, Qt.Key.Key_Space)  # at once: the category is staged
        assert current_id(s) == 3
        await until(lambda: stored(s)[2].status is ReportStatus.TRIAGED, what="2 triaged")
        qtbot.keyClick(table, Qt.Key.Key_Space)  # 3 has nothing set yet
        assert current_id(s) == 3
        qtbot.keyClick(table, "j")  # j skips it
        assert current_id(s) == 4
        qtbot.keyClick(table, "d")
        popup = await until(lambda: triage.picker, what="duplicate picker")
        assert popup.shown_values()[0] == 1  # the most similar report comes first
        qtbot.keyClicks(popup.edit, "crash on save")
        assert popup.shown_values()[0] == 1
        qtbot.keyClick(popup.edit, Qt.Key.Key_Return)
        await until(lambda: stored(s)[4].duplicate_of == 1, what="duplicate stored")
        assert current_id(s) == 5  # closing keys move on at once
        qtbot.keyClick(table, "x")
        await until(lambda: stored(s)[5].status is ReportStatus.WONT_FIX, what="won't fix")
        reports = stored(s)
        assert reports[4].status is ReportStatus.DUPLICATE
        assert reports[3].status is ReportStatus.NEW
        await until(lambda: "4" in triage.view.status_line.text(), what="4 triaged this hour")
        # j/k move without changing anything; the closed reports left the "Open" filter
        triage.view.select_report(1)
        qtbot.keyClick(table, "j")
        assert current_id(s) == 2
        qtbot.keyClick(table, "k")
        assert current_id(s) == 1
        await s.close()

    run(loop, scenario)


def test_quick_capture_twice_in_a_row(loop: Any, tmp_path: Path, qtbot: QtBot) -> None:
    async def scenario() -> None:
        s = await open_triage(tmp_path, REPORTS[:1])
        intake = intake_of(s)
        s.window.actions["triage_capture"].trigger()
        dialog = await until(lambda: intake.capture, what="capture dialog")
        for title in ("Tooltip flickers", "Search ignores accents"):
            qtbot.keyClicks(dialog.title, title)
            qtbot.keyClicks(dialog.body, "seen on the board")
            qtbot.keyClick(dialog.body, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
            assert dialog.title.text() == "" and dialog.isVisible()
        await until(lambda: len(stored(s)) == 3, what="two captured")
        view = triage_of(s).view
        await until(lambda: view.model.rowCount() == 3, what="rows shown")
        titles = [r.title for r in stored(s).values()]
        assert titles[1:] == ["Tooltip flickers", "Search ignores accents"]
        assert "Saved #3" in dialog.status.text()
        dialog.close()
        await s.close()

    run(loop, scenario)


def test_paste_a_markdown_list(loop: Any, tmp_path: Path, qtbot: QtBot) -> None:
    async def scenario() -> None:
        s = await open_triage(tmp_path, REPORTS[:1])
        s.window.actions["triage_paste"].trigger()
        from app.qt.triage.dialogs import PasteDialog

        dialog = await until(
            lambda: next(
                (w for w in QApplication.topLevelWidgets() if isinstance(w, PasteDialog)), None
            )
        )
        dialog.text.setPlainText("- Crash when the disk is full\n- Tabs lose their order\n")
        assert dialog.count.text() == "2 reports will be added"
        dialog.accept()
        await until(lambda: len(stored(s)) == 3, what="pasted")
        view = triage_of(s).view
        await until(lambda: view.model.rowCount() == 3, what="rows shown")
        # the person pasted them: not marked as news, but the cursor is on the first
        await until(lambda: current_id(s) == 2, what="the first pasted report current")
        assert not view.model.is_fresh(2) and not view.model.is_fresh(3)
        assert [r.title for r in stored(s).values()][1:] == [
            "Crash when the disk is full",
            "Tabs lose their order",
        ]
        await s.close()

    run(loop, scenario)


def test_dashboard_counts(loop: Any, tmp_path: Path) -> None:
    drafts = [
        ReportDraft("Crash A", category="crash", priority="P0"),
        ReportDraft("Crash B", category="crash", priority="P1"),
        ReportDraft("Typo", category="docs", priority="P3"),
        ReportDraft("Untriaged"),
    ]

    async def scenario() -> None:
        s = await open_triage(tmp_path, drafts)
        dash = triage_of(s).view.dashboard
        await until(lambda: "crash" in dash.categories.text(), what="counts")
        assert "<td>crash</td><td align=right><b>2</b>" in dash.categories.text()
        assert "<td>docs</td><td align=right><b>1</b>" in dash.categories.text()
        assert "1 open P0" in dash.p0.text() and "#1 Crash A" in dash.p0.text()
        assert "4 reports, 4 open" in dash.summary.text()
        dash.p0_clicked.emit(1)
        assert current_id(s) == 1
        await s.close()

    run(loop, scenario)


def test_a_reworded_report_is_found_by_its_new_words(loop: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        s = await open_triage(tmp_path)
        triage = triage_of(s)
        await until(lambda: triage.index.search("dark mode"), what="index built")
        renamed = replace(stored(s)[5], title="Zeppelin icon renders upside down")
        triage.show_reports([renamed])  # as a GitHub refresh brings an edited issue
        assert [i for i, _ in triage.index.search("zeppelin upside")][:1] == [5]
        await s.close()

    run(loop, scenario)
