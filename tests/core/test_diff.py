"""The parsed diff: file lists, side-by-side rows, unified order, word spans, navigation."""

from __future__ import annotations

from app.core.diff import (
    MAX_ROW_CHARS,
    FileEntry,
    FileStatus,
    Row,
    RowFlag,
    RowKind,
    find_row,
    next_hunk_row,
    parse_file_patch,
    parse_raw_numstat_z,
    placeholder_for,
    raw_object_ids,
    unified_rows,
    word_spans,
)

H, C, X, D, A = RowKind.HUNK, RowKind.CONTEXT, RowKind.CHANGE, RowKind.DELETE, RowKind.ADD
ENTRY = FileEntry("f.txt", FileStatus.MODIFIED)
Z40 = "0" * 40
ID1, ID2 = "1" * 40, "2" * 40


def header(path: str = "f.txt") -> str:
    return (
        f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n"
    )


def cells(rows: tuple[Row, ...]) -> list[tuple[object, ...]]:
    """Return the rows without their hunk index and flags, for compact comparison."""
    return [(r.kind, r.old_no, r.old_text, r.new_no, r.new_text) for r in rows]


def test_raw_numstat_lists_every_kind_of_change_with_odd_names() -> None:
    raw = "\0".join(
        [
            f":000000 100644 {Z40} {ID1} A",
            "sp ace ü.txt",
            f":100644 100644 {ID1} {ID2} R087",
            "old\nname",
            "new name",
            f":100644 000000 {ID1} {Z40} D",
            "gone.bin",
            f":120000 120000 {ID1} {ID2} M",
            "link",
            f":160000 160000 {ID1} {ID2} M",
            "sub",
            "3\t0\tsp ace ü.txt",
            "2\t1\t",
            "old\nname",
            "new name",
            "-\t-\tgone.bin",
            "1\t1\tlink",
            "1\t1\tsub",
            "",
        ]
    )
    added, renamed, deleted, link, sub = parse_raw_numstat_z(raw)
    assert (added.path, added.status, added.insertions, added.old_path) == (
        "sp ace ü.txt",
        FileStatus.ADDED,
        3,
        None,
    )
    assert (renamed.path, renamed.old_path, renamed.status) == ("new name", "old\nname", "renamed")
    assert (renamed.insertions, renamed.deletions, renamed.old_id, renamed.new_id) == (
        2,
        1,
        ID1,
        ID2,
    )
    assert deleted.status is FileStatus.DELETED and deleted.binary and deleted.path == "gone.bin"
    assert link.symlink and not link.submodule
    assert sub.submodule and not sub.symlink


def test_files_whose_counts_git_left_out_count_zero() -> None:
    raw = f":100644 100644 {ID1} {ID2} M\0ws.txt\0:100644 100644 {ID1} {ID2} M\0b\0" + "4\t2\tb\0"
    ws, b = parse_raw_numstat_z(raw)  # `git diff -w` drops whitespace-only files from numstat
    assert (ws.path, ws.insertions, ws.deletions) == ("ws.txt", 0, 0)
    assert (b.path, b.insertions, b.deletions) == ("b", 4, 2)


def test_sizes_come_from_the_object_ids_of_each_side() -> None:
    raw = f":100644 000000 {ID1} {Z40} D\0gone\0:160000 100644 {ID2} {ID1} T\0sub\0"
    assert raw_object_ids(raw) == {ID1}  # no zeros, no submodule commit
    gone, sub = parse_raw_numstat_z(raw, {ID1: 7})
    assert (gone.size, gone.old_size) == (7, 7)
    assert (sub.size, sub.old_size, sub.status) == (7, 0, FileStatus.TYPE_CHANGED)


def test_empty_file_list() -> None:
    assert parse_raw_numstat_z("") == []


def test_change_runs_pair_line_by_line_and_leftovers_get_filler() -> None:
    patch = header() + (
        "@@ -1,6 +1,5 @@ def main():\n"
        " keep\n"
        "-old one\n"
        "-old two\n"
        "-old three\n"
        "+new one\n"
        "+new two\n"
        " middle\n"
        "+added\n"
        " end\n"
    )
    diff = parse_file_patch(ENTRY, patch)
    assert cells(diff.rows) == [
        (H, None, "@@ -1,6 +1,5 @@ def main():", None, "@@ -1,6 +1,5 @@ def main():"),
        (C, 1, "keep", 1, "keep"),
        (X, 2, "old one", 2, "new one"),
        (X, 3, "old two", 3, "new two"),
        (D, 4, "old three", None, None),
        (C, 5, "middle", 4, "middle"),
        (A, None, None, 5, "added"),
        (C, 6, "end", 6, "end"),
    ]
    (hunk,) = diff.hunks
    assert (hunk.old_start, hunk.old_count, hunk.new_start, hunk.new_count) == (1, 6, 1, 5)
    assert (hunk.header, hunk.row) == ("def main():", 0)
    assert diff.placeholder is None


def test_more_additions_than_deletions_and_numbering_across_hunks() -> None:
    patch = header() + ("@@ -10,2 +10,3 @@\n-a\n+A\n+B\n c\n@@ -40 +41 @@ tail\n-x\n+y\n")
    diff = parse_file_patch(ENTRY, patch)
    assert cells(diff.rows)[1:4] == [
        (X, 10, "a", 10, "A"),
        (A, None, None, 11, "B"),
        (C, 11, "c", 12, "c"),
    ]
    assert cells(diff.rows)[5] == (X, 40, "x", 41, "y")
    assert [h.row for h in diff.hunks] == [0, 4]
    assert [r.hunk for r in diff.rows] == [0, 0, 0, 0, 1, 1]
    assert (diff.hunks[1].old_count, diff.hunks[1].new_count) == (1, 1)


def test_no_newline_at_end_of_file_marks_the_right_side() -> None:
    patch = header() + (
        "@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n"
        "\\ No newline at end of file\n"
    )
    diff = parse_file_patch(ENTRY, patch)
    assert cells(diff.rows)[1:] == [
        (C, 1, "a", 1, "a"),
        (X, 2, "b", 2, "b"),
        (A, None, None, 3, "c"),
    ]
    assert diff.rows[2].flags == RowFlag.OLD_NO_EOL
    assert diff.rows[3].flags == RowFlag.NEW_NO_EOL


def test_no_newline_on_a_context_line_marks_both_sides() -> None:
    patch = header() + "@@ -1,2 +1,2 @@\n-a\n+A\n b\n\\ No newline at end of file\n"
    diff = parse_file_patch(ENTRY, patch)
    assert diff.rows[-1].kind is C
    assert diff.rows[-1].flags == RowFlag.OLD_NO_EOL | RowFlag.NEW_NO_EOL


def test_crlf_is_stripped_from_text_and_kept_as_flags() -> None:
    patch = header() + "@@ -1,2 +1,2 @@\n same\r\n-line\r\n+line\n"
    diff = parse_file_patch(ENTRY, patch)
    context, change = diff.rows[1:]
    assert (context.old_text, context.flags) == ("same", RowFlag.OLD_CR | RowFlag.NEW_CR)
    assert (change.old_text, change.new_text, change.flags) == ("line", "line", RowFlag.OLD_CR)


def test_a_huge_line_is_cut_per_row_and_says_so() -> None:
    patch = header() + "@@ -1 +1 @@\n-" + "x" * 1_000_000 + "\r\n+short\n"
    (_, row) = parse_file_patch(ENTRY, patch).rows
    assert row.old_text == "x" * MAX_ROW_CHARS
    # the cut line and "short" are nothing alike: beside each other, but not a pair
    assert row.flags == RowFlag.OLD_CUT | RowFlag.OLD_CR | RowFlag.UNPAIRED
    assert row.new_text == "short"


def test_suppressed_blank_context_line_counts_as_context() -> None:
    patch = header() + "@@ -1,3 +1,3 @@\n a\n\n-b\n+B\n"
    diff = parse_file_patch(ENTRY, patch)
    assert cells(diff.rows)[2] == (C, 2, "", 2, "")
    assert cells(diff.rows)[3] == (X, 3, "b", 3, "B")


def test_lines_that_look_like_headers_inside_a_hunk_are_content() -> None:
    patch = header() + "@@ -1,2 +1,2 @@\n--- a/x\n-diff --git a b\n+++ b/x\n+@@ -1 +1 @@\n"
    diff = parse_file_patch(ENTRY, patch)
    assert len(diff.hunks) == 1
    assert cells(diff.rows)[1:] == [
        (X, 1, "-- a/x", 1, "++ b/x"),
        (X, 2, "diff --git a b", 2, "@@ -1 +1 @@"),
    ]


def test_binary_patch_becomes_a_placeholder_with_the_size() -> None:
    entry = FileEntry("img.png", FileStatus.MODIFIED, size=12_345)
    patch = "diff --git a/img.png b/img.png\nBinary files a/img.png and b/img.png differ\n"
    diff = parse_file_patch(entry, patch)
    assert diff.entry.binary and diff.rows == () and diff.placeholder == "Binary file, 12.3 KB"


def test_mode_only_change_and_empty_file_explain_the_missing_rows() -> None:
    mode = "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"
    diff = parse_file_patch(FileEntry("run.sh", FileStatus.MODIFIED), mode)
    assert diff.placeholder == "File mode changed from 100644 to 100755"
    assert diff.notes == ("old mode 100644", "new mode 100755")
    empty = "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n"
    assert (
        parse_file_patch(FileEntry("e", FileStatus.ADDED), empty).placeholder == "Empty file added"
    )


def test_rename_notes_and_pure_rename() -> None:
    entry = FileEntry("new.py", FileStatus.RENAMED, old_path="old.py")
    patch = "diff --git a/o b/n\nsimilarity index 100%\nrename from old.py\nrename to new.py\n"
    diff = parse_file_patch(entry, patch)
    assert diff.notes == ("similarity index 100%", "rename from old.py", "rename to new.py")
    assert diff.placeholder == "Renamed from old.py without changes"


def test_type_change_parses_both_sections() -> None:
    patch = (
        "diff --git a/p b/p\ndeleted file mode 100644\nindex 1..0\n--- a/p\n+++ /dev/null\n"
        "@@ -1 +0,0 @@\n-text\n"
        "diff --git a/p b/p\nnew file mode 120000\nindex 0..2\n--- /dev/null\n+++ b/p\n"
        "@@ -0,0 +1 @@\n+target\n\\ No newline at end of file\n"
    )
    diff = parse_file_patch(FileEntry("p", FileStatus.TYPE_CHANGED), patch)
    assert [(r.kind, r.old_text, r.new_text) for r in diff.rows if r.kind is not H] == [
        (D, "text", None),
        (A, None, "target"),
    ]
    assert len(diff.hunks) == 2


def test_lfs_pointer_is_recognised() -> None:
    patch = header() + (
        "@@ -0,0 +1,3 @@\n+version https://git-lfs.github.com/spec/v1\n+oid sha256:ab\n+size 99\n"
    )
    diff = parse_file_patch(FileEntry("big.bin", FileStatus.ADDED, size=130), patch)
    assert diff.entry.lfs
    assert placeholder_for(diff.entry) == "Git LFS pointer, 130 bytes"


def test_placeholders_for_large_binary_and_submodule_entries() -> None:
    assert placeholder_for(FileEntry("a", FileStatus.MODIFIED, 10, 10, size=400_000)) is None
    assert (
        placeholder_for(FileEntry("a", FileStatus.MODIFIED, 20_000, 20_000, size=500_000)) is None
    )
    big = FileEntry("a", FileStatus.MODIFIED, 20_001, 0, size=100)
    assert placeholder_for(big) == "Large file: 100 bytes, +20,001 -0 lines"
    wide = FileEntry("a", FileStatus.MODIFIED, 1, 1, size=50_000_000)
    assert placeholder_for(wide) == "Large file: 50.0 MB, +1 -1 lines"
    sub = FileEntry("s", FileStatus.MODIFIED, submodule=True, old_id=ID1, new_id=ID2)
    assert placeholder_for(sub) == f"Submodule: {ID1[:10]} -> {ID2[:10]}"


def test_unified_order_puts_each_runs_deletions_before_its_additions() -> None:
    patch = header() + ("@@ -1,6 +1,6 @@\n a\n-b\r\n-c\n-d\n+B\n+C\n e\n+f\n+g\n-h\n")
    diff = parse_file_patch(ENTRY, patch)
    rows = unified_rows(diff)
    assert cells(rows)[1:] == [
        (C, 1, "a", 1, "a"),
        (D, 2, "b", None, None),
        (D, 3, "c", None, None),
        (D, 4, "d", None, None),
        (A, None, None, 2, "B"),
        (A, None, None, 3, "C"),
        (C, 5, "e", 4, "e"),
        (D, 6, "h", None, None),
        (A, None, None, 5, "f"),
        (A, None, None, 6, "g"),
    ]
    assert rows[2].flags == RowFlag.OLD_CR and rows[5].flags == 0


def test_word_spans_mark_only_the_changed_words() -> None:
    assert word_spans("foo(bar, baz)", "foo(bar, qux)") == (((9, 12),), ((9, 12),))
    assert word_spans("x = 1", "x = 1") == ((), ())
    assert word_spans("return a", "return a + b") == ((), ((8, 12),))
    assert word_spans("alpha beta gamma", "alpha gamma") == (((6, 11),), ())
    old, new = word_spans("one two three four", "one 2 three 4")
    assert old == ((4, 7), (14, 18)) and new == ((4, 5), (12, 13))


def test_word_spans_whole_middle_when_too_costly() -> None:
    old = "a " * 5_000
    new = "b " * 5_000
    assert word_spans(old, new) == (((0, 9_999),), ((0, 9_999),))


def test_navigation_finds_hunks_and_lines() -> None:
    patch = header() + "@@ -1,2 +1,2 @@\n a\n-b\n+B\n@@ -20 +20,2 @@\n x\n+y\n"
    diff = parse_file_patch(ENTRY, patch)
    assert next_hunk_row(diff.rows, 0) == 3
    assert next_hunk_row(diff.rows, 3) is None
    assert next_hunk_row(diff.rows, 5, step=-1) == 3
    assert next_hunk_row(diff.rows, 3, step=-1) == 0
    assert find_row(diff.rows, "new", 21) == 5
    assert find_row(diff.rows, "old", 2) == 2
    assert find_row(diff.rows, "old", 3) is None
