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

from app.installation import APP_ID, ICON_SIZES, app_file, frozen, icon_file
from app.services import process
from app.services.config import write_atomically
from app.services.errors import UserError

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


def planned_files(data: Path) -> dict[Path, Path]:
    """Return each file install writes under `data`, with the file it is made from."""
    linux = "packaging/linux"
    files = {
        data / "applications" / f"{APP_ID}.desktop": app_file(f"{linux}/{APP_ID}.desktop"),
        data / "metainfo" / f"{APP_ID}.metainfo.xml": app_file(f"{linux}/{APP_ID}.metainfo.xml"),
        data / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg": icon_file(),
    }
    for size in ICON_SIZES:
        files[data / f"icons/hicolor/{size}x{size}/apps" / f"{APP_ID}.png"] = icon_file(size)
    return files


def desktop_entry(template: str, program: Path) -> str:
    """Return the desktop entry with Exec and TryExec pointing at `program`."""
    quoted = _exec_quoted(str(program))
    lines = []
    for line in template.splitlines():
        key = line.partition("=")[0]
        if key == "Exec":
            line = f"Exec={quoted}"
        elif key == "TryExec":
            line = f"TryExec={program}"
        lines.append(line)
    return "\n".join(lines) + "\n"


async def install_desktop(data: Path | None = None, program: Path | None = None) -> DesktopChange:
    """Write the entry, icons and metainfo under the data home and refresh the caches."""
    data = data or data_home()
    program = program or launcher()
    written = []
    for target, source in planned_files(data).items():
        content = source.read_bytes()
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


def _exec_quoted(path: str) -> str:
    """Quote a path for an Exec key, as the desktop entry spec asks."""
    if not any(c in path for c in " \t\n\"'\\><~|&;$*?#()`%"):
        return path
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped.replace("%", "%%")}"'
