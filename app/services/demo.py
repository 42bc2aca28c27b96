"""A throwaway demo: a small repository, a temporary home, tasks for the demo agent."""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.core.demoscript import DEMO_FILES as DEMO_FILES
from app.core.demoscript import DEMO_PROMPTS as DEMO_PROMPTS
from app.core.task import Project, Task
from app.services.config import Home
from app.services.orchard import Orchard
from app.services.repo import git


async def make_demo_repo(folder: Path) -> Path:
    """Create the demo repository with one commit."""
    repo = folder / "demo-shop"
    for name, text in DEMO_FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    await git.git(str(repo), "init", "--quiet", "--initial-branch", "main")
    await git.git(str(repo), "add", "--all")
    env = await git.identity_env(str(repo))
    await git.git(str(repo), "commit", "--quiet", "-m", "Demo shop", env=env)
    return repo


async def start_demo(root: Path | None = None) -> tuple[Orchard, Project, list[Task]]:
    """Build a demo home and repository, and queue the demo tasks."""
    folder = root or Path(tempfile.mkdtemp(prefix="orchard-demo-"))
    orchard = Orchard(Home(folder / "home"))
    repo = await make_demo_repo(folder)
    project = await orchard.add_project(str(repo), name="demo-shop")
    tasks = []
    for title, prompt, attempts in DEMO_PROMPTS:
        tasks += await orchard.new_tasks(
            project.name, prompt, agent="demo", title=title, attempts=attempts
        )
    return orchard, project, tasks
