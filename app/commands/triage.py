"""`orchard triage import|list|set|dispatch|export`: bug-bash reports from the command line."""

from __future__ import annotations

from typing import Any

from app.commands import Handlers


def add_commands(sub: Any) -> Handlers:
    """Add this module's commands to `sub` and return their handlers."""
    return {}
