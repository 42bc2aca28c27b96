"""A parsed diff: changed files, hunks, and the rows of a side-by-side or unified view.

Pure: git produces the text (services/land/review.py), the window paints the rows
(qt/review/diffview.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import IntFlag, StrEnum
from typing import Literal, NamedTuple

from app.core.linepairs import pair_lines
from app.core.wordspans import word_spans as word_spans

MAX_ROW_CHARS = 10_000  # a row shows at most this much of its line; the rest is cut
MAX_DIFF_LINES = 20_000  # changed lines on one side beyond which a file needs "load anyway"
MAX_DIFF_BYTES = 500_000  # bytes of either side beyond which a file needs "load anyway"
SYMLINK_MODE = "120000"
SUBMODULE_MODE = "160000"
LFS_POINTER = "version https://git-lfs.github.com/spec/v1"


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    COPIED = "copied"
    TYPE_CHANGED = "type-changed"


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One changed file, as the review's file list shows it."""

    path: str  # the new path (the old one for a deletion)
    status: FileStatus
    insertions: int = 0  # 0 for binary files
    deletions: int = 0
    old_path: str | None = None  # set for renames and copies
    binary: bool = False
    submodule: bool = False
    symlink: bool = False
    lfs: bool = False  # a Git LFS pointer
    size: int = 0  # bytes of the new side (the old side for a deletion)
    old_size: int = 0  # bytes of the old side (0 for an addition)
    old_mode: str = ""  # git's octal modes, "000000" for a side that does not exist
    new_mode: str = ""
    old_id: str = ""  # object ids (a commit for a submodule), all zeros for a missing side
    new_id: str = ""


class RowKind(StrEnum):
    HUNK = "hunk"  # a hunk's header: @@ -a,b +c,d @@ and the function it is in
    CONTEXT = "context"  # the same line on both sides
    CHANGE = "change"  # a removed line beside the added line that replaced it
    DELETE = "delete"  # only on the left; filler on the right
    ADD = "add"  # only on the right; filler on the left


class RowFlag(IntFlag):
    """Facts about a row's lines that their text no longer shows."""

    OLD_CR = 1  # the old line ended in CR LF; the CR is stripped from old_text
    NEW_CR = 2
    OLD_NO_EOL = 4  # git printed "No newline at end of file" after the old line
    NEW_NO_EOL = 8
    OLD_CUT = 16  # old_text is the first MAX_ROW_CHARS characters of a longer line
    NEW_CUT = 32
    UNPAIRED = 64  # a CHANGE row of two lines not alike: side by side only to save room


_UNPAIRED = int(RowFlag.UNPAIRED)  # a plain int: enum arithmetic is slow per row
OLD_FLAGS = RowFlag.OLD_CR | RowFlag.OLD_NO_EOL | RowFlag.OLD_CUT
NEW_FLAGS = RowFlag.NEW_CR | RowFlag.NEW_NO_EOL | RowFlag.NEW_CUT


class Row(NamedTuple):
    """One painted row; a side that has no line there is None (filler).

    A HUNK row carries its whole "@@ -a,b +c,d @@ header" line as both texts and no numbers.
    """

    kind: RowKind
    old_no: int | None
    old_text: str | None
    new_no: int | None
    new_text: str | None
    hunk: int  # index into FileDiff.hunks
    flags: int = 0  # RowFlag bits


@dataclass(frozen=True, slots=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    header: str  # the text after the closing @@, usually the enclosing function
    row: int  # index of the hunk's HUNK row in FileDiff.rows


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One file's diff, ready to paint side by side."""

    entry: FileEntry
    rows: tuple[Row, ...] = ()
    hunks: tuple[Hunk, ...] = ()
    placeholder: str | None = None  # why no rows are shown (binary, too large, LFS, submodule)
    notes: tuple[str, ...] = ()  # git's extended header lines: modes, similarity, renames


_STATUS = {
    "A": FileStatus.ADDED,
    "M": FileStatus.MODIFIED,
    "D": FileStatus.DELETED,
    "R": FileStatus.RENAMED,
    "C": FileStatus.COPIED,
    "T": FileStatus.TYPE_CHANGED,
}


def parse_raw_numstat_z(text: str, sizes: Mapping[str, int] | None = None) -> list[FileEntry]:
    """Parse `git diff --raw --numstat -z` (all raw records, then all numstat records).

    `sizes` gives blob sizes by object id (see raw_object_ids), for FileEntry.size and old_size.
    """
    parts = text.split("\0")
    raws: list[tuple[list[str], str, str]] = []
    i = 0
    while i < len(parts) and parts[i].startswith(":"):
        meta = parts[i][1:].split(" ")
        if meta[4][:1] in "RC":
            raws.append((meta, parts[i + 1], parts[i + 2]))
            i += 3
        else:
            raws.append((meta, parts[i + 1], parts[i + 1]))
            i += 2
    # With -w git leaves out files whose changes were all whitespace: match counts by path.
    counts: dict[str, tuple[str, str]] = {}
    while i < len(parts):
        added, deleted, path = [*parts[i].split("\t", 2), "", ""][:3]
        if added and not path and i + 2 < len(parts):
            path = parts[i + 2]  # a rename's paths follow as two fields: old, new
            i += 2
        if added:
            counts[path] = (added, deleted)
        i += 1
    sizes = sizes or {}
    return [_entry(meta, old, new, counts.get(new, ("0", "0")), sizes) for meta, old, new in raws]


def raw_object_ids(text: str) -> set[str]:
    """Return the blob ids that `git diff --raw -z` output names (not submodules' commits)."""
    ids: set[str] = set()
    for part in text.split("\0"):
        if part.startswith(":"):
            old_mode, new_mode, old_id, new_id = part[1:].split(" ", 4)[:4]
            if old_mode != SUBMODULE_MODE and old_id.strip("0"):
                ids.add(old_id)
            if new_mode != SUBMODULE_MODE and new_id.strip("0"):
                ids.add(new_id)
    return ids


def _entry(
    meta: list[str], old: str, new: str, counts: tuple[str, str], sizes: Mapping[str, int]
) -> FileEntry:
    old_mode, new_mode, old_id, new_id, code = meta[:5]
    status = _STATUS.get(code[:1], FileStatus.MODIFIED)
    added, deleted = counts
    old_size, new_size = sizes.get(old_id, 0), sizes.get(new_id, 0)
    return FileEntry(
        path=new,
        status=status,
        insertions=int(added) if added.isdigit() else 0,
        deletions=int(deleted) if deleted.isdigit() else 0,
        old_path=old if status in (FileStatus.RENAMED, FileStatus.COPIED) else None,
        binary=added == "-",
        submodule=SUBMODULE_MODE in (old_mode, new_mode),
        symlink=SYMLINK_MODE in (old_mode, new_mode),
        old_mode=old_mode,
        new_mode=new_mode,
        old_id=old_id,
        new_id=new_id,
        size=old_size if status is FileStatus.DELETED else new_size,
        old_size=old_size,
    )


def format_size(size: int) -> str:
    """Return `size` bytes as a person reads it: 512 bytes, 12.3 KB, 4.5 MB."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} KB"
    return f"{size / 1_000_000:.1f} MB"


def placeholder_for(entry: FileEntry) -> str | None:
    """Say why `entry` is shown as a placeholder until "load anyway", or None to show rows."""
    size = format_size(max(entry.size, entry.old_size))
    if entry.submodule:
        return f"Submodule: {_short(entry.old_id)} -> {_short(entry.new_id)}"
    if entry.binary:
        return f"Binary file, {size}"
    if entry.lfs:
        return f"Git LFS pointer, {size}"
    # Each side shows at most max(insertions, deletions) changed lines.
    lines = max(entry.insertions, entry.deletions)
    if lines > MAX_DIFF_LINES or max(entry.size, entry.old_size) > MAX_DIFF_BYTES:
        return f"Large file: {size}, +{entry.insertions:,} -{entry.deletions:,} lines"
    return None


def _short(oid: str) -> str:
    return oid[:10] if oid.strip("0") else "-"


_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)", re.DOTALL)
_HEADER_NOTES = ("old mode", "new mode", "deleted file mode", "new file mode")
_NOTES = (*_HEADER_NOTES, "similarity", "dissimilarity", "rename ", "copy ")


def parse_file_patch(entry: FileEntry, patch: str) -> FileDiff:
    """Build the side-by-side rows of one file's `git diff` output."""
    rows: list[Row] = []
    hunks: list[Hunk] = []
    notes: list[str] = []
    lines = patch.split("\n")
    binary = False
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _HUNK.match(line) if line.startswith("@@ ") else None
        i += 1
        if match:
            hunk = _hunk(match, len(rows))
            rows.append(Row(RowKind.HUNK, None, line, None, line, len(hunks)))
            i = _hunk_rows(lines, i, hunk, len(hunks), rows)
            hunks.append(hunk)
        elif line.startswith("Binary files ") and line.endswith(" differ"):
            binary = True
        elif line.startswith(_NOTES):
            notes.append(line)
    entry = replace(entry, binary=entry.binary or binary, lfs=entry.lfs or _is_lfs(rows))
    if entry.binary and not rows:
        return FileDiff(entry, placeholder=placeholder_for(entry), notes=tuple(notes))
    placeholder = None if rows else _no_rows_reason(entry, notes)
    return FileDiff(entry, tuple(rows), tuple(hunks), placeholder, tuple(notes))


def _hunk(match: re.Match[str], row: int) -> Hunk:
    old_start, old_count, new_start, new_count, header = match.groups()
    return Hunk(
        int(old_start),
        int(old_count) if old_count is not None else 1,
        int(new_start),
        int(new_count) if new_count is not None else 1,
        header,
        row,
    )


# Plain ints for the per-line loop: IntFlag arithmetic costs a microsecond a time.
_OLD_CR, _NEW_CR = int(RowFlag.OLD_CR), int(RowFlag.NEW_CR)
_OLD_CUT, _NEW_CUT = int(RowFlag.OLD_CUT), int(RowFlag.NEW_CUT)
_OLD_NO_EOL, _NEW_NO_EOL = int(RowFlag.OLD_NO_EOL), int(RowFlag.NEW_NO_EOL)
_Line = tuple[int, str, int]  # line number, text, flags


def _text(line: str, cr: int, cut: int) -> tuple[str, int]:
    """Return a patch line's text without its tag, CR and excess, and the flags for what went."""
    if len(line) > MAX_ROW_CHARS + 1:
        return line[1 : MAX_ROW_CHARS + 1], cut | (cr if line.endswith("\r") else 0)
    if line.endswith("\r"):
        return line[1:-1], cr
    return line[1:], 0


def _hunk_rows(lines: list[str], i: int, hunk: Hunk, h: int, rows: list[Row]) -> int:
    """Append one hunk's rows, pairing each run of -/+ lines; return the index after it."""
    old_no, new_no = hunk.old_start, hunk.new_start
    old_left, new_left = hunk.old_count, hunk.new_count
    dels: list[_Line] = []
    adds: list[_Line] = []
    last = ""
    while i < len(lines) and (old_left > 0 or new_left > 0 or lines[i].startswith("\\")):
        line = lines[i]
        i += 1
        tag = line[:1]
        if tag == "-":
            dels.append((old_no, *_text(line, _OLD_CR, _OLD_CUT)))
            old_no, old_left = old_no + 1, old_left - 1
        elif tag == "+":
            adds.append((new_no, *_text(line, _NEW_CR, _NEW_CUT)))
            new_no, new_left = new_no + 1, new_left - 1
        elif tag == "\\":
            _mark_no_eol(last, dels, adds, rows)
            continue
        else:  # " ", or "" where diff.suppressBlankEmpty drops the space of an empty line
            _flush(dels, adds, h, rows)
            text, flags = _text(line, _OLD_CR, _OLD_CUT)
            flags |= flags << 1  # each OLD bit's NEW twin is the next bit up
            rows.append(Row(RowKind.CONTEXT, old_no, text, new_no, text, h, flags))
            old_no, new_no, old_left, new_left = old_no + 1, new_no + 1, old_left - 1, new_left - 1
        last = tag
    _flush(dels, adds, h, rows)
    return i


def _mark_no_eol(tag: str, dels: list[_Line], adds: list[_Line], rows: list[Row]) -> None:
    if tag == "-" and dels:
        no, text, flags = dels[-1]
        dels[-1] = (no, text, flags | _OLD_NO_EOL)
    elif tag == "+" and adds:
        no, text, flags = adds[-1]
        adds[-1] = (no, text, flags | _NEW_NO_EOL)
    elif rows and rows[-1].kind is RowKind.CONTEXT:
        rows[-1] = rows[-1]._replace(flags=rows[-1].flags | _OLD_NO_EOL | _NEW_NO_EOL)


def _flush(dels: list[_Line], adds: list[_Line], h: int, rows: list[Row]) -> None:
    """Append a run of deletions and additions: each line beside the one most like it.

    Lines between two such pairs stand beside each other as far as they go (marked UNPAIRED:
    not alike, so no word highlights), the rest against filler.
    """
    pairs = pair_lines([d[1] for d in dels], [a[1] for a in adds])
    if len(pairs) == min(len(dels), len(adds)) and all(i == j for i, j in pairs):
        _side_by_side(dels, adds, h, rows, 0)  # line by line, as most runs are: one pass
    else:
        at_old = at_new = 0
        for i, j in [*pairs, (len(dels), len(adds))]:
            _side_by_side(dels[at_old:i], adds[at_new:j], h, rows, _UNPAIRED)
            if i < len(dels) and j < len(adds):
                _side_by_side(dels[i : i + 1], adds[j : j + 1], h, rows, 0)
            at_old, at_new = i + 1, j + 1
    dels.clear()
    adds.clear()


def _side_by_side(dels: list[_Line], adds: list[_Line], h: int, rows: list[Row], mark: int) -> None:
    """Append lines side by side as CHANGE rows, then the longer side's rest as DELETE or ADD."""
    paired = min(len(dels), len(adds))
    for (old_no, old, f_old), (new_no, new, f_new) in zip(dels, adds, strict=False):
        rows.append(Row(RowKind.CHANGE, old_no, old, new_no, new, h, f_old | f_new | mark))
    for old_no, old, flags in dels[paired:]:
        rows.append(Row(RowKind.DELETE, old_no, old, None, None, h, flags))
    for new_no, new, flags in adds[paired:]:
        rows.append(Row(RowKind.ADD, None, None, new_no, new, h, flags))


def _is_lfs(rows: list[Row]) -> bool:
    """Say whether either side's first line is a Git LFS pointer's."""
    for row in rows[1:3]:
        if (row.old_no == 1 and (row.old_text or "").startswith(LFS_POINTER)) or (
            row.new_no == 1 and (row.new_text or "").startswith(LFS_POINTER)
        ):
            return True
    return False


def _no_rows_reason(entry: FileEntry, notes: list[str]) -> str:
    modes = [n.rsplit(" ", 1)[-1] for n in notes if n.startswith(("old mode", "new mode"))]
    if len(modes) == 2:
        return f"File mode changed from {modes[0]} to {modes[1]}"
    if entry.status is FileStatus.RENAMED:
        return f"Renamed from {entry.old_path} without changes"
    if entry.status in (FileStatus.ADDED, FileStatus.DELETED):
        return f"Empty file {entry.status.value}"
    return "No changes to show"


def unified_rows(diff: FileDiff) -> tuple[Row, ...]:
    """Return the rows in unified order: each run's old lines as DELETE rows, then its new lines."""
    out: list[Row] = []
    adds: list[Row] = []
    old_flags, new_flags = int(OLD_FLAGS), int(NEW_FLAGS)
    for row in diff.rows:
        kind = row.kind
        if kind is RowKind.CHANGE:
            old_no, old, new_no, new, h, flags = row[1:]
            out.append(Row(RowKind.DELETE, old_no, old, None, None, h, flags & old_flags))
            adds.append(Row(RowKind.ADD, None, None, new_no, new, h, flags & new_flags))
        elif kind is RowKind.DELETE:
            out.append(row)
        elif kind is RowKind.ADD:
            adds.append(row)
        else:
            out += adds
            adds.clear()
            out.append(row)
    out += adds
    return tuple(out)


def next_hunk_row(rows: Sequence[Row], index: int, step: int = 1) -> int | None:
    """Return the index of the nearest HUNK row after `index` (step 1) or before it (step -1)."""
    i = index + step
    while 0 <= i < len(rows):
        if rows[i].kind is RowKind.HUNK:
            return i
        i += step
    return None


def find_row(rows: Sequence[Row], side: Literal["old", "new"], line_no: int) -> int | None:
    """Return the index of the row showing line `line_no` of `side`, or None if it is not shown."""
    column = 1 if side == "old" else 3
    for i, row in enumerate(rows):
        if row[column] == line_no:
            return i
    return None


@dataclass(frozen=True, slots=True)
class ReviewSnapshot:
    """The changes under review: `base` against `tree`, and the files that differ."""

    repo: str  # where git runs: the worktree, or the repository when the worktree is gone
    base: str  # a commit id
    tree: str  # a tree id holding the task's whole state
    files: tuple[FileEntry, ...] = ()
    ignore_whitespace: bool = False  # how `files` counted their lines
    worktree_missing: bool = False  # the worktree folder is gone: this is the branch's head
