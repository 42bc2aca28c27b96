"""A car of the land train that conflicts goes back to the real Codex CLI, which fixes it.

The background service runs the train and the agents; Codex talks to the scripted model on
127.0.0.1. The model's one command per turn writes the task's work on its first turn and, on
the turn it is sent back for, rewrites the conflicting file as the target has it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.client import stop_service
from tests.conftest import Cli, CliResult, git, make_repo
from tests.e2e.agent_env import codex_env
from tests.e2e.e2ekit import allow_everything, need
from tests.e2e.model_server import ScriptedModelServer
from tests.server.conftest import SERVICE_ON, task_state, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

FIX = (
    "if [ -e codex.txt ]; then printf 'first\\n' > shared.txt; "
    "else printf 'codex\\n' > shared.txt; printf 'codex\\n' > codex.txt; fi"
)


def test_a_conflicting_car_sent_back_to_codex_rejoins_and_lands(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    need("codex")
    allow_everything(home, "gated")  # asking is test_codex_asks_e2e's
    repo = make_repo(tmp_path / "repo", {"shared.txt": "one\n"})
    with ScriptedModelServer([FIX]) as srv:
        env = {**codex_env(srv.base_url, tmp_path / "agent"), **SERVICE_ON}

        def on(*args: str, timeout: float = 60) -> CliResult:
            return cli(*args, env=env, timeout=timeout)

        try:
            _ride(on, repo, srv)
        finally:
            stop_service(home, force=True)


def _ride(on: Cli, repo: Path, srv: ScriptedModelServer) -> None:
    assert (
        on("project", "add", str(repo), "--name", "gated", "--test", "test -f shared.txt").code == 0
    )
    first = on("task", "new", "gated", "echo first > shared.txt", "--agent", "shell").out.strip()
    fixer = on("task", "new", "gated", "Write codex.txt", "--agent", "codex").out.strip()
    for task_id in (first, fixer):
        wait_for(lambda t=task_id: task_state(on, t) == "succeeded", 240, f"task {task_id}")
    assert on("land", "add", first, fixer, "--send-back").code == 0
    wait_for(lambda: task_state(on, fixer) == "merged", 300, "Codex's fixed car to land")

    rides = [c for t in on("land", "list", "--json").json() for c in t["cars"]]
    mine = sorted((c for c in rides if c["task"] == fixer), key=lambda c: c["id"])
    assert [c["state"] for c in mine] == ["ejected", "landed"]
    assert "'shared.txt'" in mine[0]["reason"] and first[:8] in mine[0]["reason"]
    assert task_state(on, first) == "merged"
    assert git(repo, "show", "main:shared.txt") == "first\n"
    assert git(repo, "show", "main:codex.txt") == "codex\n"
    task = on("task", "show", fixer, "--json").json()
    assert task["turns"] == 2  # the send-back was a resumed turn of the same session
    asked = [json.dumps(r.body) for r in srv.requests if isinstance(r.body, dict)]
    assert any("Your change could not land on main" in body for body in asked)
