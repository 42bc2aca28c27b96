"""Operations of the review: a task's changed files, one file's rows, the viewed marks."""

from __future__ import annotations

from collections.abc import Awaitable

from app.core.diff import FileDiff, FileEntry, ReviewSnapshot
from app.core.wire import decode
from app.server.operations.registry import Params, flag, number, operation, text
from app.services.orchard import Orchard, UserError
from app.services.repo import GitError


async def _read[T](reading: Awaitable[T]) -> T:
    try:
        return await reading
    except GitError as exc:
        raise UserError(f"git could not read the task's changes: {exc}") from None


def _snapshot(params: Params) -> ReviewSnapshot:
    snapshot = decode(params.get("snapshot"), ReviewSnapshot)
    if not isinstance(snapshot, ReviewSnapshot):
        raise UserError("the request needs 'snapshot' as a review snapshot")
    return snapshot


@operation("review.files")
async def files(orchard: Orchard, params: Params) -> ReviewSnapshot:
    """Snapshot a task's whole state and list its changed files (with counts if asked)."""
    from app.services.land import review

    task = orchard.task(text(params, "ref"))
    repo = orchard.store.project(task.project).path
    base = await _read(review.review_base(repo, task))
    listing = review.changed_files(
        task.worktree,
        base,
        ignore_whitespace=flag(params, "ignore_whitespace"),
        repo=repo,
        branch=task.branch,
        counts=flag(params, "counts", True),
    )
    return await _read(listing)


@operation("review.count")
async def count(orchard: Orchard, params: Params) -> ReviewSnapshot:
    """List a snapshot's files again, with their +/- counts (with or without whitespace)."""
    from app.services.land import review

    ignore = flag(params, "ignore_whitespace")
    return await _read(review.list_files(_snapshot(params), ignore_whitespace=ignore))


@operation("review.file")
async def file(orchard: Orchard, params: Params) -> FileDiff:
    """Return one file's side-by-side rows, or why it shows none (binary, too large, LFS)."""
    from app.services.land import review

    entry = decode(params.get("entry"), FileEntry)
    if not isinstance(entry, FileEntry):
        raise UserError("the request needs 'entry' as a changed file")
    diff = review.file_diff(
        _snapshot(params),
        entry,
        context=number(params, "context", 3),
        ignore_whitespace=flag(params, "ignore_whitespace"),
        load_anyway=flag(params, "load_anyway"),
    )
    return await _read(diff)


@operation("review.viewed")
async def viewed(orchard: Orchard, params: Params) -> list[str]:
    """Return the files of a task the reviewer marked viewed."""
    from app.services.land import review

    task = orchard.task(text(params, "ref"))
    return sorted(review.read_viewed(orchard.home.logs, task.id))


@operation("review.save_viewed")
async def save_viewed(orchard: Orchard, params: Params) -> None:
    """Keep the files of a task the reviewer marked viewed."""
    from app.services.land import review

    task, keys = orchard.task(text(params, "ref")), params.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise UserError("the request needs 'keys' as a list of text")
    review.save_viewed(orchard.home.logs, task.id, set(keys))
