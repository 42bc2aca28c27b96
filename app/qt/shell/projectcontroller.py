"""New tasks and projects from the window: the new-task dialog, adding a repository, the demo."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog
from shiboken6 import isValid

from app.client import Refused
from app.core.task import Task
from app.qt.board import NewTaskDialog, NewTaskRequest
from app.qt.placement import place
from app.qt.shell.host import WindowHost


class ProjectController:
    """Owns the awaits behind File ▸ New task, Add a repository and Try the demo."""

    def __init__(self, main: WindowHost) -> None:
        self.main, self.orchard = main, main.orchard
        self._opening: asyncio.Task[None] | None = None
        # Told how many projects there are, at start and after one is added (the empty board).
        self.project_count_listeners: list[Callable[[int], None]] = []
        a = main.window.actions
        a["new_task"].triggered.connect(self.new_task)
        a["add_repository"].triggered.connect(self.add_repository)
        a["try_demo"].triggered.connect(lambda: main.spawn(self.try_demo()))

    async def count_projects(self) -> None:
        """Tell the listeners how many projects the home has."""
        count = len(await self.main.ops.projects())
        for listener in self.project_count_listeners:
            listener(count)

    def new_task(self) -> None:
        """Open the new-task dialog (Ctrl+N) once the projects are read off the GUI thread."""
        if self._opening is None or self._opening.done():
            self._opening = self.main.spawn(self._open_new_task())

    async def _open_new_task(self) -> None:
        projects = [p.name for p in await self.main.ops.projects()]
        if not projects:
            self.main.say("Add a repository first (File ▸ Add a repository, or try the demo)")
            return
        tasks = sorted(self.main.tasks.values(), key=lambda t: -t.created_at)
        dialog = NewTaskDialog(
            projects,
            sorted(self.orchard.settings.profiles),
            list(dict.fromkeys(t.prompt for t in tasks)),
            self.main.window,
            agent=self.main.settings.value("last_agent") or "codex",
        )
        dialog.launch_requested.connect(
            lambda request: self.main.spawn(self._launch(dialog, request))
        )
        dialog.finished.connect(dialog.deleteLater)
        place(dialog)
        dialog.open()

    async def _launch(self, dialog: NewTaskDialog, request: NewTaskRequest) -> None:
        """Queue the dialog's tasks; a refusal shows in the dialog, which stays open."""
        try:
            await self.create_tasks(request)
        except Refused as exc:
            if not isValid(dialog):  # closed meanwhile: the banner says it instead
                raise
            missing = exc.kind == "AgentMissing"
            dialog.show_refusal(str(exc.detail.get("reason") or exc), can_force=missing)
            return
        except Exception:
            if isValid(dialog):
                dialog.set_busy(False)
            raise  # shown in the banner like any failed job
        if isValid(dialog):
            dialog.accept()

    async def create_tasks(self, request: NewTaskRequest) -> list[Task]:
        """Queue what the dialog asked for, and show the first new task."""
        tasks = await self.main.ops.new_tasks(
            request.project,
            request.prompt,
            request.agent,
            request.title,
            request.base,
            request.attempts,
            request.anyway,
            request.caps,
        )
        self.main.settings.setValue("last_agent", request.agent)
        if request.start_now:
            await self.main.ops.start_now([t.id for t in tasks])
        self.main.show_new_tasks(tasks)
        self.main.window.board.select_task(tasks[0].id)
        return tasks

    def add_repository(self) -> None:
        """Ask for a folder and register it as a project."""
        folder = QFileDialog.getExistingDirectory(self.main.window, "Add a repository")
        if folder:
            self.main.spawn(self._add_project(folder))

    async def _add_project(self, folder: str) -> None:
        project = await self.main.ops.add_project(folder)
        self.main.say(f"Added {project.name} (base {project.base}). Ctrl+N starts a task.")
        await self.count_projects()

    async def try_demo(self) -> None:
        """Add the demo project to this home and queue the demo tasks."""
        _, tasks = await self.main.ops.add_demo()
        self.main.show_new_tasks(tasks)
        self.main.window.board.select_task(tasks[0].id)
        self.main.say(
            "Demo: four prompts by the built-in demo agent (no API key): one tried three ways, "
            "two that change the same lines, one that fails until retried. Watch them run."
        )
