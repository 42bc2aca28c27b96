"""Orchard's own commits and reviews of an agent's work leave build junk out, .gitignore or not."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.services.config.settings import Home
from app.services.land import land_task
from app.services.orchard import Orchard
from app.services.repo import git as gitsvc
from tests.conftest import git, make_repo

pytestmark = pytest.mark.timeout(60)

JUNK = (
    "src/__pycache__/app.cpython-312.pyc",
    "stray.pyc",
    "node_modules/left-pad/index.js",
    ".pytest_cache/v/cache/lastfailed",
    ".mypy_cache/3.12/app.meta.json",
    ".venv/bin/python",
    "shop.egg-info/PKG-INFO",
    "docs/.DS_Store",
)
WRITE = "; ".join(f"mkdir -p $(dirname {p}) && echo junk > {p}" for p in JUNK)


def test_the_agents_commit_and_the_squash_land_leave_out_build_junk(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"src/app.py": "x = 1\n"})  # no .gitignore at all
    assert not (repo / ".gitignore").exists()

    async def body() -> None:
        orchard = Orchard(Home(tmp_path / "home"))
        try:
            await orchard.add_project(str(repo), name="repo")
            prompt = f"{WRITE}; echo 'x = 2' > src/app.py"
            [task] = await orchard.new_tasks("repo", prompt, agent="shell")
            await orchard.supervisor.run()
            task = orchard.task(task.id)
            assert task.state is TaskState.SUCCEEDED
            committed = git(Path(task.worktree), "show", "--name-only", "--format=", task.branch)
            assert committed.split() == ["src/app.py"]
            diff = await gitsvc.diff_text(task.worktree, task.base_commit, stat=True)
            assert "pyc" not in diff and "node_modules" not in diff
            await land_task(orchard, task.id, strategy="squash")
        finally:
            orchard.close()

    asyncio.run(body())
    landed = git(repo, "ls-tree", "-r", "--name-only", "main").split()
    assert landed == ["src/app.py"]
    assert git(repo, "show", "main:src/app.py") == "x = 2\n"
