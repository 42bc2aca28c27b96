"""The error every layer raises for bad input or a forbidding state: its message is for the user."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a state that forbids the request; the message says what to do."""
