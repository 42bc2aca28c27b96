"""Triage reports in the store: taken in once, refreshed on re-import, linked to tasks."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from app.core.triage import ReportDraft, ReportStatus, TriageError, triage_changes
from app.services.store.database import Store, StoreError


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "orchard.db")
    yield s
    s.close()


def test_drafts_get_ids_in_order_and_come_back_whole(store: Store) -> None:
    batch = store.add_reports(
        "app",
        [
            ReportDraft("Crash on save", "Steps:\n1. save", "maya", "paste"),
            ReportDraft("Typo", labels=("docs", "good first issue"), created_at=1000.0),
        ],
    )
    assert [r.id for r in batch.added] == [1, 2]
    crash, typo = store.reports("app")
    assert (crash.title, crash.reporter, crash.source, crash.status) == (
        "Crash on save",
        "maya",
        "paste",
        ReportStatus.NEW,
    )
    assert typo.labels == ("docs", "good first issue") and typo.created_at == 1000.0
    assert store.report("#2") == typo and store.report(" 2 ") == typo


def test_the_same_external_issue_is_never_added_twice(store: Store) -> None:
    first = [ReportDraft(f"issue {i}", "body", external_id=f"o/r#{i}") for i in range(5)]
    assert len(store.add_reports("app", first).added) == 5
    store.update_reports({2: {"priority": "P1", "status": ReportStatus.TRIAGED}})
    again = [ReportDraft("issue 1 (edited)", "body", external_id="o/r#1"), *first[2:]]
    again.append(ReportDraft("issue 9", external_id="o/r#9"))
    again.append(ReportDraft("issue 9 twice in one batch", external_id="o/r#9"))
    batch = store.add_reports("app", again)
    assert ([r.title for r in batch.added], batch.updated, batch.unchanged) == (["issue 9"], 1, 4)
    edited = store.report(2)
    assert (edited.title, edited.priority, edited.status) == (
        "issue 1 (edited)",
        "P1",
        ReportStatus.TRIAGED,
    )
    # Another project may hold the same external issue.
    assert len(store.add_reports("other", first[:1]).added) == 1


def test_a_draft_that_arrives_triaged_is_stamped(store: Store) -> None:
    (report,) = store.add_reports("app", [ReportDraft("x", priority="P0")]).added
    assert report.status is ReportStatus.TRIAGED and report.triaged_at is not None


def test_triage_changes_follow_the_rules(store: Store) -> None:
    store.add_reports("app", [ReportDraft("a"), ReportDraft("b")])
    now = time.time()
    a = store.report(1)
    assert triage_changes(a, {"category": "ui"}, now) == {"category": "ui"}  # needs a priority
    changes = triage_changes(a, {"category": "ui", "priority": "P2"}, now)
    assert changes == {
        "category": "ui",
        "priority": "P2",
        "status": ReportStatus.TRIAGED,
        "triaged_at": now,
    }
    with_priority = replace(a, priority="P1")
    assert triage_changes(with_priority, {"category": "ui"}, now)["status"] is ReportStatus.TRIAGED
    dup = store.update_reports({2: triage_changes(store.report(2), {"duplicate_of": 1}, now)})[2]
    assert (dup.status, dup.duplicate_of) == (ReportStatus.DUPLICATE, 1)
    assert [r.id for r in store.duplicates_of(1)] == [2]
    undone = triage_changes(dup, {"duplicate_of": None}, now)
    assert undone["status"] is ReportStatus.TRIAGED
    reopened = triage_changes(dup, {"status": "new"}, now)
    assert reopened["duplicate_of"] is None
    with pytest.raises(TriageError, match="itself"):
        triage_changes(a, {"duplicate_of": 1}, now)
    fixed = triage_changes(a, {"status": ReportStatus.FIXED}, now)
    assert fixed["fixed_at"] == now


def test_tasks_are_linked_both_ways(store: Store) -> None:
    store.add_reports("app", [ReportDraft("a"), ReportDraft("b")])
    store.link_report_tasks([(1, "t2"), (1, "t1"), (2, "t1"), (1, "t1")])
    assert store.report(1).tasks == ("t1", "t2")
    assert [r.id for r in store.reports_for_task("t1")] == [1, 2]
    assert [r.tasks for r in store.reports("app")] == [("t1", "t2"), ("t1",)]


def test_filters_and_lookups(store: Store) -> None:
    store.add_reports("app", [ReportDraft(str(i)) for i in range(6)])
    store.update_reports({3: {"status": ReportStatus.FIXED}})
    assert [r.id for r in store.reports("app", statuses=[ReportStatus.FIXED])] == [3]
    assert [r.id for r in store.reports("app", since_id=4)] == [5, 6]
    assert store.reports("nope") == []
    with pytest.raises(StoreError, match="no report with id 99"):
        store.report(99)
    with pytest.raises(StoreError, match="not a report id"):
        store.report("abc")


def test_import_state_is_remembered(store: Store) -> None:
    assert store.triage_source("github:o/r") == {}
    store.save_triage_source("github:o/r", "app", {"etag": 'W/"1"', "next": None})
    store.save_triage_source("github:o/r", "app", {"etag": 'W/"2"', "next": None})
    assert store.triage_source("github:o/r") == {"etag": 'W/"2"', "next": None}


def test_ten_thousand_reports_in_one_batch(store: Store, tmp_path: Path) -> None:
    big = "x" * 1_000_000
    drafts = [
        ReportDraft(f"r{i}", big if i == 0 else "b", external_id=f"e{i}") for i in range(10_000)
    ]
    batch = store.add_reports("app", drafts)
    assert len(batch.added) == 10_000 and batch.added[-1].id == 10_000
    assert len(store.report(1).body) == 1_000_000
    with sqlite3.connect(tmp_path / "orchard.db") as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone() == (10_000,)
