"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def running(home: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Foreground `orchard run`s a test starts, killed if they outlive it."""
    runs: list[subprocess.Popen[str]] = []
    yield runs
    for run in runs:
        if run.poll() is None:
            run.kill()
            run.wait()
