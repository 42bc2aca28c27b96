"""Operations on a best-of-N group: its scoreboard, its tests, the pick of a winner, a combine."""

from __future__ import annotations

from collections.abc import Sequence

from app.client.operations.calls import Asker
from app.core.compare import Combined, Pick, Scoreboard, Take


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
