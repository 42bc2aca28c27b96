"""Word-level changes within a pair of lines: which characters of each side differ."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from itertools import accumulate

Spans = tuple[tuple[int, int], ...]  # (start, end) character ranges, sorted and disjoint

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
# Token matching is quadratic; past this many token pairs the differing middle is one span.
MAX_TOKEN_PAIRS = 250_000


def word_spans(old: str, new: str) -> tuple[Spans, Spans]:
    """Return the changed character ranges of `old` and of `new`, whole words at a time."""
    if old == new:
        return (), ()
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    start = _common_prefix(a, b)
    end_a, end_b = _common_suffix(a, b, start)
    a_at, b_at = _offsets(a), _offsets(b)
    if (end_a - start) * (end_b - start) > MAX_TOKEN_PAIRS:
        return _span(a_at, start, end_a), _span(b_at, start, end_b)
    old_spans: list[tuple[int, int]] = []
    new_spans: list[tuple[int, int]] = []
    matcher = SequenceMatcher(None, a[start:end_a], b[start:end_b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            _add(old_spans, a_at, start + i1, start + i2)
            _add(new_spans, b_at, start + j1, start + j2)
    return tuple(old_spans), tuple(new_spans)


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _common_suffix(a: list[str], b: list[str], start: int) -> tuple[int, int]:
    """Return where the tokens both lists end with begin, not reaching back before `start`."""
    i, j = len(a), len(b)
    while i > start and j > start and a[i - 1] == b[j - 1]:
        i, j = i - 1, j - 1
    return i, j


def _offsets(tokens: list[str]) -> list[int]:
    """Return each token's start offset, plus the end of the last one."""
    return [0, *accumulate(len(t) for t in tokens)]


def _span(at: list[int], i: int, j: int) -> tuple[tuple[int, int], ...]:
    return ((at[i], at[j]),) if i < j else ()


def _add(spans: list[tuple[int, int]], at: list[int], i: int, j: int) -> None:
    """Append tokens i..j as a character range, merging it into the previous one if they touch."""
    if i >= j:
        return
    if spans and spans[-1][1] == at[i]:
        spans[-1] = (spans[-1][0], at[j])
    else:
        spans.append((at[i], at[j]))
