"""`orchard secret …`: keep tokens and API keys in the keyring or a 0600 file, not config.toml."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from app.commands.handler import Handlers, ops_of, print_json
from app.services.config import KNOWN, SecretsError, SecretStore
from app.services.orchard import Orchard, UserError


def add_commands(sub: Any) -> Handlers:
    """Add the `secret` command group to the top-level `sub` and return its handlers."""
    parser = sub.add_parser("secret", help="store tokens and API keys outside config.toml")
    actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    names = ", ".join(KNOWN)
    put = actions.add_parser("set", help="store a secret read from the terminal or stdin")
    put.add_argument("name", help=f"the secret's name ({names})")
    drop = actions.add_parser("delete", help="forget a secret")
    drop.add_argument("name")
    listing = actions.add_parser("list", help="list stored secrets' names and where they are")
    listing.add_argument("--json", action="store_true")
    return {
        ("secret", "set"): cmd_secret_set,
        ("secret", "delete"): cmd_secret_delete,
        ("secret", "list"): cmd_secret_list,
    }


async def cmd_secret_set(orchard: Orchard, args: argparse.Namespace) -> int:
    """Read the value without echoing it (never from argv, which others can see)."""
    tty = sys.stdin.isatty()
    value = (getpass.getpass(f"{args.name}: ") if tty else sys.stdin.readline()).strip()
    if not value:
        raise UserError(f"no value given for {args.name}; type it or pipe it on stdin")
    try:
        stored = SecretStore(orchard.home.root).set(args.name, value)
    except SecretsError as exc:
        raise UserError(str(exc)) from None
    await ops_of(args).reload_settings()  # the agents the service starts next have it
    print(f"stored {stored.name} in {stored.where}")
    return 0


async def cmd_secret_delete(orchard: Orchard, args: argparse.Namespace) -> int:
    try:
        gone = SecretStore(orchard.home.root).delete(args.name)
    except SecretsError as exc:
        raise UserError(str(exc)) from None
    if not gone:
        raise UserError(f"no secret named {args.name} is stored")
    await ops_of(args).reload_settings()
    print(f"deleted {args.name}")
    return 0


async def cmd_secret_list(orchard: Orchard, args: argparse.Namespace) -> int:
    try:
        stored = SecretStore(orchard.home.root).names()
    except SecretsError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print_json([{"name": s.name, "where": s.where} for s in stored])
        return 0
    for s in stored:
        print(f"{s.name}\t{s.where}")
    if not stored:
        print(f"no secrets stored (known names: {', '.join(KNOWN)})")
    return 0
