"""What every command module shares: the handler's type and the JSON its --json prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.client import Operations
from app.core.tasktext import cli_json
from app.services.orchard import Orchard, UserError

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


def read_prompt(prompt: str | None, prompt_file: str | None) -> str:
    """Return the prompt given on the command line, in a file, or (`-`) on stdin."""
    if prompt is not None and prompt_file is not None:
        raise UserError("give the prompt or --prompt-file, not both")
    source = prompt_file if prompt_file is not None else prompt
    if source is None:
        raise UserError(
            "say what the agent should do: a prompt, --prompt-file PATH, or - for stdin"
        )
    if source == "-":
        return sys.stdin.read()
    if prompt_file is None:
        return source
    try:
        return Path(prompt_file).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UserError(
            f"cannot read the prompt from {prompt_file}: {exc.strerror or exc}"
        ) from None
