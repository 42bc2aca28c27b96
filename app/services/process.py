"""The one place Orchard starts subprocesses.

Every child gets its own process group, so stopping it stops everything it
started; output is delivered in the chunks the pipe gives (up to 256 KB),
never a line at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

OutputCallback = Callable[[bytes], None]

# After the leader exits, a child it left behind may still hold the pipes;
# give the output this long to drain before the group is killed.
DRAIN_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class ProcessResult:
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def error_text(self) -> str:
        return self.stderr.decode("utf-8", errors="replace").strip()


async def run(
    argv: Sequence[str],
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float | None = None,
) -> ProcessResult:
    """Run a short command to completion and return its output."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except BaseException:
        kill_group(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            await asyncio.shield(proc.wait())
        raise
    return ProcessResult(proc.returncode or 0, out, err)


class _Protocol(asyncio.SubprocessProtocol):
    """Hands each pipe chunk straight to a callback; no stream buffering."""

    def __init__(self, on_stdout: OutputCallback, on_stderr: OutputCallback) -> None:
        self._callbacks = {1: on_stdout, 2: on_stderr}
        loop = asyncio.get_running_loop()
        self.pipes_closed: asyncio.Future[None] = loop.create_future()
        self.exited: asyncio.Future[None] = loop.create_future()
        self._open = {1, 2}

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self._callbacks[fd](data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._open.discard(fd)
        if not self._open and not self.pipes_closed.done():
            self.pipes_closed.set_result(None)


class ChildProcess:
    """A started child in its own process group."""

    def __init__(self, transport: asyncio.SubprocessTransport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self.pid: int = transport.get_pid()
        self.pgid: int = self.pid
        self.start_time: int | None = process_start_time(self.pid)

    async def wait(self) -> int:
        """Wait for exit and for the output to drain; return the exit code."""
        await asyncio.shield(self._protocol.exited)
        try:
            await asyncio.wait_for(asyncio.shield(self._protocol.pipes_closed), DRAIN_SECONDS)
        except TimeoutError:
            kill_group(self.pgid, signal.SIGKILL)
        code = self._transport.get_returncode()
        return code if code is not None else -1

    def signal(self, sig: int) -> None:
        """Send `sig` to the whole process group."""
        kill_group(self.pgid, sig)

    async def stop(self, grace: float = 3.0) -> None:
        """SIGTERM the group, then SIGKILL it if it is still there after `grace`."""
        await terminate_group(self.pgid, grace)

    def close(self) -> None:
        """Release the transport."""
        self._transport.close()


async def spawn(
    argv: Sequence[str],
    cwd: str,
    env: Mapping[str, str],
    stdin: bytes | None,
    on_stdout: OutputCallback,
    on_stderr: OutputCallback,
) -> ChildProcess:
    """Start `argv` in a new process group, streaming its output to the callbacks."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.subprocess_exec(
        lambda: _Protocol(on_stdout, on_stderr),
        *argv,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    child = ChildProcess(transport, protocol)
    if stdin is not None:
        _feed_stdin(transport, stdin)
    return child


def _feed_stdin(transport: asyncio.SubprocessTransport, data: bytes) -> None:
    pipe = transport.get_pipe_transport(0)
    if pipe is None:
        return
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        pipe.write(data)  # type: ignore[attr-defined]
        pipe.write_eof()  # type: ignore[attr-defined]


def kill_group(pgid: int, sig: int) -> bool:
    """Signal a process group; False if it no longer exists."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


async def terminate_group(pgid: int, grace: float) -> None:
    """SIGTERM a process group, then SIGKILL whatever is left of it after `grace`."""
    kill_group(pgid, signal.SIGTERM)
    deadline = asyncio.get_running_loop().time() + grace
    while group_alive(pgid) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    kill_group(pgid, signal.SIGKILL)


def group_alive(pgid: int) -> bool:
    """Say whether any process is left in group `pgid`."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_start_time(pid: int) -> int | None:
    """Return the kernel's start time of `pid` (clock ticks since boot), if known."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    fields = stat[stat.rfind(b")") + 2 :].split()
    return int(fields[19]) if len(fields) > 19 else None


def is_same_process(pid: int, start_time: int | None) -> bool:
    """Say whether `pid` is still the process that started at `start_time`."""
    if start_time is None:
        return group_alive(pid)
    return process_start_time(pid) == start_time


def launch_detached(argv: Sequence[str], cwd: str) -> None:
    """Start a program the user asked for (a terminal, an editor) and let it live on its own."""
    import subprocess  # only here: everything Orchard supervises goes through spawn()

    subprocess.Popen(
        list(argv),
        cwd=cwd,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
