"""The forecast's pure parts: parsing git's changes, pairing by paths, overlapping lines."""

from __future__ import annotations

from pathlib import Path

from app.core.forecast import (
    Changes,
    Clash,
    ClashKind,
    build_forecast,
    candidate_pairs,
    clash_with,
    parse_changes,
    spans_touch,
    touching_paths,
)
from tests.conftest import git_bytes

_DIFF = ["diff", "--raw", "-z", "-p", "-U0", "--no-renames", "--no-color", "HEAD~", "HEAD"]


def _changes_of(tmp_path: Path, before: dict[str, bytes], after: dict[str, bytes]) -> Changes:
    repo = tmp_path / "r"
    repo.mkdir()
    git_bytes(repo, "init", "-q")
    for files in (before, after):
        for name, data in files.items():
            path = repo / name
            if data == b"<deleted>":
                path.unlink()
            else:
                path.write_bytes(data)
        git_bytes(repo, "add", "-A")
        git_bytes(repo, "commit", "-qm", "x", "--allow-empty")
    return parse_changes(git_bytes(repo, *_DIFF))


def test_parse_changes_reads_paths_and_old_side_lines(tmp_path: Path) -> None:
    ten = b"".join(b"%d\n" % n for n in range(1, 11))
    changes = _changes_of(
        tmp_path,
        {"a b.txt": ten, "gone.txt": b"x\n", "bin.dat": b"\0\1", "café.txt": b"1\n"},
        {
            "a b.txt": ten.replace(b"3\n", b"three\n").replace(b"10\n", b"10\n11\n"),
            "gone.txt": b"<deleted>",
            "bin.dat": b"\0\2",
            "café.txt": b"2\n",
            "new\nline.txt": b"n\n",
        },
    )
    assert changes.paths == {"a b.txt", "gone.txt", "bin.dat", "café.txt", "new\nline.txt"}
    # line 3 replaced: (6, 6); an insertion after line 10 is the point between 10 and 11
    assert changes.spans["a b.txt"] == ((6, 6), (21, 21))
    assert changes.spans["gone.txt"] == ((2, 2),)
    assert changes.spans["café.txt"] == ((2, 2),)
    assert changes.spans["bin.dat"] is None  # binary: the whole file
    assert changes.spans["new\nline.txt"] == ((1, 1),)  # added: an insertion before line 1


def test_parse_changes_of_nothing() -> None:
    assert parse_changes(b"") == Changes({})


def test_spans_touch_when_lines_overlap_or_are_adjacent() -> None:
    line = {n: (2 * n, 2 * n) for n in range(1, 10)}
    assert spans_touch((line[5],), (line[5],))
    assert spans_touch((line[5],), (line[6],))  # adjacent lines conflict in git too
    assert not spans_touch((line[5],), (line[7],))  # one unchanged line between
    assert spans_touch(((11, 11),), (line[6],))  # an insertion after line 5, change of line 6
    assert not spans_touch(((11, 11),), (line[8],))
    assert spans_touch(None, (line[1],)) and spans_touch((line[1],), None)


def test_touching_paths_picks_the_files_with_shared_lines() -> None:
    a = Changes({"f": ((10, 10),), "g": ((2, 2),), "bin": None})
    b = Changes({"f": ((10, 14),), "g": ((40, 40),), "bin": None})
    assert touching_paths(a, b, {"f", "g", "bin"}) == ("bin", "f")


def test_candidate_pairs_are_exactly_those_sharing_a_path() -> None:
    paths = {
        "a": frozenset({"f", "x"}),
        "b": frozenset({"f", "x"}),
        "c": frozenset({"f"}),
        "d": frozenset({"g"}),
        "e": frozenset({"g", "h"}),
        "z": frozenset(),
    }
    assert candidate_pairs(paths) == {
        ("a", "b"): {"f", "x"},
        ("a", "c"): {"f"},
        ("b", "c"): {"f"},
        ("d", "e"): {"g"},
    }


def test_clash_with_is_a_conflict_only_when_a_file_conflicted() -> None:
    assert clash_with("b", ["f"], ["f", "g"]) == Clash("b", ClashKind.CONFLICT, ("f",))
    assert clash_with(None, [], ["g", "f"], ["f"]) == Clash(
        None, ClashKind.OVERLAP, ("f", "g"), ("f",)
    )


def test_build_forecast_names_the_other_side_for_each_task() -> None:
    pairs = {
        ("a", "b"): Clash("b", ClashKind.OVERLAP, ("f",)),
        ("a", "c"): Clash("c", ClashKind.CONFLICT, ("f",)),
    }
    base = {"b": Clash(None, ClashKind.OVERLAP, ("g",))}
    result = build_forecast(pairs, base, ["a", "b", "c", "d"], {"e": "its branch is gone"})
    assert result.for_task("a") == [
        Clash("c", ClashKind.CONFLICT, ("f",)),
        Clash("b", ClashKind.OVERLAP, ("f",)),
    ]
    assert result.for_task("b") == [
        Clash(None, ClashKind.OVERLAP, ("g",)),
        Clash("a", ClashKind.OVERLAP, ("f",)),
    ]
    assert result.for_task("c") == [Clash("a", ClashKind.CONFLICT, ("f",))]
    assert result.for_task("d") == [] and result.problem("d") is None
    assert result.problem("e") == "its branch is gone" and result.for_task("e") == []
    assert result.for_task("unknown") == []
