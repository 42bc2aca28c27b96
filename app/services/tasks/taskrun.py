"""One turn of one task: worktree, setup, agent, log, commit, stats."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from app.core import claudeasks
from app.core.budget import DEFAULT_PRICES, Caps, Level, Price, Reach, reach, spent_by
from app.core.events import Event, EventKind, make_event
from app.core.followup import plan_turn
from app.core.inbox import Answer, Ask
from app.core.masking import Masker
from app.core.naming import commit_message
from app.core.profiles import AgentProfile, OutputFormat
from app.core.states import TaskState, transition
from app.core.task import Project, Task
from app.core.turnsummary import Summary
from app.installation import module_argv, module_env
from app.services.agents import (
    AgentInput,
    CodexAppServer,
    StreamParser,
    TextParser,
    driver_for,
    isolated_config_env,
    parser_for,
)
from app.services.config import Home, SecretStore, write_atomically
from app.services.repo import git
from app.services.store import HeldOutput, MaskedSinks, Store, TaskLogWriter
from app.services.tasks import sandbox
from app.services.tasks.executor import (
    Executor,
    LaunchSpec,
    RunningAgent,
    WorkspaceFailure,
    WorkspaceLost,
)
from app.services.tasks.pacing import Pacer
from app.services.tasks.preflight import arg_room

Emit = Callable[[str, list[Event]], None]
OnTask = Callable[[Task], None]
STATS_INTERVAL = 3.0
PAUSE_GRACE = 5.0  # an agent paused at its budget has this long to end its step
MCP_CONFIG = "orchard-mcp.json"  # in the task's state folder, never in its worktree
MCP_MODULE = "app.services.inbox.mcpserver"
NO_ASKING_ON_NODES = (
    "Claude Code on a Ray node cannot ask a person yet: a tool call outside its profile's "
    "tools and the project's allowed commands is denied (allow it in the project's list)"
)


@dataclass(frozen=True, slots=True)
class Asking:
    """How a run's agent asks a person: handed over by whoever holds the inbox."""

    asker: Callable[[Ask], Awaitable[Answer]]  # what the agent's adapter awaits
    door: Callable[[], Awaitable[Path]]  # opens the inbox's socket for agents' helpers
    allowed: Callable[[], tuple[str, ...]]  # the project's allowed patterns, now
    ended: Callable[[], None]  # the turn ended or stopped: its waiting asks expire


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
        stats_pacer: Pacer,
    ) -> None:
        self.task = task
        self.project = project
        self.profile = profile
        self.home = home
        self.store = store
        self.executor = executor
        self.workspace = executor.workspace(task, project)
        self.emit = emit
        self.on_task = on_task
        self.stats_pacer = stats_pacer  # shared by every run: counts take turns
        self.on_raw: Callable[[str, bytes], None] | None = None
        self.asking: Asking | None = None  # set by the supervisor where a person can answer
        self.summary = Summary()
        self._unsaved: dict[str, Any] = {}  # progress handed to a save that has not ended
        self.agent: RunningAgent | None = None
        self.stop_requested = False
        self.log: TaskLogWriter | None = None
        self.masked = MaskedSinks(Masker())  # token shapes only, until execute() knows more
        self.turn = plan_turn(task, profile)
        self.held = HeldOutput()  # a child's output, until its process group is recorded
        self._stopper: asyncio.Task[None] | None = None
        # Budgets: the caps this turn runs under, set by the supervisor; the cap it reached.
        self.caps = Caps()
        self.prices: dict[str, Price] = DEFAULT_PRICES
        self.model = ""  # as the agent reports it, for the price table
        self.reached: Reach | None = None
        self._pauser: asyncio.Task[None] | None = None

    # lifecycle

    async def execute(self, reattach: bool = False) -> Task:
        """Run the turn to its end and return the task as finally stored.

        With `reattach`, the turn is one a previous Orchard started on a cluster and left
        running there: its agent is followed again from where the log ends.
        """
        self.log = TaskLogWriter(self.home.logs / self.task.id)
        try:
            if reattach:
                return await self._reattach()
            # Mask the agent's secret-named variables and every stored secret in its output.
            stored = await asyncio.to_thread(SecretStore(self.home.root).values)
            self.masked = MaskedSinks(Masker.build(self._agent_env(), stored))
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
        except WorkspaceLost as exc:
            return self._finish(TaskState.INTERRUPTED, None, str(exc))
        except asyncio.CancelledError:
            self.masked.flush()  # a part line read goes to the log: reading resumes past it
            self.workspace.detach()  # Orchard quits: a turn on a cluster goes on there
            raise
        finally:
            self.log.close()

    async def stop(self) -> None:
        """Stop the agent's whole process tree; the turn ends as stopped."""
        self.stop_requested = True
        if self.agent is not None:
            await self.agent.stop()

    # preparing

    async def _prepare(self) -> None:
        try:
            await self.workspace.prepare(self._status)
        except WorkspaceFailure as exc:
            raise RunFailure(str(exc)) from None
        if self.workspace.node is not None:
            self.task = self.store.update(self.task.id, node=self.workspace.node)
            self.on_task(self.task)
        if self.project.setup:
            await self._run_setup(self.project.setup)

    def _status(self, text: str) -> None:
        self._note(make_event(EventKind.STATUS, text))

    async def _run_setup(self, command: str) -> None:
        self._note(make_event(EventKind.STATUS, f"setup: {command}"))
        spec = LaunchSpec(["sh", "-c", command], self.task.worktree, git.git_env())
        parser = TextParser(stream="setup")
        out, err = (self._sink(self._raw_sink(parser)) for _ in range(2))
        self.held.hold()
        child = await self._start(spec, out, err)
        self._adopt(child)
        # Recorded before any output is handled: a supervisor killed now leaves a findable group.
        self.store.update(self.task.id, pgid=child.pgid, proc_start=child.start_time)
        self.held.release()
        code = await child.wait()
        child.close()
        self.agent = None
        self.masked.flush()
        self._events(parser.close())
        if code != 0 and not self.stop_requested:
            raise RunFailure(f"setup command failed (exit {code}): {command}")

    # running

    async def _run_agent(self) -> tuple[int, bool]:
        env = self._agent_env()
        argv, stdin = self.profile.render(
            self.turn.prompt,
            self.task.worktree,
            self.task.id,
            self.turn.session_id,
            arg_room(env),
        )
        if self.profile.asks == "claude" and self.asking is not None:
            if self.workspace.remote:
                argv = self._unasked(argv)
            else:
                argv = await self._through_orchard(argv, env)
        if not self.workspace.remote and shutil.which(argv[0], path=env.get("PATH")) is None:
            hint = f"; {self.profile.install_hint}" if self.profile.install_hint else ""
            raise RunFailure(
                f"agent '{self.profile.name}' needs `{argv[0]}`, which is not "
                f"installed or not on PATH{hint}"
            )
        if self.profile.sandbox == sandbox.BWRAP and not self.workspace.remote:
            argv, notice = await sandbox.wrap(argv, self.task.worktree, env)
            if notice:  # the agent still runs: said once, in its log
                self._note(make_event(EventKind.STATUS, notice))
        # An agent Orchard talks with over stdin (Codex's app-server) has a driver, which is
        # given the prompt instead of stdin, and the Asker for the agent's requests.
        driver = driver_for(
            self.profile.output,
            self.turn.prompt,
            self.task.worktree,
            self.turn.session_id,
            self.asking.asker if self.asking is not None else None,
            self._events,
        )
        if driver is not None and self.asking is not None:
            await self.asking.door()  # where `orchard inbox` and `orchard answer` reach its asks
        parser = driver.parser if driver is not None else parser_for(self.profile.output)
        stdin = None if driver is not None else stdin
        errors = TextParser(stream="stderr")
        self.held.hold()
        agent = await self._start(
            LaunchSpec(argv, self.task.worktree, env, stdin, keep_stdin=driver is not None),
            self._sink(self._stdout_sink(parser)),
            self._sink(self._raw_sink(errors)),
        )
        self._adopt(agent)
        # The follow-up is spent only once the agent has it; a turn that fails before
        # this point keeps it, so a retry sends the follow-up and not the original prompt.
        self._set_state(
            TaskState.RUNNING,
            pgid=agent.pgid,
            proc_start=agent.start_time,
            turns=self.turn.number,
            next_prompt=None,
        )
        self.held.release()
        return await self._follow(agent, parser, errors, driver)

    async def _start(
        self, spec: LaunchSpec, out: Callable[[bytes], None], err: Callable[[bytes], None]
    ) -> RunningAgent:
        try:
            return await self.workspace.start(spec, out, err)
        except (OSError, WorkspaceFailure) as exc:
            self.held.release()
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise RunFailure(f"could not start {spec.argv[0]}: {why}") from None

    def _adopt(self, agent: RunningAgent) -> None:
        """Make `agent` the one a stop reaches; stop it now if a stop came while it started."""
        self.agent = agent
        # A stop that came while the start was awaited found no agent to reach (a start on
        # a cluster node takes a round trip or more): it is carried out here.
        if self.stop_requested:
            self._stopper = asyncio.get_running_loop().create_task(agent.stop())

    async def _reattach(self) -> Task:
        parser = parser_for(self.profile.output)
        errors = TextParser(stream="stderr")
        out, err = self._sink(self._stdout_sink(parser)), self._sink(self._raw_sink(errors))
        agent = await self.workspace.reattach(out, err)
        if agent is None:
            raise WorkspaceLost(
                "Orchard stopped while this task ran on the cluster, and its turn is gone "
                "there; the last fetched result is kept"
            )
        self._adopt(agent)
        self._status(f"Orchard followed this task again on node {self.workspace.node}")
        code, timed_out = await self._follow(agent, parser, errors)
        return await self._conclude(code, timed_out)

    async def _follow(
        self,
        agent: RunningAgent,
        parser: StreamParser,
        errors: TextParser,
        driver: CodexAppServer | None = None,
    ) -> tuple[int, bool]:
        stats = asyncio.create_task(self._stats_loop())
        talk = None
        if driver is not None:
            if not isinstance(agent, AgentInput):
                await agent.stop()
                raise RunFailure(f"agent '{self.profile.name}' needs an executor it can talk to")
            talk = asyncio.create_task(driver.drive(agent))
        try:
            code, timed_out = await self._wait(agent)
        finally:
            stats.cancel()
            if talk is not None:
                talk.cancel()
            agent.close()
            self.agent = None
        self.masked.flush()
        self._events(parser.close() + errors.close())
        return code, timed_out

    def _unasked(self, argv: list[str]) -> list[str]:
        """Have Claude Code on a cluster node use the project's list alone: it cannot ask."""
        # Orchard's permission tool reaches the inbox through a socket on this machine.
        assert self.asking is not None
        self._status(NO_ASKING_ON_NODES)
        return claudeasks.allowed_argv(argv, self.asking.allowed())

    async def _through_orchard(self, argv: list[str], env: dict[str, str]) -> list[str]:
        """Have Claude Code ask Orchard's permission tool, its config in the task's state."""
        assert self.asking is not None
        door = await self.asking.door()
        server = module_argv(MCP_MODULE, "--door", str(door), "--task", self.task.id)
        # Only what a frozen bundle adds: the agent passes its own environment on.
        own = {k: v for k, v in module_env().items() if k.startswith("PYINSTALLER")}
        config = self.home.agent_state / self.task.id / MCP_CONFIG
        document = claudeasks.mcp_config(server, own)
        await asyncio.to_thread(write_atomically, config, orjson.dumps(document))
        return claudeasks.permission_argv(argv, str(config), self.asking.allowed())

    async def _wait(self, agent: RunningAgent) -> tuple[int, bool]:
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

    def _sink(self, sink: Callable[[bytes], None]) -> Callable[[bytes], None]:
        """Mask a child's output for `sink`, holding it until the child is recorded."""
        return self.held.wrap(self.masked.wrap(sink))

    def _stdout_sink(self, parser: StreamParser) -> Callable[[bytes], None]:
        def sink(data: bytes) -> None:
            assert self.log is not None
            self.log.write_raw(data)
            if self.on_raw is not None:
                self.on_raw(self.task.id, data)
            self._events(parser.feed(data))
            self._check_log()

        return sink

    def _raw_sink(self, parser: TextParser) -> Callable[[bytes], None]:
        def sink(data: bytes) -> None:
            self._events(parser.feed(data))
            self._check_log()

        return sink

    def _check_log(self) -> None:
        failed = self.log.failed if self.log is not None else None
        if failed is None or self.agent is None or self.summary.fatal is not None:
            return
        self.summary.fatal = failed.message
        if failed.disk_full:
            self.home.release_reserve()
        self._stopper = asyncio.get_running_loop().create_task(self.agent.stop(grace=1.0))

    # events

    def _note(self, event: Event) -> None:
        if "text" in event:  # Orchard's own words may quote a command holding a secret
            event["text"] = self.masked.masker.mask(event["text"])
        self._events([event])

    def _events(self, events: list[Event]) -> None:
        if not events:
            return
        assert self.log is not None
        self.log.write_events(events)
        self.summary.absorb(events, self.task)
        self.emit(self.task.id, events)
        for ev in events:
            if ev["kind"] == "session" and ev.get("text"):
                self.model = str(ev["text"])
        self._check_budget()

    def _check_budget(self) -> None:
        """Pause the agent once it reaches a cap: stopped with its session kept, work committed."""
        if self.reached is not None or self.agent is None or not self.caps.any():
            return
        usage = {**self._unsaved, **self.summary.changes}
        spent = {k: usage[k] for k in ("tokens_in", "tokens_out", "cost_usd") if k in usage}
        live = replace(self.task, **spent)
        found = reach(self.caps, spent_by(live, self.prices, time.time(), self.model))
        if found is None or found.level is not Level.REACHED:
            return
        self.reached = found
        self._note(make_event(EventKind.STATUS, f"budget: {found.text()}; pausing the agent"))
        agent = self.agent
        self._pauser = asyncio.get_running_loop().create_task(agent.stop(grace=PAUSE_GRACE))

    async def _stats_loop(self) -> None:
        while not self.workspace.remote:  # a checkout on a node is counted once fetched
            await asyncio.sleep(STATS_INTERVAL)
            self._check_budget()  # wall time passes without events
            if self.summary.touched:
                self.summary.touched = False
                await self.stats_pacer.run(self._refresh_stats)

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
        if self.reached is not None:
            return self._finish(TaskState.PAUSED, code, f"paused: {self.reached.text()}")
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
        title += " (stopped)" if stopped else " (paused)" if self.reached is not None else ""
        message = commit_message(title, self.turn.ask or self.task.prompt)
        try:
            sha = await self.workspace.commit(message)
        except (git.GitError, OSError, WorkspaceFailure) as exc:
            self._result_missing(f"Orchard could not commit: {exc}")
            return
        if sha:
            self._note(
                make_event(EventKind.STATUS, f"Orchard committed {sha[:10]} on {self.task.branch}")
            )
        try:
            await self.workspace.fetch(self._status)
        except WorkspaceFailure as exc:
            self._result_missing(f"Orchard could not fetch the result: {exc}")

    def _result_missing(self, why: str) -> None:
        """Say why the turn's result is not in its branch; on a node, the turn has failed."""
        self._note(make_event(EventKind.ERROR, why))
        # A local worktree still holds the agent's work; a node's checkout is not here.
        if self.workspace.remote and self.summary.fatal is None:
            self.summary.fatal = why

    def _finish(self, state: TaskState, code: int | None, error: str | None) -> Task:
        error = self.masked.masker.mask(error) if error else error
        now = time.time()
        ran = now - self.task.started_at if self.task.started_at is not None else 0.0
        return self._set_state(
            state,
            exit_code=code,
            error=error,
            finished_at=now,
            pgid=None,
            proc_start=None,
            spent_seconds=self.task.spent_seconds + max(0.0, ran),
        )

    def _set_state(self, state: TaskState, **changes: Any) -> Task:
        target = transition(self.task.state, state)
        if self.log is not None:
            self.log.flush()
        # Progress whose save is still under way or failed goes in too, under newer values.
        values = {**self._unsaved, **self.summary.take(), **changes, "state": target}
        self._unsaved = {}
        self.task = self.store.update(self.task.id, **values)
        self._note(make_event(EventKind.STATUS, f"state: {target}", status=str(target)))
        self.on_task(self.task)
        return self.task

    def take_changes(self) -> dict[str, Any]:
        """Hand over the summary changes batched since the last call.

        They count as unsaved, and go into this run's state writes, until save_ended() is
        called with them.
        """
        taken = self.summary.take()
        self._unsaved = {**self._unsaved, **taken}
        return taken

    def save_ended(self, changes: dict[str, Any], stored: bool) -> None:
        """Say that the save of `changes`, handed over by take_changes(), has ended.

        Changes that were not stored go back under any newer ones, for the next save.
        """
        for key, value in changes.items():  # a newer value is not yet known stored
            if key in self._unsaved and self._unsaved[key] is value:
                del self._unsaved[key]
        if not stored:
            self.summary.changes = {**changes, **self.summary.changes}

    def flush_log(self) -> None:
        """Push the log's held writes to its files, but for a part page held a moment."""
        if self.log is not None:
            self.log.flush(whole_pages=True)
