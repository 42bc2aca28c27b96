"""Fault: an agent writes outside its worktree. Under bubblewrap it cannot; without, it says so."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.core.profiles import AgentProfile, OutputFormat
from app.core.states import TaskState
from app.core.task import Task
from app.services.config.settings import Home, Settings, default_profiles
from app.services.orchard import Orchard
from tests.conftest import git, make_repo


def _bwrap_problem() -> str | None:
    path = shutil.which("bwrap")
    if path is None:
        return "bubblewrap (bwrap) is not installed; apt-get install bubblewrap"
    probe = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid"]
    done = subprocess.run([*probe, "true"], capture_output=True, text=True, timeout=30)
    return None if done.returncode == 0 else f"bwrap cannot sandbox here: {done.stderr.strip()}"


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder the user can write, outside the worktree and outside /tmp."""
    folder = Path.home() / f".orchard-sandbox-test-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    yield folder
    shutil.rmtree(folder)


def _boxed(env: dict[str, str] | None = None) -> AgentProfile:
    argv = ("sh", "-c", "{prompt}")
    return AgentProfile("boxed", argv, OutputFormat.TEXT, env=env or {}, sandbox="bwrap")


def _run(tmp_path: Path, profile: AgentProfile, prompt: str) -> tuple[Task, list[dict[str, Any]]]:
    async def body() -> tuple[Task, list[dict[str, Any]]]:
        settings = Settings(profiles={**default_profiles(), profile.name: profile})
        orchard = Orchard(Home(tmp_path / "home"), settings=settings)
        try:
            await orchard.add_project(str(tmp_path / "repo"), name="repo")
            [task] = await orchard.new_tasks("repo", prompt, agent=profile.name)
            await orchard.supervisor.run()
            path = orchard.home.logs / task.id / "events.jsonl"
            events = [orjson.loads(line) for line in path.read_bytes().splitlines()]
            return orchard.task(task.id), events
        finally:
            orchard.close()

    make_repo(tmp_path / "repo")
    return asyncio.run(body())


@pytest.mark.skipif(_bwrap_problem() is not None, reason=str(_bwrap_problem()))
def test_a_sandboxed_agent_writes_its_worktree_and_nothing_else(
    tmp_path: Path, outside: Path
) -> None:
    repo_file = tmp_path / "repo" / "escaped.txt"
    prompt = (
        "echo inside > inside.txt; "
        f"touch {outside}/x 2>/dev/null && echo outside-written || echo outside-blocked; "
        f"echo sneaky > {repo_file} 2>/dev/null; "
        "echo scratch > /tmp/scratch && echo tmp-ok; "
        "git add inside.txt && echo git-add-ok"
    )
    task, events = _run(tmp_path, _boxed(), prompt)
    assert task.state is TaskState.SUCCEEDED, task.error
    texts = "\n".join(e.get("text", "") for e in events).splitlines()
    assert "outside-blocked" in texts and "outside-written" not in texts
    assert "tmp-ok" in texts and "git-add-ok" in texts
    assert not (outside / "x").exists()
    assert not repo_file.exists()  # /tmp was a fresh tmpfs: the repo beneath it untouched
    assert git(Path(task.worktree), "show", f"{task.branch}:inside.txt") == "inside\n"
    assert not any(t.startswith("sandbox:") for t in texts)


def test_without_bwrap_the_agent_runs_and_the_log_says_why(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # a PATH with the agent's tools and no bwrap
    bin_dir.mkdir()
    for tool in ("sh", "touch", "cat"):
        found = shutil.which(tool)
        assert found is not None
        os.symlink(found, bin_dir / tool)
    profile = _boxed({"PATH": str(bin_dir)})
    task, events = _run(tmp_path, profile, "touch made.txt; echo ran")
    assert task.state is TaskState.SUCCEEDED, task.error
    notices = [e["text"] for e in events if e.get("text", "").startswith("sandbox:")]
    assert notices == [
        "sandbox: bubblewrap (bwrap) is not installed, so the agent runs without a "
        "sandbox; install the bubblewrap package to keep it inside its worktree"
    ]
    assert git(Path(task.worktree), "show", f"{task.branch}:made.txt") == ""
    assert "ran" in "\n".join(e.get("text", "") for e in events).splitlines()
