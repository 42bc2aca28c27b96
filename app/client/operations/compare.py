"""Operations on a best-of-N group: its scoreboard, its tests, the pick of a winner."""

from __future__ import annotations

from app.client.operations.calls import Asker
from app.core.compare import Pick, Scoreboard


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
