"""Where agents run and their output is handled: LocalExecutor, on this process's loop."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.services.agentrun import AgentRun, LocalRun, OnEvents, OnRaw, OutputSpec


@dataclass(frozen=True, slots=True)
class LaunchSpec:
    argv: Sequence[str]
    cwd: str
    env: Mapping[str, str]
    stdin: bytes | None = None


class Executor(Protocol):
    async def start(
        self, launch: LaunchSpec, output: OutputSpec, on_events: OnEvents, on_raw: OnRaw | None
    ) -> AgentRun: ...

    async def follow(self, task_id: str | None) -> None: ...

    def close(self) -> None: ...


class LocalExecutor:
    """Runs agents as children of this process and handles their output on its loop.

    Every task's events reach the subscribers; follow() only flushes the task's log.
    """

    def __init__(self) -> None:
        self._runs: dict[str, LocalRun] = {}

    async def start(
        self, launch: LaunchSpec, output: OutputSpec, on_events: OnEvents, on_raw: OnRaw | None
    ) -> AgentRun:
        """Start the child described by `launch`, its output handled as `output` says."""
        run = LocalRun(output, on_events, on_raw)
        await run.start(launch)
        self._runs = {k: r for k, r in self._runs.items() if not r.ended}
        self._runs[output.task_id] = run
        return run

    async def follow(self, task_id: str | None) -> None:
        """Flush the task's log so a reader of its files sees everything logged so far."""
        run = self._runs.get(task_id or "")
        if run is not None:
            run.flush()

    def close(self) -> None:
        """Nothing to release: every child belongs to a task run that stops it."""
