"""Needs you: the inbox of every agent's waiting request, and each project's list."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.qt.inbox.controller import InboxController as InboxController
    from app.qt.inbox.model import InboxModel as InboxModel
    from app.qt.inbox.rules import RulesController as RulesController
    from app.qt.inbox.rules import RulesView as RulesView
    from app.qt.inbox.view import InboxView as InboxView
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "controller": ("InboxController",),
            "model": ("InboxModel",),
            "rules": ("RulesController", "RulesView"),
            "view": ("InboxView",),
        },
    )
