"""Which removed line each added line replaced: an order-keeping match by similarity.

Within a run of removed and added lines, a line is paired with the one most like it (as meld
and difflib's ndiff do), not with the one at the same position: an edited line then sits
beside its new version, and its word highlights show only what changed.
"""

from __future__ import annotations

from collections import Counter

CUTOFF = 0.6  # lines less alike than this are not a pair: they are two different lines
MAX_CELLS = 2_500  # removed x added lines past which a run is paired by position
MAX_CHARS = 160  # characters of a line compared; long lines are alike or not by their start


def pair_lines(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """Return the (old, new) index pairs, in order, that match best; unpaired lines left out."""
    if not old or not new:
        return []
    if len(old) * len(new) > MAX_CELLS:
        return list(zip(range(len(old)), range(len(new)), strict=False))
    a = [_bigrams(line) for line in old]
    b = [_bigrams(line) for line in new]
    score = [[_similarity(x, y) for y in b] for x in a]
    return _best_order_keeping(score)


def _bigrams(line: str) -> tuple[Counter[str], int]:
    """Return a line's character pairs (its first MAX_CHARS, spaces at the ends trimmed)."""
    text = line.strip()[:MAX_CHARS]
    pairs = (
        Counter(text[i : i + 2] for i in range(len(text) - 1)) if len(text) > 1 else Counter(text)
    )
    return pairs, sum(pairs.values())


def _similarity(a: tuple[Counter[str], int], b: tuple[Counter[str], int]) -> float:
    """Return how alike two lines are, 0 to 1 (Dice over character pairs); below CUTOFF is 0.

    Linear in the lines' length, unlike a sequence match: a run of long lines (CSV rows,
    lock file hashes) is matched in milliseconds, never seconds.
    """
    (pa, na), (pb, nb) = a, b
    if not na or not nb:
        return 1.0 if na == nb else 0.0
    if 2 * min(na, nb) < CUTOFF * (na + nb):
        return 0.0  # too different in length to reach the cutoff
    ratio = 2 * sum((pa & pb).values()) / (na + nb)
    return ratio if ratio >= CUTOFF else 0.0


def _best_order_keeping(score: list[list[float]]) -> list[tuple[int, int]]:
    """Return the pairs, no two crossing, whose similarities add up to the most."""
    n, m = len(score), len(score[0])
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = best[i + 1][j + 1] + score[i][j] if score[i][j] else 0.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if score[i][j] and best[i][j] == best[i + 1][j + 1] + score[i][j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs
