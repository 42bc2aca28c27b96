"""Needs you, with the real Codex CLI through `codex app-server` against the scripted model.

A foreground `orchard run` (no service) supervises; `orchard inbox` and `orchard answer`, run
as other processes, reach it through the inbox's door. The scripted model runs `touch x` with
its shell tool, or writes a file with its apply_patch tool.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Cli, child_env, git
from tests.e2e.agent_env import codex_env
from tests.e2e.e2ekit import need, task_events
from tests.e2e.model_server import ScriptedModelServer, patch

pytestmark = pytest.mark.e2e


def _env(url: str, tmp: Path) -> dict[str, str]:
    return {**codex_env(url, tmp / "agent"), "ORCHARD_SERVICE": "off"}


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[str]]]:
    runs: list[subprocess.Popen[str]] = []
    yield runs
    for run in runs:
        if run.poll() is None:
            run.kill()
            run.wait()


def _start_run(home: Path, env: dict[str, str], runs: list[subprocess.Popen[str]]) -> Any:
    run = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(home), "run"],
        env=child_env(env), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    runs.append(run)
    return run


def _waiting(cli: Cli, env: dict[str, str], timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = cli("inbox", "--json", env=env)
        if found.code == 0 and found.out.strip() and (items := json.loads(found.out)):
            assert len(items) == 1, items
            return dict(items[0])
        time.sleep(0.3)
    raise AssertionError("no request waited in the inbox")


def _task(cli: Cli, repo: Path, env: dict[str, str], prompt: str) -> str:
    assert cli("project", "add", str(repo), env=env).code == 0
    made = cli("task", "new", "repo", prompt, "--agent", "codex", env=env)
    assert made.code == 0, made.err
    return made.out.strip()


def _files(repo: Path, task: dict[str, Any]) -> list[str]:
    return git(repo, "ls-tree", "-r", "--name-only", task["branch"]).split()


def test_a_command_waits_until_allowed_and_the_user_config_stays_clean(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("codex")
    with ScriptedModelServer(["touch x"]) as srv:
        env = _env(srv.base_url, tmp_path)
        config = Path(env["CODEX_HOME"]) / "config.toml"
        before = config.read_text()
        task_id = _task(cli, repo, env, "Create x")
        run = _start_run(home, env, running)
        item = _waiting(cli, env)
        assert (item["task"], item["agent"], item["kind"]) == (task_id, "codex", "command")
        assert "touch x" in item["command"] and item["id"] == f"{task_id}-1"
        assert not (Path(item["cwd"]) / "x").exists()  # nothing ran before the answer
        answered = cli("answer", item["id"], "--allow", env=env)
        assert answered.code == 0, answered.err
        assert run.wait(timeout=120) == 0, run.stderr.read()
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert task["state"] == "succeeded" and task["session_id"]
    assert "x" in _files(repo, task)
    # Codex trusts the worktree for its thread only: nothing was added to the user's config.
    assert config.read_text() == before and "[projects" not in before


def test_denied_the_model_sees_the_message(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("codex")
    with ScriptedModelServer(["touch x"]) as srv:
        env = _env(srv.base_url, tmp_path)
        task_id = _task(cli, repo, env, "Create x")
        run = _start_run(home, env, running)
        item = _waiting(cli, env)
        assert cli("answer", item["id"], "--deny", "not in this repo", env=env).code == 0
        assert run.wait(timeout=120) == 0, run.stderr.read()
        seen = json.dumps([r.body for r in srv.requests])
    assert "not in this repo" in seen
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert task["state"] == "succeeded" and "x" not in _files(repo, task)
    commands = [e for e in task_events(cli, task_id, env) if e["kind"] == "command"]
    assert commands and commands[-1]["status"] == "declined"


def test_a_file_change_waits_with_its_diff(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("codex")
    with ScriptedModelServer([patch("notes.txt", "one", "two")]) as srv:
        env = _env(srv.base_url, tmp_path)
        task_id = _task(cli, repo, env, "Write notes.txt")
        run = _start_run(home, env, running)
        item = _waiting(cli, env)
        assert (item["kind"], item["path"]) == ("file_change", "notes.txt")
        assert not (Path(item["cwd"]) / "notes.txt").exists()
        assert cli("answer", item["id"], "--allow", env=env).code == 0
        assert run.wait(timeout=120) == 0, run.stderr.read()
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert task["state"] == "succeeded"
    assert git(repo, "show", f"{task['branch']}:notes.txt") == "one\ntwo\n"
    changes = [e for e in task_events(cli, task_id, env) if e["kind"] == "file_change"]
    assert changes[-1]["status"] == "completed" and changes[-1]["change"] == "add"


def test_a_shell_free_prompt_does_not_ask(cli: Cli, repo: Path, tmp_path: Path) -> None:
    need("codex")
    with ScriptedModelServer([], "Nothing to run.") as srv:
        env = _env(srv.base_url, tmp_path)
        task_id = _task(cli, repo, env, "Say something")
        run = cli("run", env=env, timeout=120)  # an ask would wait: the run would time out
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert run.code == 0 and task["state"] == "succeeded"
    assert any(e.get("text") == "Nothing to run." for e in task_events(cli, task_id, env))


def test_a_request_pending_at_a_crash_is_never_allowed_and_the_thread_resumes(
    cli: Cli, repo: Path, home: Path, tmp_path: Path, running: list[Any]
) -> None:
    need("codex")
    with ScriptedModelServer(["touch x"]) as srv:
        env = _env(srv.base_url, tmp_path)
        task_id = _task(cli, repo, env, "Create x")
        run = _start_run(home, env, running)
        item = _waiting(cli, env)
        os.kill(run.pid, signal.SIGKILL)  # the supervisor dies with the request pending
        run.wait()
        refused = cli("answer", item["id"], "--allow", env=env)
        assert refused.code == 1 and refused.err.count("\n") == 1
        time.sleep(2)
        assert not (Path(item["cwd"]) / "x").exists()

        # The next supervisor finds the task interrupted; a follow-up resumes its thread.
        assert cli("run", env=env, timeout=60).code in (0, 1)
        task = cli("task", "show", task_id, "--json", env=env).json()
        session = task["session_id"]
        assert task["state"] == "interrupted" and session
        assert not (Path(item["cwd"]) / "x").exists()
        assert cli("task", "followup", task_id, "Go on.", env=env).code == 0
        run = _start_run(home, env, running)
        again = _waiting(cli, env)
        # Asked again in the resumed thread. (Its id is "<task>-1" again: the new process's
        # inbox counts afresh, so ids are stable within one supervisor only.)
        assert "touch x" in again["command"] and again["task"] == task_id
        assert cli("answer", again["id"], "--allow", env=env).code == 0
        assert run.wait(timeout=120) == 0, run.stderr.read()
    task = cli("task", "show", task_id, "--json", env=env).json()
    assert (task["state"], task["session_id"], task["turns"]) == ("succeeded", session, 2)
    assert "x" in _files(repo, task)
