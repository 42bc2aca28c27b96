"""The Triage tab's duplicate clusters (split, merge, sent as one) and the empty paste."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.intake import parse_json
from app.core.triage import ReportStatus
from app.qt.triage.clusters import ID_ROLE
from app.qt.triage.dialogs import DispatchDialog, PasteDialog
from app.qt.triage.duplicates import TriageDuplicatesController
from tests.qt.conftest import run, until
from tests.qt.test_triage_window import current_id, intake_of, open_triage, stored, triage_of

pytestmark = pytest.mark.timeout(180)
FIXTURE = Path(__file__).resolve().parent.parent / "data" / "triage" / "dupes.json"
DRAFTS = parse_json(FIXTURE.read_text(), "dupes.json")


def duplicates_of(s: Any) -> TriageDuplicatesController:
    return next(t for t in s.controller.tools if isinstance(t, TriageDuplicatesController))


def shown_clusters(s: Any) -> dict[int, list[int]]:
    """Return what the Clusters pane shows: each original and the reports under it."""
    tree = triage_of(s).view.clusters.tree
    out = {}
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        kids = [top.child(j).data(0, ID_ROLE) for j in range(top.childCount())]
        out[top.data(0, ID_ROLE)] = sorted(kids)
    return out


def test_clusters_collapsed_under_the_original_split_and_merged_by_key(
    loop: Any, tmp_path: Path, qtbot: QtBot
) -> None:
    async def scenario() -> None:
        s = await open_triage(tmp_path, DRAFTS)
        view = triage_of(s).view
        await until(lambda: shown_clusters(s) == {1: [2, 3], 4: [5]}, what="two clusters")
        tree = view.clusters.tree
        assert not any(tree.topLevelItem(i).isExpanded() for i in range(2))  # collapsed
        view.side.setCurrentWidget(view.clusters)
        assert view.clusters.select(3)
        assert tree.topLevelItem(0).isExpanded()
        tree.setFocus()
        qtbot.keyClick(tree, "s")  # #3 is another bug after all
        await until(lambda: shown_clusters(s) == {1: [2], 4: [5]}, what="3 split out")
        assert view.clusters.select(5)
        qtbot.keyClick(tree, "m")
        await until(lambda: stored(s)[5].duplicate_of == 4, what="5 merged into 4")
        assert stored(s)[5].status is ReportStatus.DUPLICATE
        assert stored(s)[4].status is ReportStatus.NEW  # nothing closed by itself
        # the table's m merges the current report into its cluster's original
        view.select_report(2)
        view.table.setFocus()
        qtbot.keyClick(view.table, "m")
        await until(lambda: stored(s)[2].duplicate_of == 1, what="2 merged into 1")
        assert current_id(s) != 2  # a merge closes it: on to the next
        # the split is kept: a new window sees the same clusters
        await until(lambda: shown_clusters(s) == {1: [2], 4: [5]}, what="kept")
        await s.close()

    run(loop, scenario)


def test_sending_a_cluster_makes_one_task_for_its_original(
    loop: Any, tmp_path: Path, qtbot: QtBot
) -> None:
    async def scenario() -> None:
        s = await open_triage(tmp_path, DRAFTS)
        dupes = duplicates_of(s)
        await until(lambda: 1 in shown_clusters(s), what="clusters")
        await dupes.send(1)
        reports = stored(s)
        assert (reports[2].duplicate_of, reports[3].duplicate_of) == (1, 1)
        assert current_id(s) == 1
        dialog = await until(
            lambda: next(
                (w for w in QApplication.topLevelWidgets() if isinstance(w, DispatchDialog)), None
            ),
            what="the dispatch dialog",
        )
        dialog.agent.setCurrentText("shell")
        dialog.accept()
        await until(lambda: stored(s)[1].status is ReportStatus.DISPATCHED, what="dispatched")
        tasks = s.orchard.store.tasks()
        assert len(tasks) == 1  # one task for the cluster
        assert "Duplicates of this report add these details" in tasks[0].prompt
        assert "#2 Saving an empty file crashes the app" in tasks[0].prompt
        await s.close()

    run(loop, scenario)


def test_the_paste_dialog_counts_nothing_on_empty_input(
    loop: Any, tmp_path: Path, qtbot: QtBot
) -> None:
    async def scenario() -> None:
        s = await open_triage(tmp_path, DRAFTS[:1])
        s.window.actions["triage_paste"].trigger()
        dialog = await until(
            lambda: next(
                (w for w in QApplication.topLevelWidgets() if isinstance(w, PasteDialog)), None
            ),
            what="the paste dialog",
        )
        qtbot.keyClicks(dialog.text, "- Crash when the disk is full")
        assert dialog.count.text() == "1 report will be added" and dialog.ok.isEnabled()
        dialog.text.selectAll()
        qtbot.keyClick(dialog.text, Qt.Key.Key_Delete)  # never raises, never keeps the 1
        assert dialog.count.text() == "0 reports will be added"
        assert not dialog.ok.isEnabled()
        dialog.text.setPlainText("   \n\n  ")
        assert dialog.count.text() == "0 reports will be added" and not dialog.ok.isEnabled()
        dialog.reject()
        assert intake_of(s) is not None and len(stored(s)) == 1
        await s.close()

    run(loop, scenario)


def test_the_dashboard_is_a_tab_of_its_own_with_labelled_axes(loop: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        s = await open_triage(tmp_path, DRAFTS)
        view = triage_of(s).view
        tabs = [view.side.tabText(i) for i in range(view.side.count())]
        assert tabs == ["Report", "Clusters", "Dashboard"]
        view.side.setCurrentWidget(view.dashboard)
        await until(lambda: "per bar pair" in view.dashboard.chart.x_label(), what="x axis")
        assert json.loads(json.dumps(tabs))  # plain labels, no hiding button
        assert not hasattr(view, "dashboard_button")
        await s.close()

    run(loop, scenario)
