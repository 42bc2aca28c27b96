"""The node's side of a task on Ray: one detached, named actor per task.

It holds the task's checkout on the node, runs each turn's processes under the reaping
wrapper, keeps their raw output and answers `read()` by long poll, commits at the turn's end
and hands the result back as a git bundle. It knows nothing of agents: it runs whatever
argv, environment and input Orchard sends, with Orchard's worktree path mapped to its own.
A threaded actor (max_concurrency): a read waits while a stop or another read is answered.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from app.services.remote import checkout
from app.services.remote.reaper import group_alive, signal_group

READ_CAP = 1024 * 1024  # bytes handed back by one read, per stream
PID_WAIT_SECONDS = 10.0
LINGER_SECONDS = 0.025


class TaskActor:
    """One task's checkout and processes on the node this actor was placed on."""

    def __init__(self, task_id: str, root: str, idle_exit_seconds: float) -> None:
        import ray  # only on a node, where the actor runs

        self.task_id = task_id
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.node: str = ray.get_runtime_context().get_node_id()
        self.repo_key = ""
        self.worktree: Path | None = None
        self.local_worktree = ""
        self.turn = 0
        self.streams: tuple[bytearray, bytearray] = (bytearray(), bytearray())
        self.code: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.agent_pid: int | None = None
        self.cond = threading.Condition()
        self.used = time.monotonic()  # when a call last began or ended
        self.busy = 0  # calls under way: the actor is not idle while one is
        self.idle_exit_seconds = idle_exit_seconds
        threading.Thread(target=self._expire_when_idle, daemon=True).start()

    def where(self) -> dict[str, Any]:
        """Say where this actor runs: node id, host, its worker's pid, its checkout."""
        self.used = time.monotonic()
        return {
            "node": self.node,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "worktree": str(self.worktree) if self.worktree else None,
            "turn": self.turn,
            "running": self.proc is not None and self.code is None,
        }

    def checkout(
        self, bundle: bytes, repo_key: str, ref: str, commit: str, branch: str, local: str
    ) -> dict[str, Any]:
        """Check `commit` out from `bundle`; `local` is Orchard's path for the same worktree."""
        began = time.monotonic()
        self.repo_key, self.local_worktree = repo_key, local
        with self._busy():
            self.worktree = checkout.make_checkout(
                self.root, repo_key, bundle, ref, commit, branch, self.task_id
            )
        return {**self.where(), "seconds": time.monotonic() - began}

    def start(
        self,
        argv: Sequence[str],
        cwd: str,
        env: Mapping[str, str],
        stdin: bytes | None,
        keep_stdin: bool = False,
    ) -> dict[str, Any]:
        """Start a turn's process under the reaper; return its turn number and pid."""
        assert self.worktree is not None, "checkout() comes first"
        self.used = time.monotonic()
        with self.cond:
            self.turn += 1
            self.streams, self.code, self.agent_pid = (bytearray(), bytearray()), None, None
        pidfile = self._pidfile(self.turn)
        pidfile.unlink(missing_ok=True)
        wrapper = [sys.executable, "-m", "app.services.remote.reaper", str(pidfile), "--"]
        self.proc = subprocess.Popen(
            [*wrapper, *(self._mapped(a) for a in argv)],
            cwd=self._mapped(cwd),
            env={k: self._mapped(v) for k, v in env.items()},
            stdin=subprocess.PIPE if stdin is not None or keep_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        turn, proc = self.turn, self.proc
        readers = [self._reader(turn, pipe, i) for i, pipe in enumerate((proc.stdout, proc.stderr))]
        threading.Thread(target=self._await_end, args=(turn, proc, readers), daemon=True).start()
        if keep_stdin:  # an agent Orchard talks with: its messages come through write()
            self.write(turn, stdin or b"")
        elif stdin is not None:
            threading.Thread(target=self._feed, args=(proc, stdin), daemon=True).start()
        self.agent_pid = self._read_pid(pidfile, proc)
        return {"turn": turn, "pid": self.agent_pid or proc.pid, "node": self.node}

    def read(
        self, turn: int, out: int, err: int, timeout: float
    ) -> tuple[bytes, bytes, int | None]:
        """Return a turn's output past these offsets, waiting up to `timeout` for some.

        The exit code comes with the last of the output, and only then.
        """
        self.used = time.monotonic()
        deadline = time.monotonic() + timeout
        with self.cond:
            while turn == self.turn and self.code is None and not self._past(out, err):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            if turn != self.turn:
                return b"", b"", -1
            # Output that has begun to come gathers a moment more: one round trip per
            # line cost the supervising process 3x a local line's CPU at 100 lines/s.
            end = min(deadline, time.monotonic() + LINGER_SECONDS)
            while (
                self.code is None and self._past(out, err) and (left := end - time.monotonic()) > 0
            ):
                self.cond.wait(left)
            stdout, stderr = self.streams
            a, b = bytes(stdout[out : out + READ_CAP]), bytes(stderr[err : err + READ_CAP])
            whole = out + len(a) == len(stdout) and err + len(b) == len(stderr)
            return a, b, self.code if whole else None

    def stop(self, grace: float) -> None:
        """SIGTERM the agent's whole group, then SIGKILL what is left after `grace`."""
        if self.proc is None or self.code is not None:
            return
        pid = self.agent_pid
        if pid is None:  # the wrapper had not said its agent's pid in time: it may have now
            pid = self.agent_pid = self._read_pid(self._pidfile(self.turn), self.proc, 0.0)
        if pid is None:  # not started: the wrapper ends, its watcher takes the group with it
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            return
        signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while group_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        signal_group(pid, signal.SIGKILL)

    def commit(self, message: str) -> str | None:
        """Commit the turn's changes as Orchard does locally."""
        assert self.worktree is not None
        with self._busy():
            return checkout.commit(self.worktree, message)

    def result(self, base: str) -> bytes | None:
        """Return the branch past `base` as a git bundle; None if nothing was committed."""
        assert self.worktree is not None
        with self._busy():
            return checkout.result_bundle(self.worktree, base)

    def close(self) -> None:
        """Remove the checkout and end this actor."""
        import ray

        self._remove()
        ray.actor.exit_actor()

    # inside

    @contextlib.contextmanager
    def _busy(self) -> Iterator[None]:
        self.busy += 1
        self.used = time.monotonic()
        try:
            yield
        finally:
            self.busy -= 1
            self.used = time.monotonic()

    def _past(self, out: int, err: int) -> bool:
        return len(self.streams[0]) > out or len(self.streams[1]) > err

    def _mapped(self, value: str) -> str:
        if not self.local_worktree or self.worktree is None:
            return value
        return value.replace(self.local_worktree, str(self.worktree))

    def _reader(self, turn: int, pipe: Any, index: int) -> threading.Thread:
        def read() -> None:
            fd = pipe.fileno()
            while chunk := os.read(fd, 65536):
                with self.cond:
                    if turn == self.turn:
                        self.streams[index].extend(chunk)
                    self.cond.notify_all()
            pipe.close()

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        return thread

    def _await_end(
        self, turn: int, proc: subprocess.Popen[bytes], readers: list[threading.Thread]
    ) -> None:
        for reader in readers:
            reader.join()
        code = proc.wait()
        with self.cond:
            if turn == self.turn:
                self.code = code
            self.used = time.monotonic()  # idle from the turn's end on
            self.cond.notify_all()

    def write(self, turn: int, data: bytes) -> bool:
        """Write to the turn's stdin, Orchard's worktree path mapped to the node's; False: gone."""
        proc = self.proc
        if turn != self.turn or proc is None or proc.stdin is None:
            return False
        try:
            proc.stdin.write(
                self._mapped(data.decode(errors="surrogateescape")).encode(errors="surrogateescape")
            )
            proc.stdin.flush()
        except (OSError, ValueError):
            return False  # the agent ended, or its stdin was closed
        return True

    def close_stdin(self, turn: int) -> None:
        """Close the turn's stdin: the agent reads its end."""
        proc = self.proc
        if turn == self.turn and proc is not None and proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    def _feed(self, proc: subprocess.Popen[bytes], data: bytes) -> None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(data)
            proc.stdin.close()
        except OSError:
            pass  # the agent ended without reading all of it

    def _pidfile(self, turn: int) -> Path:
        return self.root / f"{self.task_id}.{turn}.pid"

    def _read_pid(
        self, pidfile: Path, proc: subprocess.Popen[bytes], wait: float = PID_WAIT_SECONDS
    ) -> int | None:
        deadline = time.monotonic() + wait
        while proc.poll() is None:
            try:
                return int(pidfile.read_text())
            except (OSError, ValueError):
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.01)
        return None

    def _remove(self) -> None:
        if self.worktree is not None:
            checkout.remove_checkout(self.root, self.repo_key, self.worktree)
            self.worktree = None

    def _expire_when_idle(self) -> None:
        import ray

        while True:
            time.sleep(min(60.0, self.idle_exit_seconds / 4 or 1.0))
            running = self.busy or (self.proc is not None and self.code is None)
            if not running and time.monotonic() - self.used > self.idle_exit_seconds:
                self._remove()
                ray.kill(ray.get_runtime_context().current_actor, no_restart=True)
                return
