"""Parse `git diff --numstat -z` output into per-file and total counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileStat:
    path: str
    insertions: int
    deletions: int
    binary: bool = False


@dataclass(frozen=True, slots=True)
class DiffStat:
    files: tuple[FileStat, ...] = ()

    @property
    def files_changed(self) -> int:
        return len(self.files)

    @property
    def insertions(self) -> int:
        return sum(f.insertions for f in self.files)

    @property
    def deletions(self) -> int:
        return sum(f.deletions for f in self.files)


def parse_numstat_z(raw: str) -> DiffStat:
    """Parse NUL-separated numstat; renames arrive as two extra path fields."""
    parts = raw.split("\0")
    files: list[FileStat] = []
    i = 0
    while i < len(parts):
        head = parts[i]
        if not head.strip():
            i += 1
            continue
        added, deleted, path = [*head.split("\t", 2), "", ""][:3]
        if path == "" and i + 2 < len(parts):
            path = parts[i + 2]  # rename: "A\tD\t" then old NUL new
            i += 2
        i += 1
        binary = added == "-"
        files.append(FileStat(path, _int(added), _int(deleted), binary))
    return DiffStat(tuple(files))


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0
