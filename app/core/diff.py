"""A parsed diff: changed files, hunks, and the rows of a side-by-side or unified view.

Pure: git produces the text (services/review.py), the window paints the rows (qt/diffview.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


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


class RowKind(StrEnum):
    HUNK = "hunk"  # a hunk's header: @@ -a,b +c,d @@ and the function it is in
    CONTEXT = "context"  # the same line on both sides
    CHANGE = "change"  # a removed line beside the added line that replaced it
    DELETE = "delete"  # only on the left; filler on the right
    ADD = "add"  # only on the right; filler on the left


class Row(NamedTuple):
    """One painted row; a side that has no line there is None (filler)."""

    kind: RowKind
    old_no: int | None
    old_text: str | None
    new_no: int | None
    new_text: str | None
    hunk: int  # index into FileDiff.hunks


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
