"""One started child and all that is done with its output: mask, log, parse, summarize.

An Executor (app.services.executor) starts it; the task run (app.services.taskrun) sees
only the AgentRun protocol, so where the output is handled can change without it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.core.events import Event
from app.core.masking import Masker
from app.core.profiles import OutputFormat
from app.core.turnsummary import USAGE, Summary
from app.services import git, process
from app.services.agents import StreamParser, parser_for
from app.services.agents.text import TextParser
from app.services.logs import HeldOutput, MaskedSinks, TaskLogWriter

if TYPE_CHECKING:
    from app.services.executor import LaunchSpec

OnEvents = Callable[[list[Event]], None]
OnRaw = Callable[[bytes], None]
STATS_SECONDS = 3.0  # how often the changed lines are counted while files change
# At most this many counts start a second, over every run: a hundred busy agents would
# otherwise spawn thirty-odd git processes a second, a tenth of a core and a stutter
# for everything else on the machine.
STATS_PER_SECOND = 8
_stats_turns: asyncio.Lock | None = None
SETUP = "setup"  # a project's setup command: plain text on both streams, no raw.log


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """How one child's output is handled: where it is logged, how parsed and masked."""

    task_id: str
    folder: str  # the task's log folder
    seq: int  # the number the next event gets
    stdout: str  # an OutputFormat value, or SETUP
    mask_env: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    totals: Mapping[str, Any] = field(default_factory=dict)  # the task's usage so far
    reserve: str | None = None  # a file to free when the disk fills
    worktree: str = ""  # where to count changed lines while the child runs, if anywhere
    base_commit: str = ""


class AgentRun(Protocol):
    """A started child whose output is being handled; held until release()."""

    pid: int
    pgid: int
    start_time: int | None
    summary: Summary  # what the output said so far, batched for the store

    def release(self) -> None: ...

    def note(self, events: list[Event]) -> None: ...

    async def wait(self) -> int: ...

    async def stop(self, grace: float = 3.0) -> None: ...

    def take_changes(self) -> dict[str, Any]: ...

    @property
    def next_seq(self) -> int: ...


class LocalRun:
    """A child of this process, its output handled on this process's loop."""

    def __init__(self, spec: OutputSpec, on_events: OnEvents, on_raw: OnRaw | None) -> None:
        self.spec = spec
        self.summary = Summary(totals={k: spec.totals[k] for k in USAGE if k in spec.totals})
        self.log = TaskLogWriter(Path(spec.folder), seq=spec.seq)
        self._masked = MaskedSinks(Masker.build(spec.mask_env, spec.secrets))
        self._held = HeldOutput()
        self._released = asyncio.Event()
        setup = spec.stdout == SETUP
        self._parser: StreamParser = (
            TextParser(stream=SETUP) if setup else parser_for(OutputFormat(spec.stdout))
        )
        self._errors = TextParser(stream=SETUP if setup else "stderr")
        self._raw_log = not setup
        self._on_events = on_events
        self._on_raw = on_raw
        self._child: process.ChildProcess | None = None
        self._ending: asyncio.Future[int] | None = None
        self._stopper: asyncio.Task[None] | None = None
        self._stats: asyncio.Task[None] | None = None
        self.pid = self.pgid = 0
        self.start_time: int | None = None

    async def start(self, launch: LaunchSpec) -> None:
        """Start the child, holding its output until release(); OSError if it cannot start."""
        self._held.hold()
        try:
            child = await process.spawn(
                launch.argv,
                launch.cwd,
                launch.env,
                launch.stdin,
                self._held.wrap(self._masked.wrap(self._stdout)),
                self._held.wrap(self._masked.wrap(self._stderr)),
            )
        except OSError:
            self.log.close()
            raise
        self._child = child
        self.pid, self.pgid, self.start_time = child.pid, child.pgid, child.start_time
        if self.spec.worktree:
            self._stats = asyncio.get_running_loop().create_task(self._count_changes())

    def release(self) -> None:
        """Handle the held output and all that follows: the child is recorded now."""
        self._held.release()
        self._released.set()

    def note(self, events: list[Event]) -> None:
        """Log Orchard's own events in order with the child's."""
        self._events(events)

    async def wait(self) -> int:
        """Wait for the child to exit and its output to be logged; return its exit code."""
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._end())
        return await asyncio.shield(self._ending)

    async def stop(self, grace: float = 3.0) -> None:
        """Stop the child's whole process group."""
        await process.terminate_group(self.pgid, grace)

    def take_changes(self) -> dict[str, Any]:
        """Flush the log and hand over the summary changes gathered since the last call."""
        self.log.flush()
        return self.summary.take()

    def flush(self) -> None:
        """Push the buffered log to its files, so a reader sees all of it."""
        self.log.flush()

    @property
    def next_seq(self) -> int:
        return self.log.event_count

    @property
    def ended(self) -> bool:
        """Say whether the child has exited and its output is all logged."""
        return self._ending is not None and self._ending.done()

    async def _end(self) -> int:
        assert self._child is not None
        code = await self._child.wait()
        self._child.close()
        if self._stats is not None:
            self._stats.cancel()
        await self._released.wait()
        self._masked.flush()
        self._events(self._parser.close() + self._errors.close())
        self.log.close()
        return code

    async def _count_changes(self) -> None:
        """Count the worktree's changed lines every few seconds while files change."""
        while True:
            await asyncio.sleep(STATS_SECONDS)
            if not self.summary.touched:
                continue
            self.summary.touched = False
            try:
                stat = await _paced(
                    lambda: git.diff_stat(self.spec.worktree, self.spec.base_commit)
                )
            except (git.GitError, OSError):
                continue  # the count after the turn is the one that stays
            self.summary.changes.update(
                files_changed=stat.files_changed,
                insertions=stat.insertions,
                deletions=stat.deletions,
            )

    def _stdout(self, data: bytes) -> None:
        if self._raw_log:
            self.log.write_raw(data)
            if self._on_raw is not None:
                self._on_raw(data)
        self._events(self._parser.feed(data))

    def _stderr(self, data: bytes) -> None:
        self._events(self._errors.feed(data))

    def _events(self, events: list[Event]) -> None:
        if events:
            self.log.write_events(events)
            self.summary.absorb(events)
            self._on_events(events)
        self._check_log()

    def _check_log(self) -> None:
        failed = self.log.failed
        if failed is None or self._child is None or self.summary.fatal is not None:
            return
        self.summary.fatal = failed.message
        if failed.disk_full and self.spec.reserve:
            Path(self.spec.reserve).unlink(missing_ok=True)
        self._stopper = asyncio.get_running_loop().create_task(self.stop(grace=1.0))


async def _paced[T](count: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a diff count in its turn: one at a time, STATS_PER_SECOND at most."""
    global _stats_turns
    if _stats_turns is None:
        _stats_turns = asyncio.Lock()
    async with _stats_turns:
        started = time.monotonic()
        try:
            return await count()
        finally:
            await asyncio.sleep(max(0.0, 1 / STATS_PER_SECOND - (time.monotonic() - started)))
