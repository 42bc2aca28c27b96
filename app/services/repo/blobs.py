"""Reading many blobs fast: one long-lived `git cat-file --batch` per repository.

A `git show` costs a process start (several milliseconds); a request to a running cat-file
costs a pipe round trip. Requests are pipelined: a batch writes every name, then reads every
answer, so n blobs cost one round trip. The child ends by itself when its stdin closes, so a
reader whose process dies leaves nothing behind; a reader whose child died starts a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from app.services.repo.git import GitError, git, git_env

# Answers longer than this are read in pieces, never held twice in one buffer.
_LIMIT = 1 << 20


class BlobReader:
    """One persistent `git cat-file --batch` in `repo`: blob contents by id or `tree:path`."""

    def __init__(self, repo: str) -> None:
        self.repo = repo
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def read(self, name: str) -> bytes | None:
        """Return the content of the object `name` names (`<oid>`, `<tree>:<path>`), or None."""
        return (await self.read_many([name]))[0]

    async def read_many(self, names: Sequence[str]) -> list[bytes | None]:
        """Return the contents `names` name, in order; None for a name that names nothing."""
        plain = [n for n in names if "\n" not in n and n.strip()]
        if len(plain) < len(names):  # a line-based protocol cannot carry these: one process each
            found = dict(zip(plain, await self.read_many(plain), strict=True))
            return [found[n] if n in found else await self._read_alone(n) for n in names]
        if not names:
            return []
        async with self._lock:
            for attempt in (1, 2):
                proc = await self._started()
                try:
                    return await self._exchange(proc, names)
                except (BrokenPipeError, ConnectionResetError, asyncio.IncompleteReadError):
                    self._forget(proc)
                    if attempt == 2:
                        raise GitError(f"git cat-file stopped answering in {self.repo}") from None
        raise AssertionError("unreachable")

    async def _read_alone(self, name: str) -> bytes | None:
        if not name.strip():
            return None
        result = await git(self.repo, "cat-file", "blob", name, check=False)
        return result.stdout if result.returncode == 0 else None

    async def _started(self) -> asyncio.subprocess.Process:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            return proc
        self._proc = await asyncio.create_subprocess_exec(
            "git", "cat-file", "--batch",
            cwd=self.repo,
            env=git_env(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            limit=_LIMIT,
        )  # fmt: skip
        return self._proc

    async def _exchange(
        self, proc: asyncio.subprocess.Process, names: Sequence[str]
    ) -> list[bytes | None]:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(f"{n}\n" for n in names).encode("utf-8", "surrogateescape"))
        await proc.stdin.drain()
        out: list[bytes | None] = []
        for _ in names:
            header = await proc.stdout.readuntil(b"\n")
            parts = header.split()
            if len(parts) != 3 or not parts[2].isdigit():  # "<name> missing", "ambiguous"
                out.append(None)
                continue
            body = await proc.stdout.readexactly(int(parts[2]) + 1)  # content, then LF
            out.append(body[:-1] if parts[1] == b"blob" else None)
        return out

    def _forget(self, proc: asyncio.subprocess.Process) -> None:
        _end(proc)
        if self._proc is proc:
            self._proc = None

    def close(self) -> None:
        """End the child (it also ends by itself when this process goes)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _end(proc)


def _end(proc: asyncio.subprocess.Process) -> None:
    """End a child: on a running loop, by closing its stdin and letting asyncio reap it."""
    if proc.stdin is not None and not proc.stdin.is_closing():
        proc.stdin.close()  # git cat-file ends at the end of its input
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no loop to reap it: kill it and close its pipes now
        _kill_now(proc)
        return
    reaping = loop.create_task(_reap(proc))
    _REAPING.add(reaping)
    reaping.add_done_callback(_REAPING.discard)


_REAPING: set[asyncio.Task[None]] = set()  # strong references until each child is reaped


async def _reap(proc: asyncio.subprocess.Process) -> None:
    try:
        await asyncio.wait_for(proc.wait(), 2.0)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
    except asyncio.CancelledError:  # the loop is ending: still let asyncio reap it
        # No kill: Popen.kill polls first, reaping a child that already ended behind asyncio's
        # back; the child ends by itself now that its input is closed.
        await asyncio.wait_for(proc.wait(), 2.0)
        raise


def _kill_now(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    transport = getattr(proc, "_transport", None)  # asyncio's Process keeps it private
    if transport is not None:
        transport.close()


class BlobReaders:
    """One reader per repository, started on first use and closed together."""

    def __init__(self) -> None:
        self._readers: dict[str, BlobReader] = {}

    def of(self, repo: str) -> BlobReader:
        """Return the reader of `repo` (a repository's top folder or any worktree of it)."""
        reader = self._readers.get(repo)
        if reader is None:
            reader = self._readers[repo] = BlobReader(repo)
        return reader

    def close(self) -> None:
        """End every reader's child."""
        readers, self._readers = self._readers, {}
        for reader in readers.values():
            reader.close()
