"""Where agents run: the checkout they work in, the process, and how the result comes back.

An executor hands each turn a workspace. The local one (today's behaviour) makes a git
worktree on this machine and runs the agent as a child process; a remote one (see
app/services/remote) makes the checkout on a cluster node and brings the result back into
the task's branch, after which review and landing work as for a local task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.core.task import Project, Task
from app.services import process
from app.services.repo import git

Note = Callable[[str], None]  # a status line for the task's log


@dataclass(frozen=True, slots=True)
class LaunchSpec:
    argv: Sequence[str]
    cwd: str
    env: Mapping[str, str]
    stdin: bytes | None = None
    # Keep stdin open for a driver that talks with the agent (the RunningAgent then also has
    # write(data) and close_stdin(): agents.AgentInput); `stdin` is then written first.
    keep_stdin: bool = False


class WorkspaceFailure(Exception):
    """The checkout cannot be made or the result cannot come back; the message says why."""


class WorkspaceLost(Exception):
    """The place the turn ran in is gone (a lost node); the last fetched result is kept."""


class ExecutorUnavailable(Exception):
    """The executor cannot run anything now (a cluster out of reach); one line says why."""


class RunningAgent(Protocol):
    pid: int

    @property
    def pgid(self) -> int | None: ...  # None: not a process group on this machine

    @property
    def start_time(self) -> int | None: ...

    async def wait(self) -> int: ...

    async def stop(self, grace: float = 3.0) -> None: ...

    def close(self) -> None: ...


class Workspace(Protocol):
    """One task's checkout and the processes run in it, for one turn."""

    node: str | None  # where it runs, for the task's record; None: this machine
    remote: bool  # the agent's programs are looked up (and sandboxed) there, not here

    async def prepare(self, note: Note) -> None: ...

    async def start(
        self, spec: LaunchSpec, on_stdout: process.OutputCallback, on_stderr: process.OutputCallback
    ) -> RunningAgent: ...

    async def commit(self, message: str) -> str | None: ...

    async def fetch(self, note: Note) -> None: ...

    async def reattach(
        self, on_stdout: process.OutputCallback, on_stderr: process.OutputCallback
    ) -> RunningAgent | None: ...

    def detach(self) -> None: ...


class Executor(Protocol):
    kind: str

    async def connect(self) -> None: ...

    def workspace(self, task: Task, project: Project) -> Workspace: ...

    def reattachable(self, task: Task) -> bool: ...

    async def stop_unfollowed(self, task: Task, grace: float) -> bool: ...


class LocalExecutor:
    """Runs agents as local child processes, each in its own process group."""

    kind = "local"

    async def connect(self) -> None:
        """Nothing to reach: this machine is always there."""

    async def start(
        self, spec: LaunchSpec, on_stdout: process.OutputCallback, on_stderr: process.OutputCallback
    ) -> RunningAgent:
        """Start the agent described by `spec`."""
        return await process.spawn(
            spec.argv, spec.cwd, spec.env, spec.stdin, on_stdout, on_stderr, spec.keep_stdin
        )

    def workspace(self, task: Task, project: Project) -> Workspace:
        """Return the task's worktree on this machine."""
        return LocalWorkspace(self, task, project)

    def reattachable(self, task: Task) -> bool:
        """A local agent left by a dead Orchard cannot be followed again."""
        return False

    async def stop_unfollowed(self, task: Task, grace: float) -> bool:
        """Nothing to reach: a local agent is stopped through its recorded process group."""
        return False


class LocalWorkspace:
    """A git worktree on this machine; the result is already in the task's branch."""

    node: str | None = None
    remote = False

    def __init__(self, executor: LocalExecutor, task: Task, project: Project) -> None:
        self._executor = executor
        self.task = task
        self.project = project

    async def prepare(self, note: Note) -> None:
        """Make the task's worktree on its branch, unless it is there already."""
        task, repo = self.task, self.project.path
        if Path(task.worktree).exists():
            return
        if await git.branch_exists(repo, task.branch):
            raise WorkspaceFailure(
                f"the worktree {task.worktree} is missing but branch "
                f"{task.branch} exists; restore or prune it first"
            )
        try:
            await git.add_worktree(repo, task.worktree, task.branch, task.base_commit)
        except (git.GitError, OSError) as exc:
            await git.remove_worktree(repo, task.worktree, task.branch)
            raise WorkspaceFailure(f"could not create the worktree: {exc}") from None
        note(f"worktree {task.worktree} on {task.branch} from {task.base_commit[:10]}")

    async def start(
        self, spec: LaunchSpec, on_stdout: process.OutputCallback, on_stderr: process.OutputCallback
    ) -> RunningAgent:
        """Start a process in the worktree."""
        return await self._executor.start(spec, on_stdout, on_stderr)

    async def commit(self, message: str) -> str | None:
        """Commit every change in the worktree; return the commit, None if nothing changed."""
        return await git.commit_all(self.task.worktree, message)

    async def fetch(self, note: Note) -> None:
        """Nothing to bring back: the worktree is the result."""

    async def reattach(
        self, on_stdout: process.OutputCallback, on_stderr: process.OutputCallback
    ) -> RunningAgent | None:
        """A local agent is never reattached."""
        return None

    def detach(self) -> None:
        """Nothing runs elsewhere to let go of."""
