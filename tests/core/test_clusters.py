"""Duplicate clusters: links joined transitively, the earliest as original, splits respected."""

from __future__ import annotations

from app.core.clusters import build_clusters, cluster_of, split_pairs
from app.core.triage import Report, ReportStatus


def _report(rid: int, created: float | None = None, **kw: object) -> Report:
    when = float(rid) if created is None else created
    return Report(rid, "p", f"r{rid}", "", "", "file", None, None, when, when, **kw)  # type: ignore[arg-type]


REPORTS = [_report(i) for i in range(1, 8)]


def test_links_join_transitively_under_the_earliest_filed() -> None:
    reports = [_report(1, 50.0), _report(2, 10.0), _report(3, 30.0), *REPORTS[3:]]
    clusters = build_clusters(reports, [(1, 3, 0.8), (3, 2, 0.6), (5, 4, 0.9)])
    assert [c.original for c in clusters] == [2, 4]
    assert sorted(clusters[0].ids) == [1, 2, 3] and clusters[0].confidence == 0.8
    assert cluster_of(clusters, 5) is clusters[1] and cluster_of(clusters, 7) is None


def test_weak_links_and_closed_reports_stay_out() -> None:
    reports = [*REPORTS[:5], _report(6, status=ReportStatus.FIXED)]
    clusters = build_clusters(reports, [(2, 1, 0.2), (6, 3, 0.9)], min_score=0.3)
    assert clusters == []


def test_a_split_pair_is_never_joined_again_even_through_a_third() -> None:
    links = [(2, 1, 0.9), (3, 1, 0.8), (3, 2, 0.85)]
    whole = build_clusters(REPORTS, links)
    assert sorted(whole[0].ids) == [1, 2, 3]
    splits = set(split_pairs(whole[0], 3))
    assert splits == {(1, 3), (2, 3)}
    after = build_clusters(REPORTS, links, splits)
    assert [sorted(c.ids) for c in after] == [[1, 2]]


def test_a_confirmed_duplicate_links_with_full_confidence() -> None:
    reports = [*REPORTS[:3], _report(4, duplicate_of=1, status=ReportStatus.DUPLICATE)]
    clusters = build_clusters(reports, [(2, 1, 0.5)])
    assert sorted(clusters[0].ids) == [1, 2, 4]
    confirmed = {m.report: (m.like, m.confidence, m.confirmed) for m in clusters[0].members}
    assert confirmed[4] == (1, 1.0, True) and confirmed[2] == (1, 0.5, False)
    # a split against a confirmed member keeps a proposal from joining it
    assert build_clusters(reports, [(2, 4, 0.9)], {(2, 4)})[0].ids == (1, 4)
