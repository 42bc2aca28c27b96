"""Running an agent under bubblewrap: it writes only its worktree and temporary folders.

The whole file system is mounted read-only, then the worktree, its git folder and a fresh
/tmp are made writable; the network stays. Where bubblewrap is missing or cannot make a
sandbox (user namespaces restricted, as on recent Ubuntu), the agent runs without one and
the caller gets a one-line notice saying so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.services import process

BWRAP = "bwrap"
PROBE_TIMEOUT = 10.0
_NAMESPACES = ("--unshare-pid", "--die-with-parent")
_BASE = ("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc")

# bwrap's path -> None when it made a sandbox, else why it could not; probed once each.
_verdicts: dict[str, str | None] = {}


async def bwrap_problem(path: str) -> str | None:
    """Return why bubblewrap at `path` cannot make a sandbox here, or None if it can."""
    if path not in _verdicts:
        _verdicts[path] = await _probe(path)
    return _verdicts[path]


async def _probe(path: str) -> str | None:
    try:
        result = await process.run([path, *_BASE, *_NAMESPACES, "true"], timeout=PROBE_TIMEOUT)
    except TimeoutError:
        return f"`{path}` gave no answer in {PROBE_TIMEOUT:g} s"
    except OSError as exc:
        return f"`{path}` cannot be started: {exc.strerror or exc}"
    if result.returncode == 0:
        return None
    line = next((s for s in result.error_text.splitlines() if s.strip()), "")
    return line or f"`{path}` exited {result.returncode}"


async def wrap(
    argv: Sequence[str],
    worktree: str,
    env: Mapping[str, str],
    writable: Sequence[str] = (),
) -> tuple[list[str], str | None]:
    """Return `argv` run under bubblewrap, or `argv` as it is and a one-line notice why not."""
    path = shutil.which(BWRAP, path=env.get("PATH", os.defpath))
    if path is None:
        return list(argv), (
            "sandbox: bubblewrap (bwrap) is not installed, so the agent runs without a "
            "sandbox; install the bubblewrap package to keep it inside its worktree"
        )
    problem = await bwrap_problem(path)
    if problem is not None:
        return list(argv), (
            f"sandbox: bubblewrap cannot make a sandbox here ({problem}; user namespaces "
            "may be restricted), so the agent runs without one"
        )
    folders, readable = writable_folders(worktree, env, writable)
    return bwrap_argv(path, argv, worktree, folders, readable), None


def bwrap_argv(
    bwrap: str,
    argv: Sequence[str],
    worktree: str,
    writable: Sequence[str],
    readable: Sequence[str] = (),
) -> list[str]:
    """Return the bubblewrap command that runs `argv` with only `writable` folders writable."""
    # Order matters: /tmp is a fresh tmpfs first, so folders under /tmp bound later show
    # through; the repository's git folder goes read-only beneath its writable parts.
    out = [bwrap, *_BASE, "--tmpfs", "/tmp"]
    for folder in dict.fromkeys(readable):
        out += ["--ro-bind", folder, folder]
    for folder in dict.fromkeys(writable):
        out += ["--bind", folder, folder]
    return [*out, *_NAMESPACES, "--chdir", worktree, "--", *argv]


def writable_folders(
    worktree: str, env: Mapping[str, str], extra: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """Return the folders the agent may write, and the read-only ones beneath them."""
    git_dirs = _git_dirs(Path(worktree))
    return _writable(worktree, env, git_dirs, extra), git_dirs[:1]


def _writable(
    worktree: str, env: Mapping[str, str], git_dirs: list[str], extra: Sequence[str]
) -> list[str]:
    # The worktree's own git folder (index, HEAD) and the object store `git add` writes to;
    # the refs, config and hooks stay read-only (a hook written here would run outside).
    git_parts = [git_dirs[1], str(Path(git_dirs[0]) / "objects")] if git_dirs else []
    # An isolated agent config folder (Claude's, under Orchard's home) is the agent's own.
    config = [env["CLAUDE_CONFIG_DIR"]] if env.get("CLAUDE_CONFIG_DIR") else []
    folders = [worktree, *git_parts, *config, *extra]
    tmpdir = env.get("TMPDIR")
    if tmpdir and not tmpdir.startswith("/tmp"):
        folders.append(tmpdir)
    return [f for f in folders if os.path.isdir(f)]


def _git_dirs(worktree: Path) -> list[str]:
    """Return the repository's git folder and the worktree's own one, or [] if not a worktree."""
    try:
        line = (worktree / ".git").read_text(encoding="utf-8").strip()
    except OSError:
        return []  # a plain checkout, or no git at all: nothing outside to open
    if not line.startswith("gitdir:"):
        return []
    gitdir = (worktree / line.removeprefix("gitdir:").strip()).resolve()
    try:
        common = (gitdir / (gitdir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    except OSError:
        common = gitdir
    return [str(common), str(gitdir)]
