"""Orchard in the desktop's menu: its entry, icons and metainfo written under XDG_DATA_HOME.

For installs made with `uv tool install` or pip, which give no desktop integration. What is
written is exactly what uninstall removes; the desktop's caches are refreshed where their
tools exist.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from app.installation import APP_ID, ICON_SIZES, app_file, frozen
from app.services import process
from app.services.config import write_atomically
from app.services.errors import UserError

# Characters the desktop entry spec reserves in Exec: an argument holding one is quoted.
_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")
_CACHE_TOOLS = {  # tool -> the folder under the data home it refreshes, and its options
    "update-desktop-database": ("applications", ("-q",)),
    "gtk-update-icon-cache": ("icons/hicolor", ("-q", "-t", "-f")),
}


@dataclass(frozen=True, slots=True)
class DesktopChange:
    """What install or uninstall did: the files it wrote or removed, the caches it refreshed."""

    files: tuple[Path, ...]
    refreshed: tuple[str, ...]


def data_home() -> Path:
    """Return $XDG_DATA_HOME, or ~/.local/share as the XDG spec says."""
    chosen = os.environ.get("XDG_DATA_HOME") or ""
    return Path(chosen) if os.path.isabs(chosen) else Path.home() / ".local" / "share"


def launcher() -> Path:
    """Return the `orchard` program this process was started as, for the entry's Exec."""
    if frozen():
        return Path(sys.executable).resolve()
    started = Path(sys.argv[0])
    if started.name == "orchard" and started.is_file():
        return started.absolute()
    found = shutil.which("orchard")
    if found is None:
        raise UserError("cannot find the orchard command on PATH; install Orchard first")
    return Path(found).absolute()


def planned_files(data: Path) -> dict[Path, str]:
    """Return each file install writes under `data`, with the file of Orchard's it copies."""
    linux = "packaging/linux"
    icons = "resources/icons"
    files = {
        data / "applications" / f"{APP_ID}.desktop": f"{linux}/{APP_ID}.desktop",
        data / "metainfo" / f"{APP_ID}.metainfo.xml": f"{linux}/{APP_ID}.metainfo.xml",
        data / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg": f"{icons}/{APP_ID}.svg",
    }
    for size in ICON_SIZES:
        target = data / f"icons/hicolor/{size}x{size}/apps" / f"{APP_ID}.png"
        files[target] = f"{icons}/{size}/{APP_ID}.png"
    return files


def desktop_entry(template: str, program: Path) -> str:
    """Return the desktop entry with Exec and TryExec pointing at `program`."""
    quoted = exec_value(str(program))
    lines = []
    for line in template.splitlines():
        key = line.partition("=")[0]
        if key == "Exec":
            line = f"Exec={quoted}"
        elif key == "TryExec":
            line = f"TryExec={_string_value(str(program))}"
        lines.append(line)
    return "\n".join(lines) + "\n"


async def install_desktop(data: Path | None = None, program: Path | None = None) -> DesktopChange:
    """Write the entry, icons and metainfo under the data home and refresh the caches."""
    data = data or data_home()
    program = program or launcher()
    exec_value(str(program))  # a path no desktop could start is refused before anything
    written = []
    for target, source in planned_files(data).items():
        content = app_file(source).read_bytes()
        if target.suffix == ".desktop":
            content = desktop_entry(content.decode("utf-8"), program).encode("utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, content)
        target.chmod(0o644)
        written.append(target)
    return DesktopChange(tuple(written), await refresh_caches(data))


async def uninstall_desktop(data: Path | None = None) -> DesktopChange:
    """Remove exactly what install writes, then refresh the caches so menus forget it."""
    data = data or data_home()
    removed = []
    for target in planned_files(data):
        if target.exists() or target.is_symlink():
            target.unlink()
            removed.append(target)
    return DesktopChange(tuple(removed), await refresh_caches(data))


async def refresh_caches(data: Path) -> tuple[str, ...]:
    """Run the desktop's cache tools that are installed; return the names of those that ran."""
    ran = []
    for tool, (folder, options) in _CACHE_TOOLS.items():
        path = data / folder
        if shutil.which(tool) is None or not path.is_dir():
            continue
        result = await process.run([tool, *options, str(path)], timeout=30)
        if result.returncode == 0:
            ran.append(tool)
    return tuple(ran)


def exec_value(path: str) -> str:
    """Return `path` as the desktop entry's Exec value: quoted where needed, then escaped."""
    if "%" in path or any(ord(c) < 0x20 or c == "\x7f" for c in path):
        raise UserError(
            f"cannot make a desktop entry for {path}: a '%' or a control character in the "
            "path is something desktops do not start; install Orchard under another folder"
        )
    if any(c in path for c in _RESERVED):
        inner = "".join("\\" + c if c in '"`$\\' else c for c in path)
        path = f'"{inner}"'
    return _string_value(path)


def _string_value(text: str) -> str:
    """Escape a desktop entry string value (the spec's \\s, \\n, \\t, \\r and \\\\)."""
    return text.replace("\\", "\\\\")
