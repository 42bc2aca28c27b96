"""Likely duplicate links between reports, each with a confidence, for clusters.

Pure: reads a SimilarityIndex, no I/O. A report is linked to each of its few most similar
reports whose similarity reaches the threshold. Report ids grow with creation
time, so of two linked reports the one with the smaller id, the earlier, is the likely
original. Nothing here closes or merges anything: the links are proposals.
"""

from __future__ import annotations

from typing import Protocol

# Calibrated on tests/data/dupes (bench_triage_recall.py): the lowest threshold whose proposed
# links were all right on that set (0.5 still proposed one wrong link, 12551 -> 8650: one
# assertion, three years apart). The set is small (see its README), so this is a first
# estimate, set high on purpose: a wrong merge hides a real bug.
DEFAULT_MIN_SCORE = 0.55
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
