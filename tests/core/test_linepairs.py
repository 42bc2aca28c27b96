"""Each removed line beside the added line most like it, so word highlights show real edits."""

from __future__ import annotations

from app.core.diff import RowFlag, RowKind, parse_file_patch
from app.core.linepairs import MAX_CELLS, pair_lines
from tests.core.test_diff import ENTRY, header


def _rows(body: str) -> list[tuple[str, str | None, str | None, bool]]:
    rows = parse_file_patch(ENTRY, header() + body).rows[1:]
    return [(r.kind.value, r.old_text, r.new_text, bool(r.flags & RowFlag.UNPAIRED)) for r in rows]


def test_an_edited_line_between_two_added_lines_sits_beside_its_new_version() -> None:
    body = (
        "@@ -1,1 +1,3 @@\n"
        "-    return total\n"
        '+    """Return the total, doubled."""\n'
        "+    return total * 2\n"
        "+    # done\n"
    )
    assert _rows(body) == [
        ("add", None, '    """Return the total, doubled."""', False),
        ("change", "    return total", "    return total * 2", False),
        ("add", None, "    # done", False),
    ]


def test_unlike_lines_stay_side_by_side_but_are_not_a_pair() -> None:
    body = "@@ -1,2 +1,2 @@\n-alpha = load()\n-beta()\n+import os\n+print(os.sep)\n"
    assert _rows(body) == [
        ("change", "alpha = load()", "import os", True),
        ("change", "beta()", "print(os.sep)", True),
    ]


def test_pairs_keep_the_lines_order() -> None:
    old = ["alpha = compute(1)", "omega.close()"]
    new = ["omega.close(force=True)", "alpha = compute(10)"]
    assert pair_lines(old, new) in ([(0, 1)], [(1, 0)])  # swapped lines: one pair, no crossing
    assert pair_lines(["a = 1", "b = 2"], ["a = 1", "b = 3"]) == [(0, 0), (1, 1)]


def test_a_huge_run_is_paired_by_position() -> None:
    n = int(MAX_CELLS**0.5) + 1
    pairs = pair_lines([f"x{i}" for i in range(n)], [f"y{i}" for i in range(n)])
    assert pairs == [(i, i) for i in range(n)]


def test_pairing_keeps_every_line_once() -> None:
    body = "@@ -1,3 +1,2 @@\n-a = 1\n-b = 2\n-c = 3\n+b = 22\n+zzz\n"
    rows = parse_file_patch(ENTRY, header() + body).rows[1:]
    assert [r.old_no for r in rows if r.old_no] == [1, 2, 3]
    assert [r.new_no for r in rows if r.new_no] == [1, 2]
    assert {r.kind for r in rows} <= {RowKind.CHANGE, RowKind.DELETE, RowKind.ADD}
