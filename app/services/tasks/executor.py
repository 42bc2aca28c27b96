"""Where agents run. One implementation today (local processes); a remote one can follow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.services import process


@dataclass(frozen=True, slots=True)
class LaunchSpec:
    argv: Sequence[str]
    cwd: str
    env: Mapping[str, str]
    stdin: bytes | None = None
    # Keep stdin open for a driver that talks with the agent (the RunningAgent then also has
    # write(data) and close_stdin(): agents.AgentInput); `stdin` is then written first.
    keep_stdin: bool = False


class RunningAgent(Protocol):
    pid: int
    pgid: int
    start_time: int | None

    async def wait(self) -> int: ...

    async def stop(self, grace: float = 3.0) -> None: ...

    def close(self) -> None: ...


class Executor(Protocol):
    async def start(
        self, spec: LaunchSpec, on_stdout: process.OutputCallback, on_stderr: process.OutputCallback
    ) -> RunningAgent: ...


class LocalExecutor:
    """Runs agents as local child processes, each in its own process group."""

    async def start(
        self, spec: LaunchSpec, on_stdout: process.OutputCallback, on_stderr: process.OutputCallback
    ) -> RunningAgent:
        """Start the agent described by `spec`."""
        return await process.spawn(
            spec.argv, spec.cwd, spec.env, spec.stdin, on_stdout, on_stderr, spec.keep_stdin
        )
