"""A long, growing sequence of strings that the garbage collector does not walk row by row."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable

CHUNK = 2048  # rows per sealed chunk


class TextColumn:
    """A list of strings kept as sealed tuples (up to 2 * CHUNK rows each) and an open tail.

    Every full collection walks each item of each tracked list: a log's row texts in plain
    lists made a 1,000,000-event log cost tens of milliseconds a collection on the GUI
    thread. A tuple of strings is untracked by the first collection it survives, so only
    the tail (at most 2 * CHUNK rows once settled) and the list of chunks are walked. Rows
    are read by index in O(log chunks); inserting or deleting in the middle rebuilds only
    the chunks it touches.
    """

    __slots__ = ("_chunks", "_starts", "_tail", "_tail_start", "sealing")

    def __init__(self, rows: Iterable[str] = ()) -> None:
        self._chunks: list[tuple[str, ...]] = []
        self._starts = array("q")  # the first row of each chunk
        self._tail: list[str] = []
        self._tail_start = 0
        # False while a log is loaded in bulk: its rows are sealed later, by settle()
        self.sealing = True
        self.extend(rows)

    def __len__(self) -> int:
        return self._tail_start + len(self._tail)

    def __getitem__(self, row: int) -> str:
        if row < 0:
            row += len(self)
        if row >= self._tail_start:
            if row - self._tail_start >= len(self._tail):
                raise IndexError(row)
            return self._tail[row - self._tail_start]
        if row < 0:
            raise IndexError(row)
        c = bisect_right(self._starts, row) - 1
        return self._chunks[c][row - self._starts[c]]

    def __setitem__(self, row: int, text: str) -> None:
        if row < 0:
            row += len(self)
        if row >= self._tail_start:
            self._tail[row - self._tail_start] = text  # IndexError past the end
            return
        if row < 0:
            raise IndexError(row)
        c = bisect_right(self._starts, row) - 1
        chunk = list(self._chunks[c])
        chunk[row - self._starts[c]] = text
        self._chunks[c] = tuple(chunk)

    def append(self, text: str) -> None:
        """Add one row at the end."""
        self._tail.append(text)
        self._seal_if_due()

    def extend(self, texts: Iterable[str]) -> None:
        """Add rows at the end; a long run of them waits for settle() to be sealed."""
        self._tail.extend(texts)
        self._seal_if_due()

    def unsettled(self) -> bool:
        """Say whether the tail is long (a bulk load) and settle() has work to do."""
        return len(self._tail) > 2 * CHUNK

    def settle(self, limit: int) -> bool:
        """Seal about `limit` rows of a long tail, CHUNK at a time; True while more remain.

        Sealing copies each row once and the next collection visits it once: 35 ms for
        1,000,000 rows, paid a slice at a time rather than inside the opening of a log.
        """
        tail, end = self._tail, 0
        while len(tail) - end > CHUNK and end < limit:
            self._starts.append(self._tail_start + end)
            self._chunks.append(tuple(tail[end : end + CHUNK]))
            end += CHUNK
        if end:
            del tail[:end]
            self._tail_start += end
        return self.unsettled()

    def rows(self, start: int, stop: int) -> list[str]:
        """Return rows [start, stop) as a list (clipped to the column, like a slice)."""
        stop = min(stop, len(self))
        out: list[str] = []
        row = max(start, 0)
        while row < stop:
            if row >= self._tail_start:
                t = row - self._tail_start
                out += self._tail[t : t + stop - row]
                break
            c = bisect_right(self._starts, row) - 1
            first = self._starts[c]
            part = self._chunks[c][row - first : stop - first]
            out += part
            row += len(part)
        return out

    def insert(self, start: int, texts: list[str]) -> None:
        """Insert `texts` so that the first of them is row `start`."""
        if not texts:
            return
        if start >= len(self):
            self.extend(texts)
            return
        self._edit(start, start, texts)

    def delete(self, start: int, stop: int) -> None:
        """Remove rows [start, stop)."""
        stop = min(stop, len(self))
        if start < stop:
            self._edit(start, stop, [])

    def _edit(self, start: int, stop: int, texts: list[str]) -> None:
        """Replace rows [start, stop) by `texts`, rebuilding only the chunks they touch."""
        if start >= self._tail_start:  # all in the tail
            t = self._tail_start
            self._tail[start - t : stop - t] = texts
            self._seal_if_due()
            return
        first = bisect_right(self._starts, start) - 1
        base = self._starts[first]
        if stop > self._tail_start:  # reaches into the tail: re-seal from `first` to the end
            rows = self.rows(base, len(self))
            rows[start - base : stop - base] = texts
            del self._chunks[first:], self._starts[first:]
            self._tail, self._tail_start = rows, base
            self.settle(len(rows))
            return
        last = bisect_right(self._starts, stop - 1) - 1
        end = self._starts[last] + len(self._chunks[last])
        rows = self.rows(base, end)
        rows[start - base : stop - base] = texts
        pieces = [tuple(rows[i : i + CHUNK]) for i in range(0, len(rows), CHUNK)]
        starts = array("q", range(base, base + len(rows), CHUNK))
        self._chunks[first : last + 1] = pieces
        self._starts[first : last + 1] = starts
        delta = len(texts) - (stop - start)
        if delta:
            moved = self._starts
            for c in range(first + len(pieces), len(moved)):
                moved[c] += delta
            self._tail_start += delta

    def _seal_if_due(self) -> None:
        """Seal a tail grown past CHUNK; a longer one (a bulk load) waits for settle()."""
        if CHUNK < len(self._tail) <= 2 * CHUNK and self.sealing:
            self._seal()

    def _seal(self) -> None:
        """Seal the whole tail (CHUNK to 2 * CHUNK rows) as one tuple: one copy, no slices."""
        self._starts.append(self._tail_start)
        self._chunks.append(tuple(self._tail))
        self._tail_start += len(self._tail)
        self._tail = []
