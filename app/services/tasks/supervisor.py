"""Runs queued tasks, at most K at once, and tells subscribers what happens.

Subscribers (the CLI's progress display, later the window) receive plain
dataclass messages; they never reach inside a run.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from app.core.events import Event
from app.core.findings import Finding, orphan_finding
from app.core.messages import AlreadySupervised as AlreadySupervised
from app.core.messages import Listener as Listener
from app.core.messages import Message as Message
from app.core.messages import QueueHeld as QueueHeld
from app.core.messages import ReportsChanged as ReportsChanged
from app.core.messages import TaskOutput as TaskOutput
from app.core.messages import TaskRawOutput as TaskRawOutput
from app.core.messages import TaskUpdated as TaskUpdated
from app.core.states import LIVE_STATES, TaskState
from app.core.task import Task
from app.services import process
from app.services.config import Home, Settings
from app.services.pump import pump
from app.services.store import Store
from app.services.tasks import memory
from app.services.tasks.budgets import BudgetKeeper
from app.services.tasks.executor import Executor, ExecutorUnavailable
from app.services.tasks.pacing import Pacer
from app.services.tasks.taskrun import Asking, TaskRun

FLUSH_SECONDS = 0.25
CHECKPOINT_SECONDS = 5.0  # how often the database's write-ahead log is folded in, off the loop
log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
# Running tasks count their changed lines every few seconds while files change: at most
# this many counts start a second, over all of them.
STATS_PER_SECOND = 8


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class SupervisorLock:
    """One supervisor per home: an advisory lock on a file holding the owner's pid."""

    def __init__(self, home: Home) -> None:
        self._path = home.lock
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadySupervised naming the owner."""
        f = open(self._path, "a+")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            owner = f.read().strip() or "unknown"
            f.close()
            raise AlreadySupervised(
                f"another Orchard (pid {owner}) is already running tasks for this home; "
                "it picks up newly queued tasks by itself"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._file = f

    @property
    def held(self) -> bool:
        """Say whether this process holds the lock."""
        return self._file is not None

    def owner(self) -> int | None:
        """Return the pid written in the lock file, if any."""
        try:
            text = self._path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def request_focus(self) -> None:
        """Ask the Orchard holding the lock to bring its window to the front."""
        self._focus_path.write_text(str(os.getpid()))

    def take_focus_request(self) -> bool:
        """Say whether another Orchard asked this one to come to the front, and forget it."""
        try:
            self._focus_path.unlink()
        except FileNotFoundError:
            return False
        return True

    @property
    def _focus_path(self) -> Path:
        return self._path.with_name("focus.request")

    def release(self) -> None:
        """Give the lock up."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def held_by_other(self) -> bool:
        """Say whether some other process holds the lock right now."""
        if self._file is not None or not self._path.exists():
            return False
        with open(self._path) as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
        return False


@dataclass(frozen=True, slots=True)
class _ProgressSave:
    """Running tasks' batched changes on their way to the store."""

    runs: list[tuple[TaskRun, Task]]  # each run with the task it held when the save began
    changes: dict[str, dict[str, Any]]
    future: Future[dict[str, Task]]


class Supervisor:
    def __init__(self, home: Home, store: Store, settings: Settings, executor: Executor) -> None:
        self.home = home
        self.store = store
        self.settings = settings
        self.executor = executor
        self._runs: dict[str, TaskRun] = {}
        self._stats_pacer = Pacer(STATS_PER_SECOND)  # running tasks' changed-line counts
        self._jobs: set[asyncio.Task[Task]] = set()  # strong refs: never collected mid-run
        self._stops: set[asyncio.Task[bool]] = set()  # stops asked for by other processes
        self._listeners: list[Listener] = []
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop run() runs on
        self._stopping = False
        self._checkpointing: asyncio.Future[None] | None = None
        self._saver: ThreadPoolExecutor | None = None  # saves progress off the loop, in run()
        self.errors: list[str] = []
        # What start-up reconciliation found; the window and `orchard doctor` show it.
        self.findings: list[Finding] = []
        self.held_reason: str | None = None  # why queued tasks wait, for the window to show
        self.parallel_override: int | None = None  # `orchard run --parallel K` via the service
        self._reaped = False  # reconcile() has run
        self._all_held = False  # every queued task waits on a budget or the review capacity
        # How each run's agent asks a person (the inbox's), given by whoever holds it.
        self.asking: Callable[[Task], Asking] | None = None
        self._reattach: list[Task] = []  # turns left running on a cluster, to follow again
        self.budgets = BudgetKeeper(store, lambda: self.settings, self._on_task, self.wake)

    # subscribers

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every message; return a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def announce(self, task: Task) -> None:
        """Tell every listener that `task` changed outside a run (a land, a discard)."""
        self._publish(TaskUpdated(task))

    def announce_reports(self, project: str) -> None:
        """Tell every listener that `project`'s bug reports changed."""
        self._publish(ReportsChanged(project))

    def _publish(self, message: Message) -> None:
        for listener in list(self._listeners):
            listener(message)

    # running

    async def run(self, parallel: int | None = None, until_idle: bool = True) -> None:
        """Start queued tasks as slots free, until nothing is queued or running."""
        self._loop = asyncio.get_running_loop()
        self._saver = ThreadPoolExecutor(1, thread_name_prefix="orchard-save")
        flusher = asyncio.create_task(self._flush_loop())
        try:
            await self._connect(until_idle)
            while self._reattach:
                self._start(self._reattach.pop(), reattach=True)
            while True:
                if not self._stopping:  # settings may change while we run
                    self._fill(max(1, parallel or self.parallel_override or self.settings.parallel))
                self._honour_stop_requests()
                if (
                    until_idle
                    and not self._runs
                    and (self._stopping or not self.budgets.waiting())
                    and (
                        self._stopping
                        or self._all_held  # by a budget or the review capacity: a person acts
                        or not self.store.tasks(states=[TaskState.QUEUED])
                    )
                ):
                    break
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
        finally:
            await self.budgets.close()
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            if self._checkpointing is not None:  # the store must outlive its thread
                await self._checkpointing
            self._flush()  # after any save still under way
            self._saver.shutdown()
            self._saver = None

    async def _connect(self, until_idle: bool) -> None:
        """Reach the executor's cluster; queued tasks wait (and a one-off run ends) if not."""
        while True:
            try:
                await self.executor.connect()
            except ExecutorUnavailable as exc:
                if until_idle:
                    raise
                self._hold(str(exc))
                await asyncio.sleep(POLL_SECONDS * 30)
            else:
                self._hold(None)
                return

    def _fill(self, limit: int) -> None:
        self.budgets.sweep(self.asking)
        free = limit - len(self._runs)
        if free <= 0:
            return
        # A task started a moment ago may still read as queued: skip it.
        queued = [t for t in self.store.tasks(states=[TaskState.QUEUED]) if t.id not in self._runs]
        # Past a group's or project's cap, or a full review capacity, a batch's tasks wait.
        startable, budget_reason = self.budgets.holds(queued)
        self._all_held = bool(queued) and not startable
        # Agents on a cluster take no memory here: Ray places them where it is free.
        here = startable and self.executor.kind == "local"
        short = memory.hold_reason(self.settings.min_free_memory_mb) if here else None
        if self._hold(short or budget_reason) and short:
            return
        for task in startable[:free]:
            self._start(task)

    def _hold(self, reason: str | None) -> bool:
        """Record (and publish when it changes) why queued tasks wait; True if they must."""
        if reason != self.held_reason:
            self.held_reason = reason
            self._publish(QueueHeld(reason))
        return reason is not None

    def _start(self, task: Task, reattach: bool = False) -> None:
        profile = self.settings.profiles.get(task.agent)
        if profile is None:
            self._on_task(
                self.store.update(
                    task.id,
                    state=TaskState.FAILED,
                    finished_at=time.time(),
                    error=f"agent '{task.agent}' is no longer defined in config.toml",
                )
            )
            return
        save_card(self.home.logs / task.id, task)
        run = TaskRun(
            task,
            self.store.project(task.project),
            profile,
            self.home,
            self.store,
            self.executor,
            self._on_events,
            self._on_task,
            self._stats_pacer,
        )
        run.on_raw = self._on_raw
        run.asking = self.asking(task) if self.asking is not None else None
        run.caps, run.prices = self.budgets.caps(task), self.settings.budget.prices
        self._runs[task.id] = run
        job = asyncio.create_task(self._execute(run, reattach), name=f"task {task.short_id}")
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    async def _execute(self, run: TaskRun, reattach: bool) -> Task:
        try:
            return await run.execute(reattach)
        except Exception as exc:  # a bug or a broken disk must not vanish silently
            self.errors.append(f"task {run.task.short_id}: {exc}")
            log.exception("task %s crashed", run.task.id)
            return self._mark_crashed(run.task, exc)
        finally:
            del self._runs[run.task.id]
            if run.asking is not None:
                run.asking.ended()
            if run.task.state is TaskState.PAUSED:  # asks a person: raise the cap, or stop
                self.budgets.paused(run.task, self.asking(run.task) if self.asking else None)
            self._wake.set()

    def _mark_crashed(self, task: Task, exc: Exception) -> Task:
        try:
            task = self.store.update(
                task.id,
                state=TaskState.FAILED,
                finished_at=time.time(),
                pgid=None,
                proc_start=None,
                error=f"Orchard failed: {exc}",
            )
        except Exception:
            log.exception("could not record the failure of task %s", task.id)
        self._publish(TaskUpdated(task))
        return task

    def _on_events(self, task_id: str, events: list[Event]) -> None:
        self._publish(TaskOutput(task_id, tuple(events)))

    def _on_raw(self, task_id: str, data: bytes) -> None:
        self._publish(TaskRawOutput(task_id, data))

    def _on_task(self, task: Task) -> None:
        self._publish(TaskUpdated(task))

    async def _flush_loop(self) -> None:
        due = time.monotonic() + CHECKPOINT_SECONDS
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self._save_progress()
            if time.monotonic() >= due:
                self._checkpointing = asyncio.ensure_future(asyncio.to_thread(self._checkpoint))
                await asyncio.shield(self._checkpointing)
                due = time.monotonic() + CHECKPOINT_SECONDS

    def _checkpoint(self) -> None:
        try:
            self.store.checkpoint()
        except Exception as exc:  # e.g. the disk is full: the next one tries again
            log.warning("could not checkpoint the database: %s", exc)

    async def _save_progress(self) -> None:
        """Save every running task's batched progress in one transaction, off the loop.

        The commit stalled the window up to 48 ms when it ran on the loop. The store orders
        writes: a task's final state, written while this save is under way, waits for it.
        """
        if (save := self._start_save()) is not None:
            with contextlib.suppress(Exception):  # _save_ended() reports it
                await asyncio.wrap_future(save.future)
            self._save_ended(save)

    def _flush(self) -> None:
        """Save every running task's batched progress now, waiting on the loop."""
        if (save := self._start_save()) is not None:
            wait([save.future])
            self._save_ended(save)

    def _start_save(self) -> _ProgressSave | None:
        runs = list(self._runs.values())
        # Each log's held writes reach its files in its own turn of the output pump: a
        # hundred flushes in one step blocked the loop 20-40 ms once the kernel started
        # throttling the flood of log writes.
        queue = pump()
        for run in runs:
            queue.put(run.flush_log)
        changes = {run.task.id: c for run in runs if (c := run.take_changes())}
        if not changes:
            return None
        assert self._saver is not None
        future = self.store.update_many_on(self._saver, changes)
        return _ProgressSave([(r, r.task) for r in runs if r.task.id in changes], changes, future)

    def _save_ended(self, save: _ProgressSave) -> None:
        failure = save.future.exception()
        if failure is not None:  # e.g. the disk is full: retried on the next tick
            log.warning("could not save the progress of running tasks: %s", failure)
        for run, held in save.runs:
            run.save_ended(save.changes[held.id], stored=failure is None)
            # A run that ended, or changed state, while the save was under way keeps the
            # newer task it holds.
            if failure is None and self._runs.get(held.id) is run and run.task is held:
                run.task = save.future.result()[held.id]
                self._publish(TaskUpdated(run.task))

    def start_now(self, task_ids: list[str]) -> None:
        """Start these queued tasks at once, even past the parallel limit."""
        for task_id in task_ids:
            task = self.store.task(task_id)
            if task.state is TaskState.QUEUED and task_id not in self._runs:
                self._start(task)

    def slots(self) -> tuple[int, int]:
        """Return the agents' turns running now and the parallel limit they run under."""
        return len(self._runs), max(1, self.parallel_override or self.settings.parallel)

    def runs(self, task_id: str) -> bool:
        """Say whether this supervisor is running a turn of `task_id` right now."""
        return task_id in self._runs

    def flush_log(self, task_id: str) -> None:
        """Push a running task's buffered log to its files, so a reader sees all of it."""
        run = self._runs.get(task_id)
        if run is not None and run.log is not None:
            run.log.flush()

    def wake(self) -> None:
        """Look for queued tasks now rather than at the next poll; safe from any thread.

        The window queues and retries tasks on worker threads, where an asyncio.Event must
        not be set directly.
        """
        loop = self._loop
        if loop is None or loop.is_closed() or _running_loop() is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    # stopping

    async def stop_task(self, task_id: str) -> bool:
        """Stop a task this supervisor runs; False if it is not running here."""
        run = self._runs.get(task_id)
        if run is None:
            return False
        if run.asking is not None:
            run.asking.ended()  # its requests are refused at once, before the agent is gone
        await run.stop()
        return True

    def _honour_stop_requests(self) -> None:
        """Stop turns on a cluster that another process asked to stop: it has no group to kill."""
        for run in list(self._runs.values()):
            remote = run.workspace.remote and not run.stop_requested
            if remote and self.store.task(run.task.id).stop_requested:
                stopping = asyncio.create_task(self.stop_task(run.task.id))
                self._stops.add(stopping)
                stopping.add_done_callback(self._stops.discard)

    def hold_queue(self, reason: str) -> None:
        """Start no more queued tasks while running ones go on; `reason` says why."""
        self._stopping = True
        self._hold(reason)

    async def stop_all(self) -> None:
        """Stop every running agent and start no more; queued tasks stay queued."""
        self._stopping = True
        self._wake.set()
        await asyncio.gather(*(run.stop() for run in list(self._runs.values())))

    # start-up

    def reconcile(self) -> list[Task]:
        """Mark tasks left active by a dead supervisor as interrupted, killing leftovers.

        Only the lock holder may call this: another live supervisor's tasks look the same.
        Only the first call reaps (later ones, e.g. a re-check, return []), and never a task
        this supervisor runs. A group is killed only if its leader is still the process
        recorded (same start time), so a pid the kernel has since given to someone else is
        never hit.
        """
        if self._reaped:
            return []
        self._reaped = True
        live = [t for t in self.store.tasks(states=LIVE_STATES) if t.id not in self._runs]
        # A turn on a cluster outlives the Orchard that started it: run() follows it again.
        self._reattach = [t for t in live if self.executor.reattachable(t)]
        left = [t for t in live if t not in self._reattach]
        killed = {t.id for t in left if t.pgid and _kill_orphan(t)}
        change = {
            "state": TaskState.INTERRUPTED,
            "pgid": None,
            "proc_start": None,
            "finished_at": time.time(),
            "error": "Orchard stopped while this task ran; its worktree and log are kept",
        }
        saved = self.store.update_many({t.id: change for t in left}) if left else {}
        self.findings += [orphan_finding(saved[i]) for i in saved if i in killed]
        return list(saved.values())


CARD = "task.json"


def save_card(folder: Path, task: Task) -> None:
    """Keep what the task is (prompt, agent, base) beside its log, for a rebuilt database."""
    card = {k: v for k, v in task.to_json().items() if k in _CARD_FIELDS}
    with contextlib.suppress(OSError):  # a hint for recovery only: never fails a run
        folder.mkdir(parents=True, exist_ok=True)
        (folder / CARD).write_bytes(orjson.dumps(card))


_CARD_FIELDS = frozenset(
    {"id", "project", "title", "prompt", "agent", "branch", "worktree", "base_ref"}
    | {"base_commit", "created_at", "group"}
)


def _kill_orphan(task: Task) -> bool:
    """SIGKILL the recorded group of `task` if its leader is still the one recorded."""
    assert task.pgid is not None
    same = process.is_same_process(task.pgid, task.proc_start)
    # A leader that exited leaves its children in the group; the kernel gives no new
    # process a pid equal to a live group's id, so such a group is still ours.
    leaderless = process.process_start_time(task.pgid) is None and process.group_alive(task.pgid)
    if not (same or leaderless):
        return False
    return process.kill_group(task.pgid, signal.SIGKILL)
