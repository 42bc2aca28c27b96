"""Combining attempts: which parts of whose change, and whether they can all apply together.

Pure: the service reads the attempts' patches (services/land/combine.py); this reads the
takes a person wrote, splits a file's patch into its hunks and finds takes that collide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

from app.core.compare import Take

TAKE_FORMAT = "ID:PATH[:HUNK]"
_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", re.MULTILINE)

Span = tuple[int, int]  # a hunk's old-side lines, first to last (an insertion: after line n)


@dataclass(frozen=True, slots=True)
class FilePatch:
    """One file's patch as git prints it, split into its header and its hunks."""

    head: str  # the lines before the first hunk: diff --git, modes, index, ---, +++
    hunks: tuple[str, ...]  # each hunk's text, its @@ line first
    spans: tuple[Span, ...]  # each hunk's old-side lines

    def select(self, hunks: Iterable[int] | None) -> str:
        """Return the patch of only hunks `hunks` (numbered from 1), or all of it for None."""
        if hunks is None:
            return self.head + "".join(self.hunks)
        return self.head + "".join(self.hunks[n - 1] for n in sorted(set(hunks)))


def parse_take(text: str) -> Take:
    """Read a take written `ID:PATH[:HUNK]`; raise ValueError saying what is wrong."""
    task, sep, rest = text.partition(":")
    if not sep or not task.strip() or not rest.strip(":").strip():
        raise ValueError(f"'{text}' is not {TAKE_FORMAT}")
    path, sep, last = rest.rpartition(":")
    if not sep or not last.strip().lstrip("-").isdigit():
        if rest.endswith(":"):
            raise ValueError(f"'{text}' ends in ':' but names no hunk; write {TAKE_FORMAT}")
        return Take(task.strip(), rest.strip())
    hunk = int(last)
    if not path.strip():
        raise ValueError(f"'{text}' names no path; write {TAKE_FORMAT}")
    if hunk < 1:
        raise ValueError(f"'{text}': hunks are numbered from 1, not {hunk}")
    return Take(task.strip(), path.strip(), hunk)


def split_patch(patch: str) -> FilePatch:
    """Split one file's patch (git's, -U3) into its header and its hunks."""
    found = list(_HEADER.finditer(patch))
    if not found:
        return FilePatch(patch, (), ())
    starts = [m.start() for m in found] + [len(patch)]
    hunks = tuple(patch[a:b] for a, b in pairwise(starts))
    return FilePatch(patch[: starts[0]], hunks, tuple(_span(m) for m in found))


def _span(match: re.Match[str]) -> Span:
    start = int(match.group(1))
    count = 1 if match.group(2) is None else int(match.group(2))
    return (start, start + count - 1) if count else (start, start)


def touching(a: Span, b: Span) -> bool:
    """Say whether two hunks' old-side lines overlap or meet, so both may not apply."""
    return a[0] <= b[1] + 1 and b[0] <= a[1] + 1


def without_repeats(takes: Iterable[Take]) -> list[Take]:
    """Return `takes` in order without repeats, and without hunks of a file also taken whole."""
    found = list(dict.fromkeys(takes))
    whole = {(t.task, t.path) for t in found if t.hunk is None}
    return [t for t in found if t.hunk is None or (t.task, t.path) not in whole]


def find_overlap(
    takes: Sequence[Take], patches: Mapping[tuple[str, str], FilePatch]
) -> tuple[Take, Take] | None:
    """Return the first two takes of different attempts that cannot both apply, or None.

    A file taken whole collides with any other attempt's take of it; two hunks collide when
    their old-side lines overlap or meet. `patches` holds each (task, path)'s patch.
    """
    for a, b in combinations(takes, 2):
        if a.task == b.task or a.path != b.path:
            continue
        if a.hunk is None or b.hunk is None:
            return a, b
        span_a = patches[(a.task, a.path)].spans[a.hunk - 1]
        if touching(span_a, patches[(b.task, b.path)].spans[b.hunk - 1]):
            return a, b
    return None


def combined_title(title: str, numbers: Iterable[int]) -> str:
    """Return the title of a combined task: `<title> (combined from #1, #3)`."""
    return f"{title} (combined from {', '.join(f'#{n}' for n in sorted(set(numbers)))})"


def takes_text(takes: Sequence[Take]) -> str:
    """Return the takes one a line, as the prompt and the commit message record them."""
    return "".join(f"- {t.label()}\n" for t in takes)
