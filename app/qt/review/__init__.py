"""The review window: changed files, side-by-side diffs with syntax colour, line comments."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.qt.review.controller import ReviewController as ReviewController
    from app.qt.review.controller import open_review as open_review
    from app.qt.review.diffview import DiffView as DiffView
else:
    __getattr__ = lazy_exports(
        __name__,
        names={"controller": ("ReviewController", "open_review"), "diffview": ("DiffView",)},
    )
