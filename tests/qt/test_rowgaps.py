"""Rows and the room under some of them map to display units and back."""

from __future__ import annotations

from app.qt.review.rowgaps import RowGaps


def test_no_gaps_is_the_identity() -> None:
    gaps = RowGaps()
    assert not gaps
    assert [gaps.display(r) for r in range(5)] == list(range(5))
    assert gaps.locate(7) == (7, -1) and gaps.total(10) == 10


def test_units_map_to_rows_and_gap_places_and_back() -> None:
    gaps = RowGaps({1: 2, 4: 3, 9: 0})  # rows 0 1 [g g] 2 3 4 [g g g] 5 ...
    layout = [gaps.locate(u) for u in range(12)]
    assert layout == [
        (0, -1), (1, -1), (1, 0), (1, 1), (2, -1), (3, -1), (4, -1),
        (4, 0), (4, 1), (4, 2), (5, -1), (6, -1),
    ]  # fmt: skip
    for row in range(8):
        assert gaps.locate(gaps.display(row)) == (row, -1)
    assert gaps.total(5) == 10 and gaps.total(3) == 5 and gaps.total(1) == 1
    assert gaps.first_row(3) == 2 and gaps.first_row(4) == 2 and gaps.first_row(6) == 4
