"""Tasks on a Ray cluster: the executor, and each task's workspace on its node."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from pathlib import Path
from typing import Any

import orjson

from app.core.states import TaskState
from app.core.task import Project, Task
from app.services import process
from app.services.config import ExecutorSettings, Home
from app.services.remote import bundles, cluster
from app.services.remote.actor import TaskActor
from app.services.remote.agent import RemoteAgent, lost
from app.services.repo import git
from app.services.tasks import (
    LaunchSpec,
    Note,
    RunningAgent,
    Workspace,
    WorkspaceFailure,
)

SIDECAR = "remote.json"  # beside the task's log: the turn followed and the offsets read
ACTOR_CONCURRENCY = 8  # reads, a stop and a commit may wait on one actor at once


class RayExecutor:
    """Runs each task in a detached, named actor on a Ray cluster node."""

    kind = "ray"

    def __init__(self, home: Home, settings: ExecutorSettings) -> None:
        self.home = home
        self.settings = settings
        self.namespace = cluster.namespace_for(home.root)
        self.timings: dict[str, dict[str, float]] = {}  # task id -> parts of its start, for benches

    async def connect(self) -> None:
        """Reach the cluster, in a thread: ray.init blocks (3 s over Ray Client)."""
        await asyncio.to_thread(cluster.connect, self.settings.address, self.namespace)

    def workspace(self, task: Task, project: Project) -> Workspace:
        """Return the task's workspace on the cluster."""
        return RayWorkspace(self, task, project)

    def reattachable(self, task: Task) -> bool:
        """Say whether a turn left running by a dead Orchard may still run on its node."""
        return task.node is not None and task.state is TaskState.RUNNING

    async def stop_unfollowed(self, task: Task, grace: float) -> bool:
        """Stop a turn no Orchard process follows, through its actor; False if it has none."""
        import ray

        if task.node is None:
            return False
        await self.connect()
        actor = self.find(task.id)
        if actor is None:
            return False
        try:
            await actor.stop.remote(grace)
        except ray.exceptions.RayError:
            return False  # the actor is gone, and its agent with it
        return True

    def actor_name(self, task_id: str) -> str:
        """Return the name of the task's actor in this home's namespace."""
        return f"task-{task_id}"

    def find(self, task_id: str) -> Any | None:
        """Return the task's live actor, if there is one."""
        import ray

        try:
            return ray.get_actor(self.actor_name(task_id), namespace=self.namespace)
        except ValueError:
            return None

    def create(self, task_id: str) -> Any:
        """Place a new actor for the task where its resources are free."""
        import ray

        s = self.settings
        options: dict[str, Any] = {
            "name": self.actor_name(task_id),
            "namespace": self.namespace,
            "lifetime": "detached",
            "num_cpus": s.cpus,
            "resources": dict(s.resources),
            "max_concurrency": ACTOR_CONCURRENCY,
            "max_restarts": 0,
        }
        if s.memory_mb:
            options["memory"] = s.memory_mb * 1024 * 1024
        remote = ray.remote(TaskActor).options(**options)
        return remote.remote(task_id, s.node_dir, float(s.idle_exit_seconds))


class RayWorkspace:
    """A task's checkout on a cluster node, in its actor; the result is fetched back here."""

    remote = True

    def __init__(self, executor: RayExecutor, task: Task, project: Project) -> None:
        self.executor = executor
        self.task = task
        self.project = project
        self.node: str | None = task.node
        self.actor: Any | None = None
        self.agent: RemoteAgent | None = None
        self._log_start = 0  # raw.log's size when this turn began

    @property
    def sidecar(self) -> Path:
        return self.executor.home.logs / self.task.id / SIDECAR

    async def prepare(self, note: Note) -> None:
        """Reuse the task's live actor (a follow-up), else check the start out on a new one."""
        import ray

        actor = self.executor.find(self.task.id)
        if actor is not None:
            try:
                where = await actor.where.remote()
            except ray.exceptions.RayError:
                where = {}
            if where.get("worktree"):
                self.actor, self.node = actor, where["node"]
                note(f"on node {self.node[:12]} again, in its checkout {where['worktree']}")
                return
        if self.task.node is not None:
            note(
                f"node {self.task.node[:12]}, which ran the last turn, is gone (or its actor "
                "ended): this turn starts afresh there on the last fetched result"
            )
        await self._place(note)

    async def _place(self, note: Note) -> None:
        import ray

        times, began = {}, time.monotonic()
        repo, task = self.project.path, self.task
        with contextlib.suppress(ValueError):  # an ended actor's name may linger a moment
            if (old := self.executor.find(task.id)) is not None:
                ray.kill(old, no_restart=True)
        try:
            commit = await bundles.start_point(repo, task)
            bundle, ref = await bundles.make_bundle(repo, task, commit)
            times["bundle"] = time.monotonic() - began
            self.actor = self.executor.create(task.id)
            await self.actor.where.remote()
            times["actor"] = time.monotonic() - began - times["bundle"]
            key = hashlib.sha1(repo.encode()).hexdigest()[:16]
            where = await self.actor.checkout.remote(
                ray.put(bundle), key, ref, commit, task.branch, task.worktree
            )
        except (git.GitError, OSError) as exc:
            raise WorkspaceFailure(f"could not bundle the start for the cluster: {exc}") from None
        except ray.exceptions.RayError as exc:
            raise WorkspaceFailure(
                f"the cluster could not check the task out: {_cause(exc)}"
            ) from None
        times["checkout"] = where["seconds"]
        self.executor.timings[task.id] = times
        self.node = where["node"]
        note(
            f"checkout {where['worktree']} on node {self.node[:12]} ({where['host']}) "
            f"on {task.branch} from {commit[:10]}, {len(bundle) // 1024} KB bundled"
        )

    async def start(
        self, spec: LaunchSpec, on_stdout: process.OutputCallback, on_stderr: process.OutputCallback
    ) -> RunningAgent:
        """Start `spec` on the node, Orchard's worktree path mapped to the node's checkout."""
        import ray

        assert self.actor is not None
        try:
            began = await self.actor.start.remote(
                list(spec.argv), spec.cwd, dict(spec.env), spec.stdin, spec.keep_stdin
            )
        except ray.exceptions.RayActorError as exc:
            raise lost(self.node, exc) from None
        except ray.exceptions.RayError as exc:
            raise WorkspaceFailure(_cause(exc)) from None
        self.agent = RemoteAgent(
            self.actor, began["turn"], began["pid"], self.node, on_stdout, on_stderr
        )
        self._log_start = self._raw_size()
        self._save_offsets(detached=False)
        return self.agent

    async def commit(self, message: str) -> str | None:
        """Commit the turn's changes on the node, as Orchard does locally."""
        import ray

        assert self.actor is not None
        try:
            sha: str | None = await self.actor.commit.remote(message)
        except ray.exceptions.RayError as exc:
            raise WorkspaceFailure(_cause(exc)) from None
        return sha

    async def fetch(self, note: Note) -> None:
        """Bring the branch back from the node into the task's branch and worktree here."""
        import ray

        assert self.actor is not None
        repo, task = self.project.path, self.task
        try:
            data: bytes | None = await self.actor.result.remote(task.base_commit)
            if data is not None:
                sha = await bundles.take_result(repo, task, data)
                note(f"fetched {sha[:10]} from node {(self.node or '?')[:12]} into {task.branch}")
            elif not Path(task.worktree).exists():
                await git.add_worktree(repo, task.worktree, task.branch, task.base_commit)
        except ray.exceptions.RayError as exc:
            raise WorkspaceFailure(_cause(exc)) from None
        except (git.GitError, OSError) as exc:
            raise WorkspaceFailure(f"git could not take the result in: {exc}") from None
        self.sidecar.unlink(missing_ok=True)

    async def reattach(
        self, on_stdout: process.OutputCallback, on_stderr: process.OutputCallback
    ) -> RunningAgent | None:
        """Follow the turn a previous Orchard left running, from the offsets it had read."""
        import ray

        actor = self.executor.find(self.task.id)
        try:
            saved = orjson.loads(self.sidecar.read_bytes())
            where = await actor.where.remote() if actor is not None else None
        except (OSError, orjson.JSONDecodeError, ray.exceptions.RayError):
            return None
        if where is None or where["turn"] != saved["turn"]:
            return None
        self.actor, self.node = actor, where["node"]
        self._log_start = saved["log_start"]
        if not saved["detached"]:
            # Orchard died without saying how far it read: as far as its log got on disk.
            # (A secret masked in this turn's output would shift this by its length.)
            saved["out"] = max(0, self._raw_size() - self._log_start)
        self.agent = RemoteAgent(
            actor,
            saved["turn"],
            saved["pid"],
            self.node,
            on_stdout,
            on_stderr,
            (saved["out"], saved["err"]),
        )
        return self.agent

    def detach(self) -> None:
        """Let go of the turn (Orchard quits): say how far its output was read."""
        self._save_offsets(detached=True)

    def _raw_size(self) -> int:
        try:
            return (self.sidecar.parent / "raw.log").stat().st_size
        except OSError:
            return 0

    def _save_offsets(self, detached: bool) -> None:
        if self.agent is None:
            return
        out, err = self.agent.offsets
        data = {
            "turn": self.agent.turn,
            "pid": self.agent.pid,
            "out": out,
            "err": err,
            "log_start": self._log_start,
            "detached": detached,
        }
        with contextlib.suppress(OSError):
            self.sidecar.parent.mkdir(parents=True, exist_ok=True)
            part = self.sidecar.with_suffix(".part")
            part.write_bytes(orjson.dumps(data))
            part.replace(self.sidecar)


def _cause(exc: BaseException) -> str:
    """Return the first line of what a remote call raised."""
    text = str(getattr(exc, "cause", None) or exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__
