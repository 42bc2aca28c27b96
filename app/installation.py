"""How Orchard is installed: its application id, its own files, and how it starts its modules.

The same code finds the files in a checkout (`resources/` and `packaging/` beside `app/`), in a
wheel (inside `app/`) and in a frozen bundle (where `sys.executable` is Orchard itself).
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

APP_ID = "dev.orchard.Orchard"  # desktop file, metainfo, icon name and window class
RUN_MODULE = "--run-module"  # `orchard --run-module NAME ARGS...`, for a frozen bundle
ICON_SIZES = (48, 128, 256, 512)
_APP = Path(__file__).resolve().parent


def frozen() -> bool:
    """Say whether this is a bundle built without Python (PyInstaller sets sys.frozen)."""
    return bool(getattr(sys, "frozen", False))


def app_file(relative: str) -> Path:
    """Return one of Orchard's own files, such as `resources/icons/...`, wherever it lives."""
    for base in (_APP, _APP.parent):  # a wheel or a bundle first, then a checkout
        candidate = base / relative
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"Orchard's {relative} is missing from this installation")


def locate_home(explicit: str | None = None) -> Path:
    """Pick Orchard's home: --home, then $ORCHARD_HOME, then the platform's data folder."""
    chosen = explicit or os.environ.get("ORCHARD_HOME")
    if not chosen:
        import platformdirs  # only here: the small client's commands pass --home or the env

        chosen = platformdirs.user_data_dir("orchard", appauthor=False)
    return Path(chosen).expanduser().resolve()


def icon_file(size: int | None = None) -> Path:
    """Return the app icon: the SVG, or the PNG rendered at `size` pixels."""
    if size is None:
        return app_file(f"resources/icons/{APP_ID}.svg")
    return app_file(f"resources/icons/{size}/{APP_ID}.png")


def module_argv(module: str, *args: str) -> tuple[str, ...]:
    """Return the argv that runs a module with Orchard's own Python, frozen or not."""
    if frozen():
        return (sys.executable, RUN_MODULE, module, *args)
    return (sys.executable, "-m", module, *args)


def module_env() -> dict[str, str]:
    """Return the environment for a process started with module_argv().

    A frozen bundle started by a frozen bundle would otherwise take itself for the second
    stage of its parent (the `_PYI_*` variables it inherits) and skip its own set-up, so it
    could not give its agents the user's library path back.
    """
    env = dict(os.environ)
    if frozen():
        env["PYINSTALLER_RESET_ENVIRONMENT"] = "1"
    return env


def restore_child_environment() -> None:
    """Give the programs Orchard starts the library path the user had, not the bundle's.

    A frozen one-folder bundle starts with LD_LIBRARY_PATH pointing into itself (PyInstaller's
    launcher keeps the user's in LD_LIBRARY_PATH_ORIG); git, the agents and test commands
    must not load the bundle's copies of system libraries. This process's own loader read
    the variable at start, so changing it here affects only the children.
    """
    if not frozen():
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = original


def run_module_if_asked(argv: list[str]) -> None:
    """Run `--run-module NAME ARGS...` as `python -m NAME ARGS...` would, then exit."""
    if len(argv) < 3 or argv[1] != RUN_MODULE:
        return
    sys.argv = [argv[2], *argv[3:]]
    runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
    raise SystemExit(0)


def command_hint() -> str:
    """Return how the user starts Orchard here: `uv run orchard` in a checkout, else `orchard`."""
    if not frozen() and (_APP.parent / "pyproject.toml").exists():
        return "uv run orchard"
    return "orchard"
