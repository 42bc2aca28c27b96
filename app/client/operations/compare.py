"""Operations on a best-of-N group: its scoreboard, its tests, the pick of a winner, a combine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.client.operations.calls import Asker
from app.core.compare import Combined, FileVersions, GroupChanges, Pick, Scoreboard, Take
from app.core.diff import FileDiff
from app.core.wire import encode


class CompareOperations(Asker):
    """Comparing the attempts of one prompt and picking the winner."""

    async def scoreboard(self, ref: str) -> Scoreboard:
        """Return a group's attempts, best first, with their kept test results."""
        found: Scoreboard = await self.do("compare.scoreboard", Scoreboard, ref=ref)
        return found

    async def run_group_tests(
        self, ref: str, jobs: int, timeout: float
    ) -> tuple[Scoreboard, dict[str, str]]:
        """Run the tests in each finished attempt; return the board and what was not run."""
        found: tuple[Scoreboard, dict[str, str]] = await self.do(
            "compare.run_tests", tuple[Scoreboard, dict[str, str]], ref=ref, jobs=jobs,
            timeout=timeout,
        )  # fmt: skip
        return found

    async def pick_winner(self, ref: str, discard_others: bool = False) -> Pick:
        """Mark the winner of a group; with `discard_others`, discard the other attempts."""
        found: Pick = await self.do("compare.pick", Pick, ref=ref, discard_others=discard_others)
        return found

    async def open_group(self, ref: str) -> tuple[Scoreboard, GroupChanges]:
        """Return a group's scoreboard and what each attempt changed, read together."""
        found: tuple[Scoreboard, GroupChanges] = await self.do(
            "compare.open", tuple[Scoreboard, GroupChanges], ref=ref
        )
        return found

    async def group_changes(self, ref: str) -> GroupChanges:
        """Return what each attempt of a group changed, attempts in launch order."""
        found: GroupChanges = await self.do("compare.changes", GroupChanges, ref=ref)
        return found

    async def file_versions(self, changes: GroupChanges, path: str) -> FileVersions:
        """Return one file as the base and each attempt have it."""
        found: FileVersions = await self.do(
            "compare.versions", FileVersions, changes=_bare(changes), path=path
        )
        return found

    async def attempts_diff(
        self, changes: GroupChanges, path: str, left: str, right: str
    ) -> FileDiff:
        """Return one file's rows from `left` to `right`: attempts' ids, or "base"."""
        found: FileDiff = await self.do(
            "compare.diff", FileDiff, changes=_bare(changes), path=path, left=left, right=right
        )
        return found

    async def combine_attempts(
        self, group: str, takes: Sequence[Take], title: str | None = None
    ) -> Combined:
        """Make one new task of a group from chosen files and hunks of its attempts.

        `group` is a group id or any attempt's id; each take names an attempt, a path and a
        hunk (from 1, as the review numbers them) or None for the whole file. Overlapping
        takes of two attempts, or any other bad take, are refused before anything is made.
        """
        wanted = [{"task": t.task, "path": t.path, "hunk": t.hunk} for t in takes]
        found: Combined = await self.do(
            "compare.combine", Combined, group=group, takes=wanted, title=title
        )
        return found


def _bare(changes: GroupChanges) -> object:
    """Return what names each attempt's state (trees and base): never their file lists."""
    return encode(
        replace(
            changes,
            attempts=tuple(
                replace(a, snapshot=a.snapshot and replace(a.snapshot, files=()))
                for a in changes.attempts
            ),
        )
    )
