"""`orchard triage suggest`: category, priority, owner and duplicate suggestions from an LLM."""

from __future__ import annotations

from typing import Any

from app.commands import Handlers


def add_commands(sub: Any) -> Handlers:
    """Add this module's commands to `sub` and return their handlers."""
    return {}
