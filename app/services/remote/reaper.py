"""The wrapper an agent runs under on a cluster node: `python -m app.services.remote.reaper`.

    python -m app.services.remote.reaper PIDFILE -- ARGV...

It starts the agent in a session of its own (so stopping it reaches every process the agent
started, and nothing else), writes the agent's pid to PIDFILE, and exits with the agent's
code. A watcher in another session kills the agent's group once the wrapper or the Ray worker
that started it is gone: `ray.kill` of an actor, or a lost node, otherwise leaves an agent in
its own session running. (Not PR_SET_PDEATHSIG: it fires when the parent *thread* ends, and
the actor's threads are Ray's. Nor Ray's subreaper option: it breaks exit codes of
subprocesses in workers.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

WATCH_SECONDS = 0.2
DRAIN_SECONDS = 2.0  # the agent's leftovers get this long after it exits, then SIGKILL


def main(argv: list[str]) -> int:
    """Run the agent named after `--`; return (or die of) what it ended with."""
    if len(argv) < 3 or argv[1] != "--":
        print("usage: reaper PIDFILE -- ARGV...", file=sys.stderr)
        return 2
    pidfile, command = argv[0], argv[2:]
    # The watcher comes first and the agent tells it its pid before it runs anything: a
    # wrapper killed at any moment (its worker gone with a lost node) leaves no agent unwatched.
    told, tell = os.pipe()
    _fork_watcher(os.getppid(), os.getpid(), told, tell)
    os.close(told)
    try:
        agent = subprocess.Popen(command, start_new_session=True, preexec_fn=lambda: _say_pid(tell))
    except OSError as exc:
        print(f"could not start {command[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 127
    finally:
        os.close(tell)
    _write_pid(pidfile, agent.pid)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: signal_group(agent.pid, s))
    code = agent.wait()
    _drain(agent.pid)
    if code < 0:  # died of a signal: so does the wrapper, and its parent reads the same
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


def _write_pid(path: str, pid: int) -> None:
    part = f"{path}.part"
    with open(part, "w") as f:
        f.write(str(pid))
    os.replace(part, path)


def _say_pid(fd: int) -> None:
    """Tell the watcher the agent's pid (and group): run in the agent before it execs."""
    os.write(fd, str(os.getpid()).encode())


def _fork_watcher(worker: int, wrapper: int, told: int, tell: int) -> None:
    """Start a process, in its own session, that kills the agent's group once `wrapper` is gone.

    The agent's pid comes through `told`; none (the pipe closed first) means no agent ran.
    The wrapper counts as gone when it died (the watcher is handed to another parent) or
    when its own parent, the worker, did (the wrapper is handed to another parent).
    """
    if os.fork() != 0:
        return
    try:
        os.close(tell)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # the actor reads the pipes until every holder closes them
            os.dup2(null, fd)
        said = b""
        while chunk := os.read(told, 32):
            said += chunk
        if not said:
            return
        group = int(said)
        while group_alive(group):
            if os.getppid() != wrapper or _parent_of(wrapper) != worker:
                signal_group(group, signal.SIGKILL)
                break
            time.sleep(WATCH_SECONDS)
    finally:
        os._exit(0)


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return int(stat[stat.rfind(b")") + 2 :].split()[1])


def _drain(group: int) -> None:
    deadline = time.monotonic() + DRAIN_SECONDS
    while group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    signal_group(group, signal.SIGKILL)


def signal_group(group: int, sig: int) -> None:
    """Send `sig` to process group `group`, if it is still there."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)


def group_alive(group: int) -> bool:
    """Say whether any process is left in group `group`."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
