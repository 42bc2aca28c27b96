"""Likely duplicates of a report, and duplicate clusters: found, split and merged.

The sync functions only touch SQLite and the CPU (an operation runs them off the loop).
Nothing here closes a report: a merge marks a duplicate the way `triage set --duplicate-of`
does, and a split remembers that two reports are not duplicates.
"""

from __future__ import annotations

from app.core.clusters import Cluster, Link, build_clusters, cluster_of, split_pairs
from app.core.dupelinks import DEFAULT_MIN_SCORE, duplicate_links
from app.core.similarity import SimilarityIndex
from app.core.triage import Report, TriageError
from app.services.orchard import Orchard, UserError
from app.services.triage.reports import set_reports


def similar_reports(
    orchard: Orchard, project: str, report_id: int | str, k: int = 5
) -> list[tuple[Report, float]]:
    """Return up to `k` reports of `project` most like `report_id`, best first (never itself)."""
    if k < 1:
        raise UserError("--k must be at least 1")
    report = _report_in(orchard, project, report_id)
    reports = orchard.store.reports(project)
    index = _index(reports)
    by_id = {r.id: r for r in reports}
    return [(by_id[i], score) for i, score in index.similar(report.id, k) if i != report.id]


def project_clusters(
    orchard: Orchard, project: str, min_score: float | None = None
) -> list[Cluster]:
    """Return `project`'s duplicate clusters, surest first, with the splits people made."""
    threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
    if not 0.0 <= threshold <= 1.0:
        raise UserError("--min-score must be between 0 and 1")
    orchard.store.project(project)
    reports = orchard.store.reports(project)
    links = _links(reports, threshold)
    return build_clusters(reports, links, orchard.store.report_splits(project), threshold)


def _links(reports: list[Report], min_score: float) -> list[Link]:
    """Return (report, likely original, confidence) for each pair at least `min_score` alike.

    The ranking's calibrated links (core's duplicate_links), the earlier-filed report of each
    pair as its likely original.
    """
    created = {r.id: (r.created_at, r.id) for r in reports}
    links: list[Link] = []
    for a, b, score in duplicate_links(_index(reports), min_score):
        later, earlier = sorted((a, b), key=created.__getitem__, reverse=True)
        links.append((later, earlier, score))
    return links


def split_report(orchard: Orchard, project: str, report_id: int | str) -> list[Report]:
    """Take a report out of its cluster for good; return the reports changed (if any)."""
    report = _report_in(orchard, project, report_id)
    found = cluster_of(project_clusters(orchard, project), report.id)
    if found is None:
        raise UserError(f"report #{report.id} is in no cluster: nothing to split")
    orchard.store.split_reports(project, split_pairs(found, report.id))
    changed: list[Report] = []
    if report.duplicate_of is not None:
        changed += set_reports(orchard, [report.id], duplicate_of=None)
    for dup in orchard.store.duplicates_of(report.id):  # its own duplicates go with it
        orchard.store.split_reports(project, [(dup.id, o) for o in found.ids if o != report.id])
    return changed or [orchard.store.report(report.id)]


def merge_reports(
    orchard: Orchard, project: str, ids: list[int | str], original: int | str | None = None
) -> list[Report]:
    """Mark reports duplicates of `original` (default: their cluster's); return what changed."""
    reports = [_report_in(orchard, project, i) for i in ids]
    if not reports:
        raise UserError("say which reports to merge")
    if original is None:
        found = cluster_of(project_clusters(orchard, project), reports[0].id)
        if found is None:
            raise UserError(f"report #{reports[0].id} is in no cluster: say which is the original")
        original = found.original
    target = _report_in(orchard, project, original)
    ids_left = [r.id for r in reports if r.id != target.id]
    if not ids_left:
        raise TriageError(f"report #{target.id} is the original: pick a duplicate to merge")
    return set_reports(orchard, ids_left, duplicate_of=target.id)


def _report_in(orchard: Orchard, project: str, report_id: int | str) -> Report:
    orchard.store.project(project)  # a StoreError names the known projects
    report = orchard.store.report(report_id)
    if report.project != project:
        raise UserError(f"report #{report.id} is in project {report.project}, not {project}")
    return report


def _index(reports: list[Report]) -> SimilarityIndex:
    return SimilarityIndex.build((r.id, r.title, r.body) for r in reports)
