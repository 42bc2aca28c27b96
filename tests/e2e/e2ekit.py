"""Helpers shared by the end-to-end tests of the real agent CLIs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Cli, need_program


def need(binary: str) -> str:
    """Return where `binary` is; skip the test if it is missing (fail if e2e is required)."""
    return need_program(binary, "ORCHARD_E2E_REQUIRED", "npm install -g")


def task_events(cli: Cli, task_id: str, env: dict[str, str]) -> list[dict[str, Any]]:
    """Return the task's normalized events, as `task logs --json` prints them."""
    out = cli("task", "logs", task_id, "--json", env=env).out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def allow_everything(home: Path, project: str = "repo") -> None:
    """Let the project's agents run any command that is not dangerous without asking."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "inbox.toml").write_text(f'[projects.{project}]\nallow = ["*"]\ndeny = []\n')
