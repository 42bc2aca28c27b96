"""TextColumn: a list of strings in sealed chunks, checked against a plain list."""

from __future__ import annotations

import gc
import random

import pytest

from app.qt.log.textcolumn import CHUNK, TextColumn
from tests.qt.conftest import walked


def test_rows_read_back_as_a_list_reads_them_through_appends_and_seals() -> None:
    column, plain = TextColumn(), []
    for n in range(CHUNK * 3 + 5):
        column.append(f"row {n}")
        plain.append(f"row {n}")
    column.extend(f"more {n}" for n in range(CHUNK + 1))
    plain += [f"more {n}" for n in range(CHUNK + 1)]
    assert len(column) == len(plain)
    assert [column[i] for i in range(len(plain))] == plain
    assert column[-1] == plain[-1] and column[-len(plain)] == plain[0]
    assert column.rows(CHUNK - 3, CHUNK * 2 + 7) == plain[CHUNK - 3 : CHUNK * 2 + 7]
    assert column.rows(len(plain) - 2, len(plain) + 50) == plain[-2:]
    with pytest.raises(IndexError):
        column[len(plain)]
    with pytest.raises(IndexError):
        column[-len(plain) - 1]


def test_random_edits_match_a_plain_list() -> None:
    rng = random.Random(7)
    column, plain = TextColumn(), []
    n = 0

    def fresh(count: int) -> list[str]:
        nonlocal n
        n += count
        return [f"t{n - i}" for i in range(count)]

    for _ in range(1500):
        op = rng.random()
        size = rng.choice((1, 3, 40, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK))
        if op < 0.35 or not plain:
            rows = fresh(size)
            column.extend(rows)
            plain += rows
        elif op < 0.55:
            at = rng.randrange(len(plain) + 1)
            rows = fresh(size)
            column.insert(at, rows)
            plain[at:at] = rows
        elif op < 0.75:
            at = rng.randrange(len(plain))
            column.delete(at, at + size)
            del plain[at : at + size]
        elif op < 0.9:
            at = rng.randrange(-len(plain), len(plain))
            column[at] += "+"
            plain[at] += "+"
        else:
            lo = rng.randrange(len(plain) + 1)
            assert column.rows(lo, lo + size) == plain[lo : lo + size]
        assert len(column) == len(plain)
    assert column.rows(0, len(plain)) == plain
    assert [column[i] for i in range(0, len(plain), 97)] == plain[::97]


def test_a_long_column_leaves_the_collector_its_chunks_to_walk_not_its_rows() -> None:
    column = TextColumn(f"line {n}" for n in range(200_000))
    assert column.unsettled()  # one long extend: sealed by settle(), a slice at a time
    sealed = 0
    while column.settle(20_000):
        sealed += 1
    assert sealed == 9 and not column.unsettled()
    column.insert(5000, [f"inserted {n}" for n in range(30_000)])
    column.delete(100, 9000)
    assert [column[i] for i in (99, 100, 26_099, 26_100)] == [
        "line 99",
        "inserted 4000",
        "inserted 29999",
        "line 5000",
    ]
    gc.collect()  # the first collection a tuple of strings survives untracks it
    assert walked(column) < 2 * CHUNK + 300
    as_list = [f"line {n}" for n in range(200_000)]
    assert gc.is_tracked(as_list) and len(gc.get_referents(as_list)) == 200_000
