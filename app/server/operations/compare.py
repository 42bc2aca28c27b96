"""Operations on a best-of-N group: its scoreboard, its tests, the pick of a winner."""

from __future__ import annotations

from app.core.compare import FileVersions, GroupChanges, Pick, Scoreboard
from app.core.diff import FileDiff
from app.server.operations.registry import Params, flag, number, operation, text
from app.services.orchard import Orchard, UserError


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


def _changes(params: Params) -> GroupChanges:
    from app.core.wire import decode

    found = decode(params.get("changes"), GroupChanges)
    if not isinstance(found, GroupChanges):
        raise UserError("the request needs 'changes' as a group's changes")
    return found


@operation("compare.changes")
async def changes(orchard: Orchard, params: Params) -> GroupChanges:
    """Return what each attempt of a group changed (its whole state against the base)."""
    from app.services.land import attempts

    return await attempts.group_changes(orchard, text(params, "ref"))


@operation("compare.versions")
async def versions(orchard: Orchard, params: Params) -> FileVersions:
    """Return one file as the base and each attempt have it."""
    from app.services.land import attempts

    return await attempts.file_versions(orchard, _changes(params), text(params, "path"))


@operation("compare.diff")
async def diff(orchard: Orchard, params: Params) -> FileDiff:
    """Return one file's rows from one attempt (or "base") to another."""
    from app.services.land import attempts

    return await attempts.attempts_diff(
        orchard, _changes(params), text(params, "path"), text(params, "left"),
        text(params, "right"),
    )  # fmt: skip


@operation("compare.open")
async def open_group(orchard: Orchard, params: Params) -> tuple[Scoreboard, GroupChanges]:
    """Return a group's scoreboard and each attempt's changes, each worktree read once."""
    from app.services.land import attempts

    return await attempts.open_group(orchard, text(params, "ref"))
