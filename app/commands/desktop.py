"""`orchard desktop install|uninstall`: Orchard in the desktop's menu, with its icon."""

from __future__ import annotations

import argparse
from typing import Any

from app.commands.handler import HomelessHandlers, print_json
from app.services.desktop import DesktopChange, data_home, install_desktop, uninstall_desktop


def add_commands(sub: Any) -> HomelessHandlers:
    """Add the `desktop` command group to the top-level `sub` and return its handlers."""
    parser = sub.add_parser(
        "desktop",
        help="add Orchard to the desktop's menu, or take it out",
        description="Writes (or removes) Orchard's desktop entry, icons and metainfo under "
        "$XDG_DATA_HOME (default ~/.local/share), for installs made with uv tool or pip.",
    )
    actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    for name, help_text in (
        ("install", "write the menu entry, icons and metainfo for this orchard"),
        ("uninstall", "remove exactly what install wrote"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("--json", action="store_true")
    return {("desktop", "install"): cmd_install, ("desktop", "uninstall"): cmd_uninstall}


async def cmd_install(args: argparse.Namespace) -> int:
    """Install the desktop entry and say what was written."""
    change = await install_desktop()
    _report(change, "wrote", args.json)
    if not args.json:
        print("Orchard is in the desktop's menu (it may take a moment to appear).")
    return 0


async def cmd_uninstall(args: argparse.Namespace) -> int:
    """Remove the desktop entry and say what was removed."""
    change = await uninstall_desktop()
    _report(change, "removed", args.json)
    if not args.json and not change.files:
        print(f"nothing to remove: Orchard's desktop entry is not under {data_home()}")
    return 0


def _report(change: DesktopChange, verb: str, as_json: bool) -> None:
    if as_json:
        print_json({verb: [str(p) for p in change.files], "refreshed": list(change.refreshed)})
        return
    for path in change.files:
        print(f"{verb} {path}")
    for tool in change.refreshed:
        print(f"refreshed the desktop's cache with {tool}")
