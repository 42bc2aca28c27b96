"""`orchard doctor`: find and repair what crashes and hand edits left behind."""

from __future__ import annotations

from typing import Any

from app.commands import Handlers


def add_commands(sub: Any) -> Handlers:
    """Add this module's commands to `sub` and return their handlers."""
    return {}
