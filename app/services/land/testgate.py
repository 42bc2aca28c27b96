"""The test gate: the project's test command run on a would-be result before anything moves."""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.landing import TestRun as TestRun
from app.core.task import Project
from app.services import process
from app.services.repo import ScratchPool, git

TEST_TIMEOUT = 3600.0
TAIL_LINES = 60
TAIL_CHARS = 8000
LIVE_LINES = 40  # of a test command still running, as the train's list shows them
TEST_LOG = "train-test.log"  # in the task's logs: the output of its car's test command


@dataclass(frozen=True, slots=True)
class ShellRun:
    exit_code: int | None  # None: killed at the timeout
    output: str  # stdout and stderr together, in the order the command wrote them


async def run_shell(command: str, cwd: str, timeout: float, log: Path | None = None) -> ShellRun:
    """Run `command` with `sh -c` in `cwd`, its output into `log` as it comes if given."""
    into = "exec 2>&1\n"  # one stream, so the tail reads in order
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        into = f"exec >{shlex.quote(str(log))} 2>&1\n"
    try:
        done = await process.run(
            ["sh", "-c", into + command], cwd=cwd, env=git.git_env(), timeout=timeout
        )
    except TimeoutError:
        return ShellRun(None, live_tail(log, TAIL_LINES) if log is not None else "")
    return ShellRun(done.returncode, live_tail(log, TAIL_LINES) if log is not None else done.text)


async def run_test_gate(
    scratch: ScratchPool,
    project: Project,
    commit: str,
    timeout: float = TEST_TIMEOUT,
    log: Path | None = None,
) -> TestRun:
    """Run the project's setup and test commands in a scratch checkout of `commit`.

    With `log`, their output goes there as it comes (what a car under test shows so far).
    """
    command = project.test or "true"
    if project.setup:
        command = f"(\n{project.setup}\n) || exit $?\n{command}"
    started = time.monotonic()
    async with scratch.checkout(project.path, commit) as path:
        run = await run_shell(command, path, timeout, log)
    took = time.monotonic() - started
    return TestRun(project.test or "", run.exit_code == 0, run.exit_code, took, _tail(run.output))


def live_tail(log: Path, lines: int = LIVE_LINES) -> str:
    """Return the last `lines` lines a test command wrote to `log` so far ("" if none)."""
    try:
        with log.open("rb") as f:
            f.seek(max(0, f.seek(0, 2) - TAIL_CHARS))
            data = f.read()
    except OSError:
        return ""
    return _tail(data.decode(errors="replace"), lines)


def _tail(text: str, count: int = TAIL_LINES) -> str:
    lines = text.splitlines()[-count:]
    return "\n".join(lines)[-TAIL_CHARS:]
