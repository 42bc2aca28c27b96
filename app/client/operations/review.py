"""Operations of the review: a task's changed files, one file's rows, the viewed marks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from app.client.operations.calls import Asker
from app.core.diff import FileDiff, FileEntry, ReviewSnapshot
from app.core.wire import encode


def _bare(snapshot: ReviewSnapshot) -> object:
    """Return what names a snapshot (its repository, base and tree): never its file list."""
    return encode(replace(snapshot, files=()))


class ReviewOperations(Asker):
    """What the review window reads, from the process that supervises the task."""

    async def review_files(
        self, ref: str, ignore_whitespace: bool = False, counts: bool = True
    ) -> ReviewSnapshot:
        """Snapshot a task's whole state and list its changed files (with counts if asked)."""
        found: ReviewSnapshot = await self.do(
            "review.files", ReviewSnapshot, ref=ref, ignore_whitespace=ignore_whitespace,
            counts=counts,
        )  # fmt: skip
        return found

    async def review_counts(
        self, snapshot: ReviewSnapshot, ignore_whitespace: bool = False
    ) -> ReviewSnapshot:
        """List a snapshot's files again with their +/- counts."""
        found: ReviewSnapshot = await self.do(
            "review.count", ReviewSnapshot, snapshot=_bare(snapshot),
            ignore_whitespace=ignore_whitespace,
        )  # fmt: skip
        return found

    async def review_file(
        self,
        snapshot: ReviewSnapshot,
        entry: FileEntry,
        context: int = 3,
        ignore_whitespace: bool = False,
        load_anyway: bool = False,
    ) -> FileDiff:
        """Return one file's side-by-side rows, or why it shows none."""
        found: FileDiff = await self.do(
            "review.file", FileDiff, snapshot=_bare(snapshot), entry=encode(entry),
            context=context, ignore_whitespace=ignore_whitespace, load_anyway=load_anyway,
        )  # fmt: skip
        return found

    async def viewed(self, ref: str) -> set[str]:
        """Return the files of a task the reviewer marked viewed."""
        return set(await self.do("review.viewed", list[str], ref=ref))

    async def save_viewed(self, ref: str, keys: Iterable[str]) -> None:
        """Keep the files of a task the reviewer marked viewed."""
        await self.do("review.save_viewed", ref=ref, keys=sorted(keys))
