"""Likely duplicate links between reports, each with a confidence, for clusters.

Pure: reads a SimilarityIndex, no I/O. A report is linked to each of its few most similar
reports whose similarity reaches the threshold. Report ids grow with creation
time, so of two linked reports the one with the smaller id, the earlier, is the likely
original. Nothing here closes or merges anything: the links are proposals.
"""

from __future__ import annotations

from typing import Protocol

# Calibrated on tests/data/dupes (bench_triage_recall.py, 174 reports, 72 marked pairs, most of
# them OpenOffice's): the lowest threshold whose proposed links were at least 0.9 right
# (0.35: 21 of 22 links right, 0.22 of the pairs linked; 0.3 gave 34 of 39, 0.87). Over 0.4 a
# single wrong link (one assertion, three years apart) moves precision by 0.2: the set is still
# small, so this is an estimate, and a wrong merge hides a real bug.
DEFAULT_MIN_SCORE = 0.35
CANDIDATES = 5  # similar reports looked at for each report


class Ranked(Protocol):
    """What duplicate_links needs of an index: its ids and a ranking per report."""

    def ids(self) -> list[int]: ...

    def similar(self, report_id: int, k: int = 3) -> list[tuple[int, float]]: ...


def duplicate_links(index: Ranked, min_score: float) -> list[tuple[int, int, float]]:
    """Return (report, likely original, confidence 0..1) links at or over `min_score`.

    Each pair appears once, the later report first; best links first.
    """
    best: dict[tuple[int, int], float] = {}
    for report in index.ids():
        for other, score in index.similar(report, CANDIDATES):
            if score < min_score:
                break
            pair = (max(report, other), min(report, other))
            best[pair] = max(best.get(pair, 0.0), min(score, 1.0))
    return sorted(
        ((late, early, score) for (late, early), score in best.items()),
        key=lambda link: (-link[2], link[0], link[1]),
    )
