"""The pure half of combining attempts: takes as written, patches split, collisions found."""

from __future__ import annotations

import pytest

from app.core.combine import (
    combined_title,
    find_overlap,
    parse_take,
    split_patch,
    touching,
    without_repeats,
)
from app.core.compare import Take

PATCH = (
    "diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n"
    "@@ -1,7 +1,7 @@\n l1\n l2\n-l3\n+x3\n l4\n l5\n l6\n"
    "@@ -22 +22 @@ def g():\n-l22\n+x22\n\\ No newline at end of file\n"
    "@@ -30,0 +31,2 @@\n+a\n+b\n"
)


def test_takes_are_read_as_written() -> None:
    assert parse_take("ab12:src/a.py") == Take("ab12", "src/a.py")
    assert parse_take("ab12:src/a.py:2") == Take("ab12", "src/a.py", 2)
    assert parse_take("ab12:a:b.py") == Take("ab12", "a:b.py")
    for bad, why in [
        ("ab12", "is not ID:PATH"),
        (":a.py", "is not ID:PATH"),
        ("ab12:", "is not ID:PATH"),
        ("ab12::2", "names no path"),
        ("ab12:a.py:", "names no hunk"),
        ("ab12:a.py:0", "numbered from 1, not 0"),
    ]:
        with pytest.raises(ValueError, match=why):
            parse_take(bad)


def test_a_patch_splits_into_hunks_that_put_back_together() -> None:
    patch = split_patch(PATCH)
    assert patch.head == "diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n"
    assert len(patch.hunks) == 3 and patch.spans == ((1, 7), (22, 22), (30, 30))
    assert patch.select(None) == PATCH
    assert patch.select([3, 2, 2]) == patch.head + patch.hunks[1] + patch.hunks[2]
    assert patch.hunks[1].endswith("\\ No newline at end of file\n")
    binary = "diff --git a/b b/b\nBinary files a/b and b/b differ\n"
    assert split_patch(binary).hunks == () and split_patch(binary).select(None) == binary


def test_hunks_collide_when_their_old_lines_overlap_or_meet() -> None:
    assert touching((1, 7), (7, 9)) and touching((1, 7), (8, 9)) and touching((8, 9), (1, 7))
    assert not touching((1, 7), (9, 12))
    assert touching((0, 0), (0, 0))  # two new files of one path


def test_overlaps_are_found_between_attempts_only() -> None:
    patches = {("a", "f"): split_patch(PATCH), ("b", "f"): split_patch(PATCH)}
    one, two = Take("a", "f", 1, 1), Take("a", "f", 2, 1)
    assert find_overlap([one, two], patches) is None  # one attempt's hunks never collide
    assert find_overlap([one, Take("b", "f", 2, 2)], patches) is None
    assert find_overlap([one, Take("b", "f", 1, 2)], patches) == (one, Take("b", "f", 1, 2))
    assert find_overlap([two, Take("b", "f", None, 2)], patches) == (two, Take("b", "f", None, 2))
    assert find_overlap([Take("a", "g"), Take("b", "f")], patches) is None


def test_repeats_and_hunks_of_a_file_taken_whole_go() -> None:
    takes = [Take("a", "f", 1), Take("a", "f", 1), Take("b", "f", 2), Take("a", "f")]
    assert without_repeats(takes) == [Take("b", "f", 2), Take("a", "f")]
    assert combined_title("Fix", [3, 1, 3]) == "Fix (combined from #1, #3)"
    assert Take("0123456789", "f", 2, 3).label() == "hunk 2 of f in #3 (01234567)"
