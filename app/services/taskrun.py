"""One turn of one task: worktree, setup, agent, log, commit, stats."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.events import Event, EventKind, make_event
from app.core.followup import plan_turn
from app.core.masking import Masker
from app.core.naming import commit_message
from app.core.profiles import AgentProfile, OutputFormat
from app.core.states import TaskState, transition
from app.core.task import Project, Task
from app.core.turnsummary import USAGE, Summary
from app.services import git, sandbox
from app.services.agentrun import SETUP, AgentRun, OutputSpec
from app.services.agents.claude import isolated_config_env
from app.services.config import Home
from app.services.executor import Executor, LaunchSpec
from app.services.logs import TaskLogWriter
from app.services.secrets import SecretStore
from app.services.store import Store

Emit = Callable[[str, list[Event]], None]
OnTask = Callable[[Task], None]


class RunFailure(Exception):
    """The turn cannot go on; the message is the task's error."""


class TaskRun:
    """Runs one turn of a task; the supervisor owns its lifetime."""

    def __init__(
        self,
        task: Task,
        project: Project,
        profile: AgentProfile,
        home: Home,
        store: Store,
        executor: Executor,
        emit: Emit,
        on_task: OnTask,
    ) -> None:
        self.task = task
        self.project = project
        self.profile = profile
        self.home = home
        self.store = store
        self.executor = executor
        self.emit = emit
        self.on_task = on_task
        self.on_raw: Callable[[str, bytes], None] | None = None
        self.summary = Summary(totals={k: getattr(task, k) for k in USAGE})
        self.agent: AgentRun | None = None  # the child running now, which owns the log
        self.stop_requested = False
        self.log: TaskLogWriter | None = None
        self.masker = Masker()  # token shapes only, until execute() knows more
        self._secrets: tuple[str, ...] = ()
        self.turn = plan_turn(task, profile)

    # lifecycle

    async def execute(self) -> Task:
        """Run the turn to its end and return the task as finally stored."""
        self.log = TaskLogWriter(self.home.logs / self.task.id)
        try:
            # Mask the agent's secret-named variables and every stored secret in its output.
            self._secrets = tuple(await asyncio.to_thread(SecretStore(self.home.root).values))
            self.masker = Masker.build(self._agent_env(), self._secrets)
            self._set_state(
                TaskState.PREPARING,
                started_at=time.time(),
                finished_at=None,
                exit_code=None,
                error=None,
            )
            if note := self.turn.note():
                self._note(make_event(EventKind.STATUS, note))
            await self._prepare()
            if self.stop_requested:
                return self._finish(TaskState.STOPPED, None, "stopped before the agent started")
            code, timed_out = await self._run_agent()
            return await self._conclude(code, timed_out)
        except RunFailure as exc:
            return self._finish(TaskState.FAILED, None, str(exc))
        finally:
            self.log.close()

    async def stop(self) -> None:
        """Stop the agent's whole process tree; the turn ends as stopped."""
        self.stop_requested = True
        if self.agent is not None:
            await self.agent.stop()

    # preparing

    async def _prepare(self) -> None:
        wt = Path(self.task.worktree)
        if not wt.exists():
            await self._make_worktree()
        if self.project.setup:
            await self._run_setup(self.project.setup)

    async def _make_worktree(self) -> None:
        repo = self.project.path
        if await git.branch_exists(repo, self.task.branch):
            raise RunFailure(
                f"the worktree {self.task.worktree} is missing but branch "
                f"{self.task.branch} exists; restore or prune it first"
            )
        try:
            await git.add_worktree(
                repo, self.task.worktree, self.task.branch, self.task.base_commit
            )
        except (git.GitError, OSError) as exc:
            await git.remove_worktree(repo, self.task.worktree, self.task.branch)
            raise RunFailure(f"could not create the worktree: {exc}") from None
        self._note(
            make_event(
                EventKind.STATUS,
                f"worktree {self.task.worktree} on "
                f"{self.task.branch} from {self.task.base_commit[:10]}",
            )
        )

    async def _run_setup(self, command: str) -> None:
        self._note(make_event(EventKind.STATUS, f"setup: {command}"))
        spec = LaunchSpec(["sh", "-c", command], self.task.worktree, git.git_env())
        child = await self._start_child(spec, SETUP)
        try:
            # Recorded before any output is handled: a supervisor killed now leaves a
            # findable group.
            self.store.update(self.task.id, pgid=child.pgid, proc_start=child.start_time)
        finally:
            child.release()
        try:
            code = await child.wait()
        finally:
            self._end_child(child)
        if code != 0 and not self.stop_requested:
            raise RunFailure(f"setup command failed (exit {code}): {command}")

    # running

    async def _run_agent(self) -> tuple[int, bool]:
        argv, stdin = self.profile.render(
            self.turn.prompt, self.task.worktree, self.task.id, self.turn.session_id
        )
        env = self._agent_env()
        if shutil.which(argv[0], path=env.get("PATH")) is None:
            hint = f"; {self.profile.install_hint}" if self.profile.install_hint else ""
            raise RunFailure(
                f"agent '{self.profile.name}' needs `{argv[0]}`, which is not "
                f"installed or not on PATH{hint}"
            )
        if self.profile.sandbox == sandbox.BWRAP:
            argv, notice = await sandbox.wrap(argv, self.task.worktree, env)
            if notice:  # the agent still runs: said once, in its log
                self._note(make_event(EventKind.STATUS, notice))
        try:
            agent = await self._start_child(
                LaunchSpec(argv, self.task.worktree, env, stdin), self.profile.output.value
            )
        except OSError as exc:
            raise RunFailure(f"could not start {argv[0]}: {exc.strerror or exc}") from None
        try:
            # The follow-up is spent only once the agent has it; a turn that fails before
            # this point keeps it, so a retry sends the follow-up and not the original prompt.
            self._set_state(
                TaskState.RUNNING,
                pgid=agent.pgid,
                proc_start=agent.start_time,
                turns=self.turn.number,
                next_prompt=None,
            )
        finally:
            agent.release()
        try:
            return await self._wait(agent)
        finally:
            self._end_child(agent)

    async def _start_child(self, launch: LaunchSpec, stdout: str) -> AgentRun:
        """Start a child that owns the task's log until _end_child(); its output is held."""
        assert self.log is not None
        self.log.flush()
        output = OutputSpec(
            task_id=self.task.id,
            folder=str(self.log.events_path.parent),
            seq=self.log.event_count,
            stdout=stdout,
            mask_env=self._agent_env(),
            secrets=self._secrets,
            totals={k: self.summary.totals.get(k) for k in USAGE},
            reserve=str(self.home.reserve),
            worktree=self.task.worktree if stdout != SETUP else "",
            base_commit=self.task.base_commit,
        )
        self.agent = await self.executor.start(launch, output, self._on_output, self._on_raw)
        return self.agent

    def _end_child(self, child: AgentRun) -> None:
        """Take the log back from a finished child, with what its output said."""
        assert self.log is not None
        self.agent = None
        self.summary.merge(child.take_changes(), child.summary.flags())
        self.summary.totals.update(child.summary.totals)
        self.log.skip_to(child.next_seq)

    def _on_output(self, events: list[Event]) -> None:
        self.emit(self.task.id, events)

    def _on_raw(self, data: bytes) -> None:
        if self.on_raw is not None:
            self.on_raw(self.task.id, data)

    async def _wait(self, agent: AgentRun) -> tuple[int, bool]:
        try:
            return await asyncio.wait_for(asyncio.shield(agent.wait()), self.profile.timeout), False
        except TimeoutError:
            await agent.stop()
            return await agent.wait(), True

    def _agent_env(self) -> dict[str, str]:
        env = {
            **git.git_env(),
            **self.profile.env,
            "ORCHARD_TASK_ID": self.task.id,
            "ORCHARD_WORKTREE": self.task.worktree,
        }
        if (
            self.profile.output is OutputFormat.CLAUDE
            and "CLAUDE_CONFIG_DIR" not in self.profile.env
        ):
            env = isolated_config_env(self.home.agent_state / self.task.id, env)
        return env

    # events

    def _note(self, event: Event) -> None:
        if "text" in event:  # Orchard's own words may quote a command holding a secret
            event["text"] = self.masker.mask(event["text"])
        if self.agent is not None:  # the child owns the log: it logs the note in order
            self.agent.note([event])
            return
        assert self.log is not None
        self.log.write_events([event])
        self.summary.absorb([event])
        self.emit(self.task.id, [event])

    async def _refresh_stats(self) -> None:
        try:
            stat = await git.diff_stat(self.task.worktree, self.task.base_commit)
        except (git.GitError, OSError):
            return  # the final stat after the turn is authoritative
        self.summary.changes.update(
            files_changed=stat.files_changed, insertions=stat.insertions, deletions=stat.deletions
        )

    # ending

    async def _conclude(self, code: int, timed_out: bool) -> Task:
        stopped = self.stop_requested or self.store.task(self.task.id).stop_requested
        await self._commit(stopped)
        await self._refresh_stats()
        if stopped:
            return self._finish(TaskState.STOPPED, code, "stopped by the user")
        if self.summary.fatal:
            return self._finish(TaskState.FAILED, code, self.summary.fatal)
        if timed_out:
            return self._finish(
                TaskState.FAILED, code, f"timed out after {self.profile.timeout:g} s"
            )
        if code != 0:
            detail = self.summary.last_error or f"{self.profile.name} exited with code {code}"
            return self._finish(TaskState.FAILED, code, detail)
        if self.summary.needs_input:
            return self._finish(TaskState.NEEDS_INPUT, code, self.summary.needs_input)
        return self._finish(TaskState.SUCCEEDED, code, None)

    async def _commit(self, stopped: bool) -> None:
        title = self.task.title
        if self.turn.ask is not None:
            title += f" (follow-up {self.turn.number - 1})"
        title += " (stopped)" if stopped else ""
        message = commit_message(title, self.turn.ask or self.task.prompt)
        try:
            sha = await git.commit_all(self.task.worktree, message)
        except (git.GitError, OSError) as exc:
            self._note(make_event(EventKind.ERROR, f"Orchard could not commit: {exc}"))
            return
        if sha:
            self._note(
                make_event(EventKind.STATUS, f"Orchard committed {sha[:10]} on {self.task.branch}")
            )

    def _finish(self, state: TaskState, code: int | None, error: str | None) -> Task:
        error = self.masker.mask(error) if error else error
        return self._set_state(
            state, exit_code=code, error=error, finished_at=time.time(), pgid=None, proc_start=None
        )

    def _set_state(self, state: TaskState, **changes: Any) -> Task:
        target = transition(self.task.state, state)
        if self.log is not None:
            self.log.flush()
        self.task = self.store.update(self.task.id, state=target, **self.summary.take(), **changes)
        self._note(make_event(EventKind.STATUS, f"state: {target}", status=str(target)))
        self.on_task(self.task)
        return self.task

    def take_changes(self) -> dict[str, Any]:
        """Flush the log and hand over the summary changes batched since the last call."""
        if self.log is not None:
            self.log.flush()
        changes = self.summary.take()
        if self.agent is not None:
            changes.update(self.agent.take_changes())
        return changes

    def restore_changes(self, changes: dict[str, Any]) -> None:
        """Put back changes that could not be saved, under any newer ones."""
        self.summary.changes = {**changes, **self.summary.changes}
