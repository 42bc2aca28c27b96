"""Words as a person reads them: a count with the noun in the right number."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """Return "1 task", "3 tasks", "0 tasks" (or the plural given: "2 matches")."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
