"""`orchard task …` subcommands grouped by feature; cli.py wires them in.

Each module has `add_commands(sub)`, which adds its parsers to the `task` subparsers and
returns its handlers keyed by ("task", action). The `triage` group's modules do the same for
`orchard triage …` (keys ("triage", action)); doctor.py adds top-level commands (keys
(command, None) when the command has no action).
"""

from __future__ import annotations

from typing import Any

from app.commands.handler import (
    Handler,
    Handlers,
    HomelessHandler,
    HomelessHandlers,
    ops_of,
    print_json,
    read_prompt,
)
from app.commands.service import follow_service, hand_over, service_wanted

__all__ = [
    "Handler",
    "Handlers",
    "HomelessHandler",
    "HomelessHandlers",
    "add_homeless_commands",
    "add_task_commands",
    "add_top_commands",
    "follow_service",
    "hand_over",
    "ops_of",
    "print_json",
    "read_prompt",
    "service_wanted",
]


def add_task_commands(sub: Any) -> Handlers:
    """Add every feature's `task` subcommands to `sub` and return their handlers."""
    from app.commands import compare, doctor, followup, forecast, land, pullrequest

    handlers: Handlers = {}
    for module in (land, followup, forecast, pullrequest, compare):
        handlers.update(module.add_commands(sub))
    handlers.update(doctor.add_task_commands(sub))  # task resume
    return handlers


def add_top_commands(sub: Any) -> Handlers:
    """Add the feature command groups (`triage`, `doctor`) to the top-level `sub`."""
    from app.commands import doctor, duplicates, inbox, secret, train, triage, triagesuggest

    triage_parser = sub.add_parser("triage", help="take in, triage and dispatch bug reports")
    triage_sub = triage_parser.add_subparsers(
        dest="action", required=True, parser_class=type(triage_parser)
    )
    handlers: Handlers = {}
    for module in (triage, triagesuggest, duplicates):
        handlers.update(module.add_commands(triage_sub))
    handlers.update(doctor.add_commands(sub))
    handlers.update(secret.add_commands(sub))
    handlers.update(train.add_commands(sub))
    handlers.update(inbox.add_commands(sub))
    return handlers


def add_homeless_commands(sub: Any) -> HomelessHandlers:
    """Add the commands that open no Orchard home (`desktop`, `service`); return their handlers."""
    from app.commands import desktop, service

    return {**desktop.add_commands(sub), **service.add_commands(sub)}
