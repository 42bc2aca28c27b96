"""Operations on a best-of-N group: its scoreboard, its tests, the pick of a winner, a combine."""

from __future__ import annotations

from app.core.compare import Combined, FileVersions, GroupChanges, Pick, Scoreboard, Take
from app.core.diff import FileDiff
from app.server.operations.registry import (
    Params,
    flag,
    number,
    operation,
    optional_text,
    text,
)
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


@operation("compare.combine")
async def combine(orchard: Orchard, params: Params) -> Combined:
    """Make one new task of a group from chosen files and hunks of its attempts.

    Params: {"group": a group id or any attempt's id, "takes": [{"task": an attempt's id,
    "path": a file's path in the repository, "hunk": a hunk's number from 1 as the review
    numbers them (git's -U3 against the review base, whitespace shown), or null for the whole
    file}, ...], "title": optional}.
    Everything is checked before anything is made (attempts of the group that have ended,
    on one base, paths they changed, hunks they have); takes of two attempts that overlap are
    refused naming both. The value: the new task (succeeded, of the group, on its own branch
    with one commit), the takes as applied (full ids, attempt numbers, repeats gone) and that
    commit.
    """
    from app.services.land import combine_attempts

    takes = [_take(item) for item in _list(params, "takes")]
    return await combine_attempts(
        orchard, text(params, "group"), takes, optional_text(params, "title")
    )


def _list(params: Params, name: str) -> list[object]:
    value = params.get(name)
    if not isinstance(value, list):
        raise UserError(f"the request needs '{name}' as a list")
    return value


def _take(item: object) -> Take:
    """Read one take of a combine's request: {"task": id, "path": path, "hunk": n or null}."""
    if not isinstance(item, dict):
        raise UserError('each take needs to be {"task": id, "path": path, "hunk": n or null}')
    hunk = item.get("hunk")
    if hunk is not None and (not isinstance(hunk, int) or isinstance(hunk, bool)):
        raise UserError("a take's 'hunk' is a whole number from 1, or null for the whole file")
    return Take(text(item, "task"), text(item, "path"), hunk)
