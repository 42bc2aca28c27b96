"""Needs you: the broker of every agent's request, the projects' lists, the agents' door to it."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.services.inbox.broker import Asker as Asker
    from app.services.inbox.broker import Inbox as Inbox
    from app.services.inbox.door import Door as Door
    from app.services.inbox.door import door_path as door_path
    from app.services.inbox.rules import RULES_FILE as RULES_FILE
    from app.services.inbox.rules import Rules as Rules
    from app.services.inbox.rules import unreadable as unreadable
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "broker": ("Asker", "Inbox"),
            "door": ("Door", "door_path"),
            "rules": ("RULES_FILE", "Rules", "unreadable"),
        },
    )
