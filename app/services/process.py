"""The one place Orchard starts subprocesses.

Every child gets its own process group, so stopping it stops everything it
started; output is delivered in the chunks the pipe gives (up to 256 KB),
never a line at a time, through the loop's output pump (app/services/pump.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.services.pump import pump

OutputCallback = Callable[[bytes], None]

# After the leader exits, a child it left behind may still hold the pipes: once they have
# been open this long with nothing coming through, the group is killed...
DRAIN_SECONDS = 2.0
# ... or once they have been read this long, for a child that goes on writing.
DRAIN_CAP_SECONDS = 30.0
# Output read but not yet handled, per child, past which its pipes stop being read.
PAUSE_BYTES = 256 * 1024
RESUME_BYTES = 64 * 1024


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
    starting = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    )
    try:
        proc = await asyncio.shield(starting)
    except asyncio.CancelledError:
        # Cancelled while the child starts (a superseded query): asyncio's own clean-up
        # would poll, and so reap, a child its watcher also waits for, which then logs
        # "exit status already read". The start ends; then the child is killed and reaped.
        _STARTING.add(starting)
        starting.add_done_callback(_kill_started)
        raise
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except BaseException:
        kill_group(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            await asyncio.shield(proc.wait())
        raise
    return ProcessResult(proc.returncode or 0, out, err)


_STARTING: set[asyncio.Future[asyncio.subprocess.Process]] = set()  # strong refs


def _kill_started(starting: asyncio.Future[asyncio.subprocess.Process]) -> None:
    _STARTING.discard(starting)
    if not starting.cancelled() and starting.exception() is None:
        proc = starting.result()
        if proc.returncode is None:
            kill_group(proc.pid, signal.SIGKILL)  # its group; the watcher reaps it


class _Protocol(asyncio.SubprocessProtocol):
    """Queues each pipe chunk on the loop's output pump for its callback; no stream buffering.

    The pump hands chunks over in the order they were read. A pipe whose chunks pile up
    unhandled past PAUSE_BYTES stops being read (the agent then waits on a full pipe)
    until they are down to RESUME_BYTES.
    """

    def __init__(self, on_stdout: OutputCallback, on_stderr: OutputCallback) -> None:
        self._callbacks = {1: on_stdout, 2: on_stderr}
        loop = asyncio.get_running_loop()
        self._pump = pump()
        self._transport: asyncio.SubprocessTransport | None = None
        self.eof: asyncio.Future[None] = loop.create_future()  # both pipes closed
        self.pipes_closed: asyncio.Future[None] = loop.create_future()  # ... and all handed over
        self.exited: asyncio.Future[None] = loop.create_future()
        self._open = {1, 2}
        self._queued = 0
        self._paused = False
        self._stirs = 0  # counts reads, pauses and resumes: the pipes were not idle
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.SubprocessTransport)
        self._transport = transport

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self._stirs += 1
        self._queued += len(data)
        if self._queued > PAUSE_BYTES and not self._paused:
            self._set_reading(False)
        self._pump.put(functools.partial(self._hand_over, fd, data))

    def _hand_over(self, fd: int, data: bytes) -> None:
        self._queued -= len(data)
        if self._paused and self._queued <= RESUME_BYTES:
            self._set_reading(True)
        if not self.closed:
            self._callbacks[fd](data)

    def _set_reading(self, on: bool) -> None:
        self._paused = not on
        self._stirs += 1
        for fd in (1, 2):
            pipe = self._transport.get_pipe_transport(fd) if self._transport else None
            if isinstance(pipe, asyncio.ReadTransport):
                if on:
                    pipe.resume_reading()
                else:
                    pipe.pause_reading()

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._open.discard(fd)
        if not self._open and not self.eof.done():
            self.eof.set_result(None)
            # Queued behind every chunk read: when it runs, all of them were handed over.
            self._pump.put(self._handed_all)

    def _handed_all(self) -> None:
        if not self.pipes_closed.done():
            self.pipes_closed.set_result(None)

    async def handed_over(self) -> None:
        """Wait until every chunk read so far has reached its callback."""
        await self._pump.barrier()

    async def reached_eof(self, limit: float, cap: float) -> bool:
        """Wait for both pipes to close; False once they stayed open `limit` seconds idle.

        Idle means read and silent. Time with reading paused does not count, nor time in
        which output arrived: then the pipe is open because Orchard has not caught up, not
        because a child the agent left behind holds it. Output that goes on past `cap`
        seconds of reading ends the wait too.
        """
        step = min(0.05, limit)
        idle = reading = 0.0
        while idle < limit and reading < cap:
            stirs = self._stirs
            try:
                await asyncio.wait_for(asyncio.shield(self.eof), step)
            except TimeoutError:
                if not self._paused:
                    reading += step
                    idle += step if self._stirs == stirs else 0.0
            else:
                return True
        return self.eof.done()


class ChildProcess:
    """A started child in its own process group."""

    def __init__(self, transport: asyncio.SubprocessTransport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self.pid: int = transport.get_pid()
        self.pgid: int = self.pid
        self.start_time: int | None = process_start_time(self.pid)

    async def wait(self) -> int:
        """Wait for exit and for the output to drain and be handed over; return the exit code."""
        await asyncio.shield(self._protocol.exited)
        if await self._protocol.reached_eof(DRAIN_SECONDS, DRAIN_CAP_SECONDS):
            await asyncio.shield(self._protocol.pipes_closed)
        else:
            kill_group(self.pgid, signal.SIGKILL)
            await self._protocol.handed_over()
        code = self._transport.get_returncode()
        return code if code is not None else -1

    def signal(self, sig: int) -> None:
        """Send `sig` to the whole process group."""
        kill_group(self.pgid, sig)

    async def stop(self, grace: float = 3.0) -> None:
        """SIGTERM the group, then SIGKILL it if it is still there after `grace`."""
        await terminate_group(self.pgid, grace)

    def write(self, data: bytes) -> None:
        """Write to the child's stdin, kept open by spawn(keep_stdin=True)."""
        pipe = self._transport.get_pipe_transport(0)
        if isinstance(pipe, asyncio.WriteTransport) and not pipe.is_closing():
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                pipe.write(data)

    def close_stdin(self) -> None:
        """End the child's stdin: what it reads next is the end of its input."""
        pipe = self._transport.get_pipe_transport(0)
        if isinstance(pipe, asyncio.WriteTransport) and not pipe.is_closing():
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                pipe.write_eof()

    def close(self) -> None:
        """Release the transport; output still queued for the callbacks is dropped."""
        self._protocol.closed = True
        self._transport.close()


async def spawn(
    argv: Sequence[str],
    cwd: str,
    env: Mapping[str, str],
    stdin: bytes | None,
    on_stdout: OutputCallback,
    on_stderr: OutputCallback,
    keep_stdin: bool = False,
) -> ChildProcess:
    """Start `argv` in a new process group, streaming its output to the callbacks.

    With `keep_stdin`, stdin stays open for ChildProcess.write until close_stdin().
    """
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.subprocess_exec(
        lambda: _Protocol(on_stdout, on_stderr),
        *argv,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.PIPE
        if stdin is not None or keep_stdin
        else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    child = ChildProcess(transport, protocol)
    if stdin is not None and keep_stdin:
        child.write(stdin)
    elif stdin is not None:
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


def start_detached(
    argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: str | None = None
) -> None:
    """Start a program that outlives this process (a successor service), in its own session."""
    import subprocess  # only here: everything Orchard supervises goes through spawn()

    subprocess.Popen(
        list(argv),
        env=None if env is None else dict(env),
        cwd=cwd,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )


def kill_orphans_in(folder: str) -> list[int]:
    """SIGKILL the orphaned process groups working in `folder`; return their ids.

    A process works in `folder` when its current directory is inside it; its group is
    orphaned when the group's leader is gone or was handed to init (its parent died). The
    groups of a live parent, such as another Orchard's test gate, are left alone.
    """
    root = os.path.realpath(folder) + os.sep
    killed = []
    for pgid in groups_working_in(root):
        if pgid not in killed and _orphaned(pgid) and kill_group(pgid, signal.SIGKILL):
            killed.append(pgid)
    return killed


def groups_working_in(folder: str) -> list[int]:
    """Return the process groups of the processes whose current directory is in `folder`."""
    root = os.path.realpath(folder).rstrip(os.sep) + os.sep
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
            pgid = os.getpgid(int(entry))
        except OSError:
            continue
        if (cwd + os.sep).startswith(root):
            found.append(pgid)
    return found


def _orphaned(pgid: int) -> bool:
    try:
        with open(f"/proc/{pgid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return True  # the leader is gone; what is left of its group is nobody's
    return int(stat[stat.rfind(b")") + 2 :].split()[1]) == 1
