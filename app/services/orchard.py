"""The context object: every service built in one place, used by the CLI and the window."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from app.core.budget import Caps
from app.core.naming import branch_name, short_id, slugify, title_from_prompt
from app.core.states import ACTIVE_STATES, LIVE_STATES, TaskState, can_transition
from app.core.task import Project, Task
from app.services import process
from app.services.config import Home, Settings, load_settings
from app.services.errors import UserError as UserError  # raised here; imported from here too
from app.services.inbox import Asker, Door, Inbox, Rules
from app.services.remote import executor_for
from app.services.repo import BlobReaders, ScratchPool, git
from app.services.store import Store, StoreCorrupt, StoreError, move_aside
from app.services.tasks import (
    Asking,
    Executor,
    ExecutorUnavailable,
    Supervisor,
    SupervisorLock,
    check_launch,
)

MAX_ATTEMPTS = 10
RESUME_PROMPT = (
    "Orchard was interrupted while you worked on this task. Continue where you left off "
    "and finish it."
)
_PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Orchard:
    def __init__(
        self, home: Home, executor: Executor | None = None, settings: Settings | None = None
    ) -> None:
        self.home = home.ensure()
        self.settings = settings or load_settings(home)
        # A damaged database is set aside, never opened half-read; recovery.start_up()
        # then rebuilds its tasks from the worktrees, branches and logs.
        self.rebuilt = False
        try:
            self.store = Store(home.db)
        except StoreCorrupt as exc:
            moved = move_aside(home.db)
            # Kept until the rebuild is done, whichever Orchard process gets to it.
            self.rebuild_marker.write_bytes(
                orjson.dumps({"moved_to": str(moved), "damage": exc.detail})
            )
            self.store = Store(home.db)
        self.recovered_from, self.store_damage = self._pending_rebuild()
        executor = executor or executor_for(home, self.settings.executor)
        self.supervisor = Supervisor(home, self.store, self.settings, executor)
        self.lock = SupervisorLock(home)
        self.blobs = BlobReaders()  # file contents for the review and compare, no process each
        self.scratch = ScratchPool(home.root / "scratch")  # checkouts the test gate runs in
        # Told whenever tasks are queued here, after the supervisor: the CLI hands them to
        # the background service this way.
        self.on_queued: Callable[[], None] | None = None
        # The land train's runner, where this process runs one (the service); elsewhere
        # cars that join are handed over as queued tasks are.
        self.on_train: Callable[[], None] | None = None
        # Needs you: every agent's request waits here, the project's list answering first.
        self.rules = Rules(home.root, self._test_command)
        self.inbox = Inbox(self.rules.policy, self.rules.remember, numbers=home.root / "asks.json")
        self._askers: dict[str, Asker] = {}
        self.door = Door(self.inbox, self._askers.get, home.root)
        self._tests: dict[str, tuple[float, str | None]] = {}
        self.supervisor.asking = self._asking

    @property
    def rebuild_marker(self) -> Path:
        """The file that says a damaged database was set aside and awaits its rebuild."""
        return self.home.root / "rebuild.pending"

    def _pending_rebuild(self) -> tuple[Path | None, str | None]:
        try:
            data = orjson.loads(self.rebuild_marker.read_bytes())
        except FileNotFoundError:
            return None, None
        except (OSError, orjson.JSONDecodeError):
            return self.home.db, "unknown damage"
        return Path(str(data.get("moved_to"))), str(data.get("damage"))

    def close(self) -> None:
        """Release the lock, the database, the blob readers and the scratch checkouts."""
        self.door.close()
        self.blobs.close()
        self.scratch.close_now()
        self.lock.release()
        self.store.close()

    # needs you

    def _asking(self, task: Task) -> Asking:
        """Return how `task`'s run asks a person: its Asker, the door, the project's list."""
        asker = self.inbox.asker_for(task.id, task.agent, task.project, task.worktree)
        self._askers[task.id] = asker

        def ended() -> None:
            self._askers.pop(task.id, None)
            self.inbox.expire_task(task.id)

        return Asking(asker, self.door.start, lambda: self.rules.policy(task.project).allow, ended)

    def _test_command(self, project: str) -> str | None:
        """Return the project's test command, read at most every few seconds."""
        now = time.monotonic()
        cached = self._tests.get(project)
        if cached is None or now - cached[0] > 5.0:
            try:
                test = self.store.project(project).test
            except (UserError, StoreError):
                test = None
            cached = self._tests[project] = (now, test)
        return cached[1]

    # projects

    async def add_project(
        self,
        path: str,
        name: str | None = None,
        base: str | None = None,
        setup: str | None = None,
        test: str | None = None,
    ) -> Project:
        """Register a git repository as a project."""
        info = await _inspect(path)
        name = name or Path(info.root).name
        if not _PROJECT_NAME.match(name):
            raise UserError(
                f"'{name}' is not a usable project name: use letters, digits, "
                "'.', '_' and '-' (pick one with --name)"
            )
        base = base or info.branch
        if base is None:
            raise UserError(f"{info.root} has a detached HEAD; pass --base BRANCH")
        await _resolve(info.root, base)
        project = Project(name, info.root, base, setup or None, test or None)
        self.store.add_project(project)
        return project

    # tasks

    async def new_tasks(
        self,
        project_name: str,
        prompt: str,
        agent: str = "codex",
        title: str | None = None,
        base: str | None = None,
        attempts: int = 1,
        anyway: bool = False,
        caps: Caps | None = None,
    ) -> list[Task]:
        """Queue `attempts` tasks for one prompt; several form a best-of-N group.

        Pre-flight refuses, with nothing stored, an agent that is not installed (unless
        `anyway`) or a prompt it could not be given. `caps` are each task's own budget.
        """
        caps = caps or Caps()
        if (problem := caps.problem()) is not None:
            raise UserError(problem)
        project = self.store.project(project_name)
        if agent not in self.settings.profiles:
            known = ", ".join(sorted(self.settings.profiles))
            raise UserError(
                f"unknown agent '{agent}' (known: {known}); define it in {self.home.config}"
            )
        if not prompt.strip():
            raise UserError("the prompt is empty; say what the agent should do")
        if not 1 <= attempts <= MAX_ATTEMPTS:
            raise UserError(f"--attempts must be between 1 and {MAX_ATTEMPTS}")
        base_ref = base or project.base
        commit = await _resolve(project.path, base_ref)
        title = " ".join((title or "").split()) or title_from_prompt(prompt)
        group = uuid.uuid4().hex[:12] if attempts > 1 else None
        tasks = [
            await self.draft_task(project, prompt, agent, title, base_ref, commit, group)
            for _ in range(attempts)
        ]
        tasks = [
            replace(t, budget_tokens=caps.tokens, budget_usd=caps.usd, budget_minutes=caps.minutes)
            for t in tasks
        ]
        check_launch(self.settings.profiles[agent], tasks[0], anyway)
        self.store.add_tasks(tasks)
        self.wake()
        return tasks

    async def draft_task(
        self,
        project: Project,
        prompt: str,
        agent: str,
        title: str,
        base_ref: str,
        commit: str,
        group: str | None,
    ) -> Task:
        """Return a new queued task, not yet stored: a fresh id, a free branch, its folder."""
        while True:
            task_id = uuid.uuid4().hex
            branch = branch_name(task_id, title)
            if not await git.branch_exists(project.path, branch) and not self._id_taken(task_id):
                break
        folder = self.home.worktrees / project.name / f"{short_id(task_id)}-{slugify(title)}"
        return Task(
            id=task_id,
            project=project.name,
            title=title,
            prompt=prompt,
            agent=agent,
            state=TaskState.QUEUED,
            branch=branch,
            worktree=str(folder),
            base_ref=base_ref,
            base_commit=commit,
            created_at=time.time(),
            group=group,
        )

    def _id_taken(self, task_id: str) -> bool:
        try:
            self.store.task(short_id(task_id))
        except StoreError:
            return False
        return True

    def task(self, ref: str) -> Task:
        """Return the task `ref` names (an id or a unique prefix of one)."""
        return self.store.task(ref)

    async def diff(self, ref: str, stat: bool = False) -> str:
        """Return the task's changes against its base commit, uncommitted work included."""
        task = self.task(ref)
        if not Path(task.worktree).exists():
            if task.state is TaskState.QUEUED:
                raise UserError(f"task {task.short_id} has not started yet; no changes to show")
            raise UserError(f"the worktree of task {task.short_id} is missing: {task.worktree}")
        try:
            return await git.diff_text(task.worktree, task.base_commit, stat=stat)
        except git.GitError as exc:
            raise UserError(f"git could not diff task {task.short_id}: {exc}") from None

    async def stop_task(self, ref: str, grace: float = 5.0) -> Task:
        """Stop a task, whichever Orchard process is running it."""
        task = self.task(ref)
        if await self.supervisor.stop_task(task.id):
            return self.task(task.id)
        if task.state is TaskState.QUEUED:
            return self.store.update(
                task.id,
                state=TaskState.STOPPED,
                finished_at=time.time(),
                error="stopped before it started",
            )
        if task.state is TaskState.PAUSED:  # no agent runs: its budget's ask expires
            why = "stopped at its budget cap; its work is kept"
            stopped = self.store.update(task.id, state=TaskState.STOPPED, error=why)
            self.supervisor.budgets.forget(task.id)
            self.supervisor.announce(stopped)
            return stopped
        if task.state not in ACTIVE_STATES:
            raise UserError(f"task {task.short_id} is not running (it is {task.state})")
        self.store.update(task.id, stop_requested=True)
        await _kill_recorded(task, grace)
        if self.lock.held_by_other():
            # A turn on a cluster has no process group here: its supervisor sees the request.
            return await self._await_end(task.id, grace * 2)
        try:
            await self.supervisor.executor.stop_unfollowed(task, grace)
        except ExecutorUnavailable as exc:
            raise UserError(f"task {task.short_id} runs on a Ray cluster: {exc}") from None
        return self.store.update(
            task.id,
            state=TaskState.STOPPED,
            finished_at=time.time(),
            pgid=None,
            proc_start=None,
            error="stopped by the user",
        )

    def retry_task(self, ref: str) -> Task:
        """Queue an ended task again; it reuses its worktree, branch and log."""
        return self.requeue(self.task(ref), "retried")

    def resume_task(self, ref: str) -> tuple[Task, bool]:
        """Continue an ended task: its agent's own session if it has one, else a retry.

        Return the queued task and whether it resumes the session.
        """
        task = self.task(ref)
        profile = self.settings.profiles.get(task.agent)
        if not (task.session_id and profile is not None and profile.can_resume):
            return self.requeue(task, "retried"), False
        prompt = task.next_prompt or RESUME_PROMPT
        return self.requeue(task, "resumed", next_prompt=prompt), True

    def requeue(self, task: Task, verb: str, **changes: Any) -> Task:
        """Queue an ended task for another turn with `changes`; `verb` says how, for errors."""
        if not can_transition(task.state, TaskState.QUEUED):
            raise UserError(
                f"task {task.short_id} is {task.state}; only an ended task can be {verb}"
            )
        queued = self.store.update(
            task.id,
            state=TaskState.QUEUED,
            exit_code=None,
            error=None,
            stop_requested=False,
            finished_at=None,
            **changes,
        )
        self.wake()
        return queued

    def use_executor(self, kind: str | None, address: str | None) -> None:
        """Run this process's tasks on `kind` (at `address`), not where config.toml says."""
        if kind is None and address is None:
            return
        settings = self.settings.executor
        kind = kind or settings.kind
        if address is not None and kind != "ray":
            raise UserError("--address names a Ray cluster: pass it with --executor ray")
        chosen = dataclasses.replace(settings, kind=kind, address=address or settings.address)
        self.supervisor.executor = executor_for(self.home, chosen)

    def reload_settings(self) -> None:
        """Read config.toml and the secrets again and supervise by them from now on."""
        self.settings = load_settings(self.home)
        self.supervisor.settings = self.settings
        self.supervisor.wake()  # a higher limit starts queued tasks now

    def wake(self) -> None:
        """Tell whoever supervises this home that tasks were queued."""
        self.supervisor.wake()
        if self.on_queued is not None:
            self.on_queued()

    def wake_train(self) -> None:
        """Tell whoever runs the land trains of this home that cars joined or a train resumed."""
        if self.on_train is not None:
            self.on_train()
        elif self.on_queued is not None:
            self.on_queued()

    async def move_project(self, name: str, path: str) -> Project:
        """Point a project at the folder its repository was moved to and repair its worktrees."""
        project = self.store.project(name)
        info = await _inspect(path)
        worktrees = [t.worktree for t in self.store.tasks(project=name)]
        present = [w for w in worktrees if Path(w).is_dir()]
        await git.git(info.root, "worktree", "repair", *present, check=False)
        if project.path == info.root:
            return project
        return self.store.move_project(name, info.root)

    async def _await_end(self, task_id: str, timeout: float) -> Task:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            task = self.task(task_id)
            if task.state not in LIVE_STATES:
                return task
            await asyncio.sleep(0.1)
        return self.task(task_id)


async def _kill_recorded(task: Task, grace: float) -> None:
    if task.pgid and process.is_same_process(task.pgid, task.proc_start):
        await process.terminate_group(task.pgid, grace)


async def _inspect(path: str) -> git.RepoInfo:
    try:
        return await git.inspect_repo(path)
    except git.GitError as exc:
        raise UserError(str(exc)) from None


async def _resolve(repo: str, ref: str) -> str:
    try:
        return await git.resolve_commit(repo, ref)
    except git.GitError as exc:
        raise UserError(f"{exc}; pass an existing branch with --base") from None
