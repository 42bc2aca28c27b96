"""The conflict forecast: which pending tasks touch the same files or lines, and which conflict.

Pure: git lists each task's changes and merges the candidate pairs (services/land/forecast.py);
this module parses those changes, pairs tasks that share paths, and builds the result.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import combinations
from typing import Any

from app.core.states import ENDED_STATES, TaskState

# Tasks whose work may still clash with someone's: a worktree or branch, not landed or discarded.
PENDING_STATES = ENDED_STATES | {TaskState.RUNNING, TaskState.NEEDS_INPUT}
# Tasks whose worktree may hold work that is not committed yet.
UNCOMMITTED_STATES = frozenset({TaskState.RUNNING, TaskState.NEEDS_INPUT})

# A changed range of old-side lines in doubled coordinates: line n is 2n, the gap after it 2n+1,
# so a pure insertion is a point between lines. None: the whole file (binary, mode, submodule).
Span = tuple[int, int]
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+", re.MULTILINE)


class ClashKind(StrEnum):
    CONFLICT = "conflict"  # the two sides do not merge cleanly
    OVERLAP = "overlap"  # the same files changed, but they merge cleanly


@dataclass(frozen=True, slots=True)
class Changes:
    """The files one side changed against a merge-base, with the old-side lines of each."""

    spans: Mapping[str, tuple[Span, ...] | None]

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(self.spans)


@dataclass(frozen=True, slots=True)
class Clash:
    """One task's clash with another task (`other`) or, when `other` is None, its base branch."""

    other: str | None
    kind: ClashKind
    paths: tuple[str, ...]  # the conflicting files, or for an overlap the files both changed
    lines: tuple[str, ...] = ()  # those of `paths` where both changed the same or touching lines

    def to_json(self) -> dict[str, Any]:
        """Return the clash as the JSON object the CLI prints."""
        return {
            "other": self.other,
            "kind": self.kind.value,
            "paths": list(self.paths),
            "lines": list(self.lines),
        }


@dataclass(frozen=True, slots=True)
class TaskForecast:
    """One task's clashes; `problem` says why it could not be forecast (a branch gone)."""

    task_id: str
    clashes: tuple[Clash, ...] = ()
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the task's forecast as the JSON object the CLI prints."""
        return {
            "task": self.task_id,
            "problem": self.problem,
            "clashes": [c.to_json() for c in self.clashes],
        }


@dataclass(frozen=True, slots=True)
class Forecast:
    """Every pending task's clashes with the others and with its base branch."""

    tasks: Mapping[str, TaskForecast] = field(default_factory=dict)

    def for_task(self, task_id: str) -> list[Clash]:
        """Return the clashes of one task (none for a task not forecast)."""
        found = self.tasks.get(task_id)
        return list(found.clashes) if found else []

    def problem(self, task_id: str) -> str | None:
        """Return why a task could not be forecast, or None."""
        found = self.tasks.get(task_id)
        return found.problem if found else None


def parse_changes(output: bytes) -> Changes:
    """Parse `git diff --raw -z -p -U0 --no-renames` into the changed paths and their lines."""
    paths, patch = _split_raw(output)
    blocks = re.split(rb"^diff --git ", patch, flags=re.MULTILINE)[1:]
    if len(blocks) != len(paths):  # should not happen; fall back to whole files
        return Changes(dict.fromkeys(paths))
    return Changes(
        {p: _spans(b.decode("utf-8", "replace")) for p, b in zip(paths, blocks, strict=True)}
    )


def _split_raw(output: bytes) -> tuple[list[str], bytes]:
    fields = output.split(b"\0")
    paths: list[str] = []
    i = 0
    while i + 1 < len(fields) and fields[i].startswith(b":"):
        paths.append(fields[i + 1].decode("utf-8", "surrogateescape"))
        i += 2
    rest = b"\0".join(fields[i:])
    return paths, rest.lstrip(b"\0\n")


def _spans(block: str) -> tuple[Span, ...] | None:
    found = [_span(int(start), int(count or 1)) for start, count in _HUNK.findall(block)]
    return tuple(found) or None


def _span(start: int, count: int) -> Span:
    if count == 0:
        return (2 * start + 1, 2 * start + 1)
    return (2 * start, 2 * (start + count - 1))


def spans_touch(a: tuple[Span, ...] | None, b: tuple[Span, ...] | None) -> bool:
    """Say whether two sides changed the same or adjacent lines (whole-file changes always do)."""
    if a is None or b is None:
        return True
    return any(x0 - 1 <= y1 + 1 and y0 - 1 <= x1 + 1 for x0, x1 in a for y0, y1 in b)


def touching_paths(a: Changes, b: Changes, paths: Iterable[str]) -> tuple[str, ...]:
    """Return those of `paths` where `a` and `b` changed the same or adjacent lines."""
    return tuple(p for p in sorted(paths) if spans_touch(a.spans.get(p), b.spans.get(p)))


def candidate_pairs(paths: Mapping[str, frozenset[str]]) -> dict[tuple[str, str], frozenset[str]]:
    """Return each pair of ids (sorted) that share a path, with the paths they share."""
    holders: dict[str, list[str]] = defaultdict(list)
    for key in sorted(paths):
        for path in paths[key]:
            holders[path].append(key)
    shared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path, keys in holders.items():
        for pair in combinations(keys, 2):
            shared[pair].add(path)
    return {pair: frozenset(ps) for pair, ps in shared.items()}


def clash_with(
    other: str | None,
    conflicts: Iterable[str],
    shared: Iterable[str],
    lines: Iterable[str] = (),
) -> Clash:
    """Make the clash of a merge: a conflict if any file conflicted, else an overlap."""
    conflicting = tuple(sorted(set(conflicts)))
    if conflicting:
        return Clash(other, ClashKind.CONFLICT, conflicting, tuple(sorted(set(lines))))
    return Clash(other, ClashKind.OVERLAP, tuple(sorted(set(shared))), tuple(sorted(set(lines))))


def build_forecast(
    pairs: Mapping[tuple[str, str], Clash],
    base: Mapping[str, Clash],
    ids: Iterable[str],
    problems: Mapping[str, str],
) -> Forecast:
    """Gather pair clashes (each named by its pair's second id) and base clashes per task."""
    clashes: dict[str, list[Clash]] = {i: [] for i in ids}
    for (a, b), clash in sorted(pairs.items()):
        clashes.setdefault(a, []).append(clash)
        clashes.setdefault(b, []).append(_seen_from(clash, a))
    for task_id, clash in base.items():
        clashes.setdefault(task_id, []).append(clash)
    return Forecast(
        {
            i: TaskForecast(i, tuple(sorted(cs, key=_order)), problems.get(i))
            for i, cs in clashes.items()
        }
        | {i: TaskForecast(i, problem=p) for i, p in problems.items()}
    )


def _seen_from(clash: Clash, other: str) -> Clash:
    return Clash(other, clash.kind, clash.paths, clash.lines)


def _order(clash: Clash) -> tuple[bool, bool, str]:
    return (clash.other is not None, clash.kind is not ClashKind.CONFLICT, clash.other or "")
