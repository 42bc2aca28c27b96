"""Shared fixtures: real git repositories and a real Orchard command line."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Tests never touch the developer's real keyring (a token in a test's config.toml would be moved
# into it); the tests of the keyring path register their own backend in-process.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
# Commands start no background service unless a test asks for one (tests/services/servicekit.py):
# a queued task stays queued until the test runs it, as `orchard run` or a window does.
os.environ["ORCHARD_SERVICE"] = "off"


GIT_ENV = {
    # a developer's own git config (gpg signing, hooks paths) must not change the tests
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def need_program(name: str, required_by: str, install_hint: str) -> str:
    """Return where a program is; skip without it, or fail when $`required_by` is 1 (CI)."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get(required_by) == "1":
            pytest.fail(f"{name} is not installed but {required_by}=1 requires it")
        pytest.skip(f"{name} is not installed ({install_hint})")
    return path


def git_bytes(cwd: Path, *args: str) -> bytes:
    """Run git in `cwd` with a fixed identity and no user config; return its raw stdout."""
    return subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True
    ).stdout


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` like git_bytes; return its stdout as text (newlines normalized)."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def make_repo(path: Path, files: dict[str, str] | None = None, branch: str = "main") -> Path:
    """Create a git repository at `path` with one commit of `files`."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    for name, text in (files or {"README.md": "hello\n"}).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git(path, "add", "-A")
    git(path, "commit", "-qm", "initial")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {"README.md": "hello\n", "src/app.py": "x = 1\n", ".gitignore": "*.log\n"},
    )


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., CliResult]


@pytest.fixture(scope="session", autouse=True)
def no_stray_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Kill any background service a test left running on a home under the tests' temp dir."""
    yield
    base = str(tmp_path_factory.getbasetemp()).encode()
    for pid, _, argv in live_processes():
        if b"app.server" in argv and any(a.startswith(base) for a in argv):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "orchard-home"


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment for a child Orchard: no inherited home, bytecode cached."""
    env = {**os.environ, **(extra or {})}
    env.pop("ORCHARD_HOME", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # cached bytecode: 4x faster start
    return env


def live_processes() -> list[tuple[int, list[str], list[bytes]]]:
    """Return every process that is not a zombie: its pid, stat fields after the name, argv."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] != "Z":
            found.append((int(entry.name), fields, argv))
    return found


def process_alive(pid: int) -> bool:
    """Say whether `pid` is a live process (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def cli_for(home: Path) -> Cli:
    """Return a runner of `orchard --home HOME ARGS` as a real subprocess."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
    ) -> CliResult:
        full_env = child_env(env)
        proc = subprocess.run(
            [sys.executable, "-m", "app", "--home", str(home), *args],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            cwd=cwd or ROOT,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def cli(home: Path) -> Cli:
    """Run `orchard --home HOME ARGS` as a real subprocess."""
    return cli_for(home)
