"""Room under some rows of a diff (for comment threads), counted in whole rows.

The diff view scrolls by rows of one height; a thread under row r takes `units` more rows'
worth of room. A display unit is a row or one unit of a gap; these map rows to units and back.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate


class RowGaps:
    """Where the gaps are and how many units each takes: rows to display units and back."""

    def __init__(self, gaps: dict[int, int] | None = None) -> None:
        found = sorted((r, u) for r, u in (gaps or {}).items() if u > 0)
        self.units = dict(found)
        self._rows = [r for r, _u in found]
        self._before = [0, *accumulate(u for _r, u in found)]  # units of the gaps before gap j
        self._ends = [r + self._before[j + 1] for j, r in enumerate(self._rows)]

    def __bool__(self) -> bool:
        return bool(self._rows)

    def total(self, rows: int) -> int:
        """Return the display units `rows` rows and the gaps under them take."""
        return rows + self._before[bisect_left(self._rows, rows)]

    def display(self, row: int) -> int:
        """Return the display unit of `row`: the row itself, past the gaps above it."""
        return row + self._before[bisect_left(self._rows, row)] if self._rows else row

    def locate(self, unit: int) -> tuple[int, int]:
        """Return the row at display `unit` and -1, or the row whose gap holds it and the
        unit's place in that gap."""
        if not self._rows:
            return unit, -1
        j = bisect_left(self._ends, unit)  # the first gap that ends at or after `unit`
        if j == len(self._rows):
            return unit - self._before[j], -1
        row = self._rows[j]
        top = row + self._before[j]
        return (row, unit - top - 1) if unit > top else (unit - self._before[j], -1)

    def first_row(self, unit: int) -> int:
        """Return the first row whose top is at or below display `unit`."""
        row, inside = self.locate(unit)
        return row + 1 if inside >= 0 else row
