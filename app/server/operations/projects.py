"""Operations on projects: add one, list them, and the demo project with its tasks."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.core.task import Project, Task
from app.server.operations.registry import Params, operation, optional_text, text
from app.services.orchard import Orchard


@operation("project.add")
async def add_project(orchard: Orchard, params: Params) -> Project:
    """Register a git repository as a project."""
    return await orchard.add_project(
        text(params, "path"),
        optional_text(params, "name"),
        optional_text(params, "base"),
        optional_text(params, "setup"),
        optional_text(params, "test"),
    )


@operation("project.move")
async def move_project(orchard: Orchard, params: Params) -> Project:
    """Point a project at its repository's new place and repair its worktrees."""
    return await orchard.move_project(text(params, "name"), text(params, "path"))


@operation("projects.list")
async def projects(orchard: Orchard, params: Params) -> list[Project]:
    """Return the home's projects."""
    return orchard.store.projects()


@operation("project.get")
async def project(orchard: Orchard, params: Params) -> Project:
    """Return one project by name."""
    return orchard.store.project(text(params, "name"))


@operation("demo.add")
async def add_demo(orchard: Orchard, params: Params) -> tuple[Project, list[Task]]:
    """Make the demo repository, add it as a project and queue the demo agent's tasks."""
    from app.services.demo import DEMO_PROMPTS, make_demo_repo

    repo = await make_demo_repo(Path(tempfile.mkdtemp(prefix="orchard-demo-")))
    taken = {p.name for p in orchard.store.projects()}
    name = "demo-shop" if "demo-shop" not in taken else f"demo-{os.getpid()}"
    project = await orchard.add_project(str(repo), name=name)
    queued: list[Task] = []
    for title, prompt, attempts in DEMO_PROMPTS:
        queued += await orchard.new_tasks(name, prompt, "demo", title, attempts=attempts)
    return project, queued
