"""`orchard task` subcommands: followup."""

from __future__ import annotations

from typing import Any

from app.commands import Handlers


def add_commands(sub: Any) -> Handlers:
    """Add this feature's subcommands to `sub` and return their handlers."""
    return {}
