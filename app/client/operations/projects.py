"""Operations on projects: add one, list them, and the demo project with its tasks."""

from __future__ import annotations

import os

from app.client.operations.calls import Asker
from app.core.task import Project, Task


class ProjectOperations(Asker):
    """The home's projects."""

    async def add_project(
        self,
        path: str,
        name: str | None = None,
        base: str | None = None,
        setup: str | None = None,
        test: str | None = None,
    ) -> Project:
        """Register a git repository as a project."""
        found: Project = await self.do(
            "project.add", Project, path=os.path.abspath(path), name=name, base=base,
            setup=setup, test=test,
        )  # fmt: skip
        return found

    async def move_project(self, name: str, path: str) -> Project:
        """Point a project at its repository's new place and repair its worktrees."""
        where = os.path.abspath(path)  # the asker's folder, not the service's
        found: Project = await self.do("project.move", Project, name=name, path=where)
        return found

    async def projects(self) -> list[Project]:
        """Return the home's projects."""
        found: list[Project] = await self.do("projects.list", list[Project])
        return found

    async def project(self, name: str) -> Project:
        """Return one project by name."""
        found: Project = await self.do("project.get", Project, name=name)
        return found

    async def add_demo(self) -> tuple[Project, list[Task]]:
        """Add the demo project and queue the demo agent's tasks; return both."""
        found: tuple[Project, list[Task]] = await self.do("demo.add", tuple[Project, list[Task]])
        return found
