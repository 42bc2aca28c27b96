"""What every command module shares: the handler's type and the JSON its --json prints."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from app.client import Operations
from app.core.tasktext import cli_json
from app.services.orchard import Orchard

Handler = Callable[[Orchard, argparse.Namespace], Awaitable[int]]
Handlers = dict[tuple[str, str | None], Handler]


def ops_of(args: argparse.Namespace) -> Operations:
    """Return the operations of whichever process supervises the home (set by the dispatch)."""
    ops = args.ops
    assert isinstance(ops, Operations)
    return ops


def print_json(value: Any) -> None:
    """Print `value` as the indented JSON every command's --json prints."""
    print(cli_json(value))


# Commands that need no Orchard home (such as `orchard desktop`) take only their arguments.
HomelessHandler = Callable[[argparse.Namespace], Awaitable[int]]
HomelessHandlers = dict[tuple[str, str | None], HomelessHandler]
