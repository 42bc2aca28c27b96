"""A task's log: the structured and raw views, and the search across every task's log."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.qt.log.searchpanel import LogSearchPanel as LogSearchPanel
    from app.qt.log.view import LogView as LogView
else:
    __getattr__ = lazy_exports(
        __name__, names={"searchpanel": ("LogSearchPanel",), "view": ("LogView",)}
    )
