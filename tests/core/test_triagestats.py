"""The triage dashboard's numbers, from hand-built reports at a fixed time."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.triage import Report, ReportStatus
from app.core.triagestats import (
    HOUR,
    bucket_counts,
    bucket_size,
    format_rate,
    status_line,
    triage_stats,
)

NOW = 1_800_000_000.0
MIN = 60.0


def _report(report_id: int, created_ago: float, **changes: Any) -> Report:
    fields: dict[str, Any] = {
        "id": report_id,
        "project": "shop",
        "title": f"report {report_id}",
        "body": "",
        "reporter": "ana",
        "source": "capture",
        "external_id": None,
        "url": None,
        "created_at": NOW - created_ago,
        "imported_at": NOW - created_ago,
    }
    fields.update(changes)
    return Report(**fields)


def _triaged(report_id: int, created_ago: float, triaged_ago: float, **changes: Any) -> Report:
    changes.setdefault("status", ReportStatus.TRIAGED)
    return _report(report_id, created_ago, triaged_at=NOW - triaged_ago, **changes)


def _bash() -> list[Report]:
    """Return a two-hour bug bash: 10 reports, 6 of them triaged, 2 fixed, 1 duplicate."""
    return [
        _report(1, 110 * MIN),
        _report(2, 50 * MIN, priority="P0"),  # new but already prioritised by the reporter
        _report(3, 5 * MIN),
        _report(4, 1 * MIN, category="ui"),
        _triaged(5, 115 * MIN, 100 * MIN, category="crash", priority="P0"),
        _triaged(6, 100 * MIN, 90 * MIN, category="crash", priority="P0"),
        _triaged(7, 90 * MIN, 40 * MIN, category="ui", priority="P2"),
        _triaged(
            8,
            80 * MIN,
            30 * MIN,
            category="crash",
            status=ReportStatus.FIXED,
            fixed_at=NOW - 10 * MIN,
            priority="P0",
        ),
        _triaged(
            9,
            70 * MIN,
            20 * MIN,
            status=ReportStatus.FIXED,
            fixed_at=NOW - 40 * MIN,
            category="bug",
            priority="P1",
        ),
        _triaged(10, 60 * MIN, 10 * MIN, status=ReportStatus.DUPLICATE, duplicate_of=6),
    ]


def test_counts_by_category_priority_and_status() -> None:
    stats = triage_stats(_bash(), NOW)
    assert stats.total == 10
    assert stats.open_count == 7
    assert stats.remaining == 4
    assert stats.by_category == {"uncategorized": 4, "crash": 3, "ui": 2, "bug": 1}
    assert list(stats.by_category) == ["uncategorized", "crash", "ui", "bug"]  # most first
    assert stats.by_priority == {"P0": 4, "P1": 1, "P2": 1, "P3": 0, "unset": 4}
    assert stats.by_status == {
        "new": 4,
        "triaged": 3,
        "dispatched": 0,
        "fixed": 2,
        "wontfix": 0,
        "duplicate": 1,
    }
    assert stats.fixed_count == 2


def test_open_p0_lists_open_reports_at_p0_oldest_first() -> None:
    stats = triage_stats(_bash(), NOW)
    assert [r.id for r in stats.open_p0] == [5, 6, 2]  # 8 is P0 but fixed


def test_triaged_last_hour_and_rate_from_the_first_recent_triage() -> None:
    stats = triage_stats(_bash(), NOW)
    assert stats.triaged_last_hour == 4  # 7, 8, 9, 10
    assert stats.session_start == NOW - 100 * MIN
    assert stats.rate_per_hour == pytest.approx(6 / (100 / 60))


def test_rate_from_a_given_session_start() -> None:
    stats = triage_stats(_bash(), NOW, session_start=NOW - 60 * MIN)
    assert stats.session_start == NOW - 60 * MIN
    assert stats.rate_per_hour == pytest.approx(4.0)  # 5 and 6 were triaged before the session


def test_triage_older_than_eight_hours_is_not_this_session() -> None:
    old = [_triaged(1, 30 * HOUR, 20 * HOUR), _triaged(2, 30 * HOUR, 2 * HOUR)]
    stats = triage_stats(old, NOW)
    assert stats.session_start == NOW - 2 * HOUR
    assert stats.rate_per_hour == pytest.approx(0.5)


def test_a_first_triage_moments_ago_does_not_make_a_wild_rate() -> None:
    stats = triage_stats([_triaged(1, 5 * MIN, 10.0)], NOW)
    assert stats.rate_per_hour == pytest.approx(6.0)  # one in at least ten minutes


def test_intake_and_triaged_per_bucket_over_the_session() -> None:
    stats = triage_stats(_bash(), NOW, session_start=NOW - 2 * HOUR, buckets=12)
    assert stats.bucket_seconds == 10 * MIN
    # bucket 11 is the last ten minutes, bucket 0 two hours to an hour and fifty minutes ago
    assert stats.intake == (2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2)
    assert stats.triaged == (0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0)
    late = triage_stats(_bash(), NOW, session_start=NOW - HOUR, buckets=12)
    assert sum(late.intake) == 3  # 2, 3 and 4: those filed before the session are not intake
    assert len(stats.triaged) == 12


def test_without_a_session_the_chart_starts_at_the_first_recent_activity() -> None:
    stats = triage_stats(_bash(), NOW, buckets=6)
    assert stats.bucket_seconds == 20 * MIN  # 115 minutes in 6 buckets
    assert sum(stats.intake) == 10
    assert sum(stats.triaged) == 6


def test_bucket_edges() -> None:
    assert bucket_counts([NOW, NOW + 30, NOW - 59, NOW - 60, NOW - 300], NOW, 3, 60.0) == (
        0,
        1,
        3,
    )  # a report from the future (clock skew) lands in the last bucket; -300 is off the chart
    assert bucket_size(NOW - 5, NOW, 12) == 60.0
    assert bucket_size(NOW - 3 * HOUR, NOW, 12) == 15 * MIN


def test_median_time_to_fixed() -> None:
    stats = triage_stats(_bash(), NOW)
    assert stats.median_time_to_fixed == pytest.approx((70 * MIN + 30 * MIN) / 2)
    assert triage_stats(_bash()[:4], NOW).median_time_to_fixed is None


def test_no_reports() -> None:
    stats = triage_stats([], NOW)
    assert stats.total == stats.open_count == stats.remaining == stats.fixed_count == 0
    assert stats.by_category == {}
    assert stats.by_priority == {"P0": 0, "P1": 0, "P2": 0, "P3": 0, "unset": 0}
    assert stats.rate_per_hour == 0.0
    assert stats.session_start is None
    assert stats.intake == stats.triaged == (0,) * 12
    assert stats.bucket_seconds == 5 * MIN  # the last hour
    assert status_line(stats) == "0 triaged this hour · 0/h · 0 left"


def test_status_line() -> None:
    stats = triage_stats(_bash(), NOW)
    assert status_line(stats) == "4 triaged this hour · 3.6/h · 4 left · 3 open P0"
    assert format_rate(96.4) == "96/h"
    assert format_rate(4.44) == "4.4/h"
