"""ruff (check and format) and mypy run with the tests, so CI holds them."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _tool(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    "argv",
    [("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",)],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_is_clean(argv: tuple[str, ...]) -> None:
    if shutil.which(argv[0]) is None and _tool(argv[0], "--version").returncode != 0:
        pytest.fail(f"{argv[0]} is not installed; run the tests with `uv run pytest`")
    result = _tool(*argv)
    assert result.returncode == 0, result.stdout + result.stderr
