"""Duplicate clusters: proposed links between reports joined transitively, each under its original.

Pure: no I/O. Links come in as (report, likely original, confidence) triples from the
similarity ranking; a person's word overrides them both ways: a confirmed `duplicate_of`
always joins two reports (confidence 1.0), and a split pair (said not to be duplicates) never
joins through a proposed link. Nothing here closes a report: a cluster is a proposal.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.triage import Report

Link = tuple[int, int, float]  # (report, likely original, confidence)
CONFIRMED = 1.0  # the confidence of a duplicate_of a person set


@dataclass(frozen=True, slots=True)
class ClusterLink:
    """One member of a cluster, the report it was found like, and how sure that is."""

    report: int
    like: int
    confidence: float
    confirmed: bool = False  # a person marked it duplicate_of the original


@dataclass(frozen=True, slots=True)
class Cluster:
    """Reports that look like one bug; `original` is the earliest filed of them."""

    original: int
    members: tuple[ClusterLink, ...] = field(default=())

    @property
    def ids(self) -> tuple[int, ...]:
        """Return the original then every member, in the order shown."""
        return (self.original, *(m.report for m in self.members))

    @property
    def confidence(self) -> float:
        """Return the weakest link's confidence: the cluster is as sure as that."""
        return min((m.confidence for m in self.members), default=1.0)

    def to_json(self) -> dict[str, Any]:
        """Return the cluster as `orchard triage clusters --json` prints it."""
        return {
            "original": self.original,
            "confidence": round(self.confidence, 4),
            "members": [
                {
                    "id": m.report,
                    "like": m.like,
                    "confidence": round(m.confidence, 4),
                    "confirmed": m.confirmed,
                }
                for m in self.members
            ],
        }


class _Sets:
    """Union-find over report ids, with path halving."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def pair(a: int, b: int) -> tuple[int, int]:
    """Return a pair of ids with the smaller first, as splits are kept."""
    return (a, b) if a < b else (b, a)


def build_clusters(
    reports: Iterable[Report],
    links: Iterable[Link],
    splits: Collection[tuple[int, int]] = (),
    min_score: float = 0.0,
) -> list[Cluster]:
    """Group reports into duplicate clusters; return those of two or more, surest first.

    A proposed link is dropped when it is weaker than `min_score`, touches a closed report
    that is no duplicate, or joins two groups that hold a split pair.
    """
    by_id = {r.id: r for r in reports}
    sets, edges = _Sets(), _confirmed(by_id)
    for a, b, _ in edges:
        sets.union(a, b)
    members: dict[int, set[int]] = {}
    for report_id in list(sets.parent):
        members.setdefault(sets.find(report_id), set()).add(report_id)
    for a, b, score in sorted(links, key=lambda link: -link[2]):
        if a == b or score < min_score or a not in by_id or b not in by_id:
            continue
        if not (_joinable(by_id[a]) and _joinable(by_id[b])):
            continue
        ra, rb = sets.find(a), sets.find(b)
        if ra != rb and _split_between(members, ra, rb, a, b, splits):
            continue
        sets.union(a, b)
        edges.append((a, b, score))
        merged = members.pop(ra, {ra}) | members.pop(rb, {rb})
        members[sets.find(a)] = merged | {a, b}
    return _assemble(by_id, sets, edges)


def _confirmed(by_id: dict[int, Report]) -> list[Link]:
    return [
        (r.id, r.duplicate_of, CONFIRMED)
        for r in by_id.values()
        if r.duplicate_of is not None and r.duplicate_of in by_id
    ]


def _joinable(report: Report) -> bool:
    """Closed reports stay out of proposals, unless they are duplicates a person confirmed."""
    return report.is_open or report.duplicate_of is not None


def _split_between(
    members: dict[int, set[int]],
    ra: int,
    rb: int,
    a: int,
    b: int,
    splits: Collection[tuple[int, int]],
) -> bool:
    if not splits:
        return False
    left, right = members.get(ra, {ra}) | {a}, members.get(rb, {rb}) | {b}
    return any(pair(x, y) in splits for x in left for y in right)


def _assemble(by_id: dict[int, Report], sets: _Sets, edges: list[Link]) -> list[Cluster]:
    groups: dict[int, list[int]] = {}
    for report_id in sets.parent:
        groups.setdefault(sets.find(report_id), []).append(report_id)
    best: dict[int, tuple[int, float, bool]] = {}  # member -> (like, confidence, confirmed)
    for a, b, score in edges:
        confirmed = score >= CONFIRMED and by_id[a].duplicate_of == b
        for x, y in ((a, b), (b, a)):
            if x not in best or (confirmed, score) > (best[x][2], best[x][1]):
                best[x] = (y, score, confirmed)
    clusters = []
    for ids in groups.values():
        if len(ids) < 2:
            continue
        original = min(ids, key=lambda i: (by_id[i].created_at, i))
        rest = sorted((i for i in ids if i != original), key=lambda i: (-best[i][1], i))
        links = tuple(ClusterLink(i, *best[i]) for i in rest)
        clusters.append(Cluster(original, links))
    clusters.sort(key=lambda c: (-len(c.members), -c.confidence, c.original))
    return clusters


def cluster_of(clusters: Iterable[Cluster], report_id: int) -> Cluster | None:
    """Return the cluster holding `report_id`, if any."""
    return next((c for c in clusters if report_id in c.ids), None)


def split_pairs(cluster: Cluster, report_id: int) -> list[tuple[int, int]]:
    """Return the pairs to remember when `report_id` is split out of `cluster`."""
    return [pair(report_id, other) for other in cluster.ids if other != report_id]
