"""`git diff --numstat -z` parsing, checked against output from a real git repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.diffstat import DiffStat, FileStat, parse_numstat_z
from tests.conftest import git_bytes

RENAMED_BODY = "".join(
    f"line {i} of a file long enough to be detected as a rename\n" for i in range(20)
)


@pytest.fixture
def numstat(tmp_path: Path) -> str:
    """Return real `git diff --numstat -z -M` output for a known set of changes."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git_bytes(repo, "init", "-q", "-b", "main")
    (repo / "modified.txt").write_text("one\ntwo\nthree\n")
    (repo / "deleted.txt").write_text("a\nb\nc\nd\n")
    (repo / "old_name.txt").write_text(RENAMED_BODY)
    (repo / "image.bin").write_bytes(b"\x00\x01\x02PNG\x00" * 10)
    (repo / "café dir").mkdir()
    (repo / "café dir" / "naïve file.txt").write_text("x\n")
    git_bytes(repo, "add", "-A")
    git_bytes(repo, "commit", "-qm", "base")

    (repo / "added.txt").write_text("new 1\nnew 2\nnew 3\nnew 4\nnew 5\n")
    (repo / "modified.txt").write_text("one\nTWO\nthree\nfour\n")
    (repo / "deleted.txt").unlink()
    (repo / "old_name.txt").rename(repo / "new_name.txt")
    (repo / "new_name.txt").write_text(RENAMED_BODY + "appended\n")
    (repo / "image.bin").write_bytes(b"\x00\xff\xfeGIF\x00" * 12)
    (repo / "added.bin").write_bytes(b"\x00binary\x00")
    (repo / "café dir" / "naïve file.txt").write_text("x\ny\n")
    git_bytes(repo, "add", "-A")
    return git_bytes(repo, "diff", "--cached", "--numstat", "-z", "-M").decode("utf-8")


def test_real_output_has_the_shapes_we_parse(numstat: str) -> None:
    assert "\0" in numstat
    assert "\n" not in numstat
    # A rename's head carries no path; old and new names follow as separate fields.
    assert "\t\0old_name.txt\0new_name.txt\0" in numstat


def test_parse_real_numstat(numstat: str) -> None:
    stat = parse_numstat_z(numstat)
    by_path = {f.path: f for f in stat.files}
    assert by_path == {
        "added.txt": FileStat("added.txt", 5, 0),
        "modified.txt": FileStat("modified.txt", 2, 1),
        "deleted.txt": FileStat("deleted.txt", 0, 4),
        "new_name.txt": FileStat("new_name.txt", 1, 0),
        "image.bin": FileStat("image.bin", 0, 0, binary=True),
        "added.bin": FileStat("added.bin", 0, 0, binary=True),
        "café dir/naïve file.txt": FileStat("café dir/naïve file.txt", 1, 0),
    }
    assert "old_name.txt" not in by_path


def test_totals_from_real_numstat(numstat: str) -> None:
    stat = parse_numstat_z(numstat)
    assert stat.files_changed == 7
    assert stat.insertions == 5 + 2 + 0 + 1 + 1
    assert stat.deletions == 0 + 1 + 4 + 0
    assert stat.insertions == 9
    assert stat.deletions == 5


def test_parse_keeps_git_order(numstat: str) -> None:
    stat = parse_numstat_z(numstat)
    heads = [p for p in numstat.split("\0") if "\t" in p]
    assert len(heads) == len(stat.files)


def test_empty_input() -> None:
    assert parse_numstat_z("") == DiffStat()
    assert parse_numstat_z("\0") == DiffStat()
    stat = parse_numstat_z("")
    assert (stat.files_changed, stat.insertions, stat.deletions) == (0, 0, 0)


def test_synthetic_rename_between_plain_entries() -> None:
    raw = "1\t2\ta.txt\0" + "3\t0\t\0old/x.py\0new/x.py\0" + "-\t-\tlogo.png\0" + "4\t4\tz.txt\0"
    assert parse_numstat_z(raw).files == (
        FileStat("a.txt", 1, 2),
        FileStat("new/x.py", 3, 0),
        FileStat("logo.png", 0, 0, binary=True),
        FileStat("z.txt", 4, 4),
    )


def test_binary_rename() -> None:
    raw = "-\t-\t\0old.png\0new.png\0"
    assert parse_numstat_z(raw).files == (FileStat("new.png", 0, 0, binary=True),)


def test_paths_with_tabs_and_newlines_survive() -> None:
    raw = "1\t1\tweird\tname\nwith newline.txt\0"
    assert parse_numstat_z(raw).files == (FileStat("weird\tname\nwith newline.txt", 1, 1),)


def test_missing_trailing_nul() -> None:
    assert parse_numstat_z("7\t3\tfile.py").files == (FileStat("file.py", 7, 3),)
