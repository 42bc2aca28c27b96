"""A stand-in for app/core/triagestats until it lands (same signatures)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from app.core.triage import (
    OPEN_STATUSES,
    Report,
    ReportStatus,
)


@dataclass
class TriageStats:
    total: int
    open_count: int
    by_category: dict[str, int]
    by_priority: dict[str, int]
    by_status: dict[str, int]
    open_p0: list[int]
    triaged_last_hour: int
    rate_per_hour: float
    remaining: int
    intake: list[int]
    triaged: list[int]
    bucket_seconds: float
    median_time_to_fixed: float | None
    fixed_count: int


def triage_stats(
    reports: list[Report], now: float, session_start: float | None = None, buckets: int = 12
) -> TriageStats:
    """Count reports for the dashboard."""
    start = session_start or min((r.imported_at for r in reports), default=now)
    width = max(60.0, (now - start) / buckets)
    intake, triaged = [0] * buckets, [0] * buckets
    for r in reports:
        for when, series in ((r.imported_at, intake), (r.triaged_at, triaged)):
            if when is not None and when >= now - width * buckets:
                series[min(buckets - 1, int((when - (now - width * buckets)) / width))] += 1
    fixed = [r.fixed_at - r.created_at for r in reports if r.fixed_at]
    last_hour = sum(1 for r in reports if r.triaged_at and r.triaged_at >= now - 3600)
    return TriageStats(
        len(reports),
        sum(1 for r in reports if r.status in OPEN_STATUSES),
        dict(Counter(r.category or "uncategorized" for r in reports)),
        dict(Counter(r.priority or "none" for r in reports)),
        dict(Counter(r.status.value for r in reports)),
        [r.id for r in reports if r.priority == "P0" and r.status in OPEN_STATUSES],
        last_hour,
        float(last_hour),
        sum(1 for r in reports if r.status is ReportStatus.NEW),
        intake,
        triaged,
        width,
        statistics.median(fixed) if fixed else None,
        len(fixed),
    )


def status_line(stats: TriageStats) -> str:
    """Return 'N triaged this hour · R/h · M to go'."""
    return (
        f"{stats.triaged_last_hour} triaged this hour · {stats.rate_per_hour:.0f}/h · "
        f"{stats.remaining} to go"
    )
