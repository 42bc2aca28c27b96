"""The triage dashboard's numbers: counts, the triage rate, and intake against triage over time.

Pure: it takes the reports and the time, and returns numbers; nothing here reads a clock.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.triage import PRIORITIES, Report, ReportStatus

HOUR = 3600.0
LOOKBACK = 8 * HOUR  # without a session start, the session began at the first triage in this
MIN_ELAPSED = 600.0  # a rate over less than ten minutes swings wildly, so never divide by less
UNCATEGORIZED = "uncategorized"
UNSET = "unset"


@dataclass(frozen=True)
class TriageStats:
    """What the triage dashboard shows, computed at one moment."""

    total: int
    open_count: int
    by_category: dict[str, int]  # most reports first; no category counts as "uncategorized"
    by_priority: dict[str, int]  # "P0".."P3" and "unset", always all five
    by_status: dict[str, int]  # every status value, always all of them
    open_p0: tuple[Report, ...]  # open reports at P0, oldest first
    triaged_last_hour: int
    rate_per_hour: float  # reports triaged per hour since the session started
    remaining: int  # reports still new
    intake: tuple[int, ...]  # reports filed per bucket, oldest bucket first, the last ends now
    triaged: tuple[int, ...]  # reports triaged per bucket, same buckets
    bucket_seconds: float
    median_time_to_fixed: float | None  # seconds from filed to fixed, over fixed reports
    fixed_count: int
    session_start: float | None = None  # the start used: given, or the first recent triage


def session_start_of(reports: Iterable[Report], now: float) -> float | None:
    """Return when triage began: the first triaged_at in the last LOOKBACK, or None."""
    recent = [
        r.triaged_at
        for r in reports
        if r.triaged_at is not None and now - LOOKBACK <= r.triaged_at <= now
    ]
    return min(recent, default=None)


def triage_rate(reports: Sequence[Report], now: float, start: float | None) -> float:
    """Return reports triaged per hour from `start` to `now` (0 without a start)."""
    if start is None:
        return 0.0
    done = sum(1 for r in reports if r.triaged_at is not None and start <= r.triaged_at <= now)
    return done * HOUR / max(now - start, MIN_ELAPSED)


def bucket_counts(
    times: Iterable[float], now: float, buckets: int, seconds: float
) -> tuple[int, ...]:
    """Count `times` into `buckets` buckets of `seconds` each, the last ending at `now`."""
    counts = [0] * buckets
    for moment in times:
        index = buckets - 1 - int((now - min(moment, now)) // seconds)
        if index >= 0:
            counts[index] += 1
    return tuple(counts)


def bucket_size(start: float, now: float, buckets: int) -> float:
    """Return whole minutes per bucket so that `buckets` of them span `start` to `now`."""
    minutes = math.ceil(max(now - start, 60.0) / buckets / 60.0)
    return max(1, minutes) * 60.0


def _chart_start(reports: Sequence[Report], now: float, session_start: float | None) -> float:
    """Return where the chart begins: the given session start, else the first recent activity."""
    if session_start is not None:
        return min(session_start, now)
    moments = [r.created_at for r in reports] + [
        r.triaged_at for r in reports if r.triaged_at is not None
    ]
    return min((t for t in moments if now - LOOKBACK <= t <= now), default=now - HOUR)


def _counts(names: Iterable[str], known: Iterable[str] = ()) -> dict[str, int]:
    """Return how often each name occurs: the known names first (zero if absent), then the rest."""
    found = Counter(names)
    out = {name: found.pop(name, 0) for name in known}
    out.update(sorted(found.items(), key=lambda item: (-item[1], item[0])))
    return out


def _median_time_to_fixed(reports: Sequence[Report]) -> float | None:
    spans = [
        max(0.0, r.fixed_at - r.created_at)
        for r in reports
        if r.status is ReportStatus.FIXED and r.fixed_at is not None
    ]
    return statistics.median(spans) if spans else None


def triage_stats(
    reports: Sequence[Report], now: float, session_start: float | None = None, buckets: int = 12
) -> TriageStats:
    """Return the dashboard's numbers for `reports` at `now`."""
    buckets = max(1, buckets)
    start = session_start if session_start is not None else session_start_of(reports, now)
    seconds = bucket_size(_chart_start(reports, now, session_start), now, buckets)
    triaged_times = [r.triaged_at for r in reports if r.triaged_at is not None]
    return TriageStats(
        total=len(reports),
        open_count=sum(1 for r in reports if r.is_open),
        by_category=_counts(r.category or UNCATEGORIZED for r in reports),
        by_priority=_counts((r.priority or UNSET for r in reports), (*PRIORITIES, UNSET)),
        by_status=_counts((r.status.value for r in reports), (s.value for s in ReportStatus)),
        open_p0=tuple(
            sorted(
                (r for r in reports if r.is_open and r.priority == "P0"),
                key=lambda r: (r.created_at, r.id),
            )
        ),
        triaged_last_hour=sum(1 for t in triaged_times if t > now - HOUR),
        rate_per_hour=triage_rate(reports, now, start),
        remaining=sum(1 for r in reports if r.status is ReportStatus.NEW),
        intake=bucket_counts((r.created_at for r in reports), now, buckets, seconds),
        triaged=bucket_counts(triaged_times, now, buckets, seconds),
        bucket_seconds=seconds,
        median_time_to_fixed=_median_time_to_fixed(reports),
        fixed_count=sum(1 for r in reports if r.status is ReportStatus.FIXED),
        session_start=start,
    )


def format_rate(rate: float) -> str:
    """Return a rate per hour as the status bar shows it: "96/h", "4.5/h", "0/h"."""
    if rate == 0 or rate >= 10:
        return f"{rate:.0f}/h"
    return f"{rate:.1f}/h"


def status_line(stats: TriageStats) -> str:
    """Return the status bar's summary, e.g. "42 triaged this hour · 96/h · 58 left"."""
    parts = [
        f"{stats.triaged_last_hour} triaged this hour",
        format_rate(stats.rate_per_hour),
        f"{stats.remaining} left",
    ]
    if stats.open_p0:
        parts.append(f"{len(stats.open_p0)} open P0")
    return " · ".join(parts)
