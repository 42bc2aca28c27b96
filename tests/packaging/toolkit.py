"""Helpers for the packaging tests: the desktop's tools, and the installed `orchard` script."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import need_program


def need_tool(name: str) -> str:
    """Return where a desktop tool is; skip without it, unless CI requires the tools."""
    return need_program(name, "ORCHARD_TOOLS_REQUIRED", "apt-get install desktop-file-utils")


def orchard_script() -> Path:
    """Return the `orchard` console script of the environment running the tests."""
    script = Path(sys.executable).parent / "orchard"
    if not script.exists():
        pytest.fail(f"no orchard script beside {sys.executable}; run the tests with `uv run`")
    return script
