"""The test gate: the project's test command run on a would-be result before anything moves."""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.core.landing import TestRun as TestRun
from app.core.task import Project
from app.services import process
from app.services.repo import ScratchPool, git

TEST_TIMEOUT = 3600.0
TAIL_LINES = 60
TAIL_CHARS = 8000


@dataclass(frozen=True, slots=True)
class ShellRun:
    exit_code: int | None  # None: killed at the timeout
    output: str  # stdout and stderr together, in the order the command wrote them


async def run_shell(command: str, cwd: str, timeout: float) -> ShellRun:
    """Run `command` with `sh -c` in `cwd`; kill it after `timeout` seconds."""
    argv = ["sh", "-c", "exec 2>&1\n" + command]  # one stream, so the tail reads in order
    try:
        done = await process.run(argv, cwd=cwd, env=git.git_env(), timeout=timeout)
    except TimeoutError:
        return ShellRun(None, "")
    return ShellRun(done.returncode, done.text)


async def run_test_gate(
    scratch: ScratchPool, project: Project, commit: str, timeout: float = TEST_TIMEOUT
) -> TestRun:
    """Run the project's setup and test commands in a scratch checkout of `commit`."""
    command = project.test or "true"
    if project.setup:
        command = f"(\n{project.setup}\n) || exit $?\n{command}"
    started = time.monotonic()
    async with scratch.checkout(project.path, commit) as path:
        run = await run_shell(command, path, timeout)
    took = time.monotonic() - started
    return TestRun(project.test or "", run.exit_code == 0, run.exit_code, took, _tail(run.output))


def _tail(text: str) -> str:
    lines = text.splitlines()[-TAIL_LINES:]
    return "\n".join(lines)[-TAIL_CHARS:]
