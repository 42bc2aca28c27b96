"""Operations on a best-of-N group: its scoreboard, its tests, the pick of a winner."""

from __future__ import annotations

from app.core.compare import Pick, Scoreboard
from app.server.operations.registry import Params, flag, number, operation, text
from app.services.orchard import Orchard


@operation("compare.scoreboard")
async def scoreboard(orchard: Orchard, params: Params) -> Scoreboard:
    """Return a group's attempts, best first, with their kept test results."""
    from app.services.land import compare

    return await compare.load_scoreboard(orchard, text(params, "ref"))


@operation("compare.run_tests")
async def run_tests(orchard: Orchard, params: Params) -> tuple[Scoreboard, dict[str, str]]:
    """Run the project's tests in each finished attempt; return the board and what was skipped.

    Each result is kept as it comes: a scoreboard read meanwhile shows it.
    """
    from app.services.land import compare

    jobs = number(params, "jobs", compare.DEFAULT_JOBS)
    timeout = params.get("timeout", compare.DEFAULT_TIMEOUT)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool):
        timeout = compare.DEFAULT_TIMEOUT
    return await compare.run_tests(orchard, text(params, "ref"), jobs, float(timeout))


@operation("compare.pick")
async def pick(orchard: Orchard, params: Params) -> Pick:
    """Mark the winner of a group; with `discard_others`, stop and discard the other attempts."""
    from app.services.land import compare

    return await compare.pick_winner(orchard, text(params, "ref"), flag(params, "discard_others"))
