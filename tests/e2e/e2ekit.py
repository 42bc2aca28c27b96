"""Helpers shared by the end-to-end tests of the real agent CLIs."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

import pytest

from tests.conftest import Cli


def need(binary: str) -> str:
    """Return where `binary` is; skip the test if it is missing (fail if e2e is required)."""
    path = shutil.which(binary)
    if path is None:
        if os.environ.get("ORCHARD_E2E_REQUIRED") == "1":
            pytest.fail(f"{binary} is not installed but the e2e tests are required")
        pytest.skip(f"{binary} is not installed (npm install -g)")
    return path


def task_events(cli: Cli, task_id: str, env: dict[str, str]) -> list[dict[str, Any]]:
    """Return the task's normalized events, as `task logs --json` prints them."""
    out = cli("task", "logs", task_id, "--json", env=env).out
    return [json.loads(line) for line in out.splitlines() if line.strip()]
