"""The bubblewrap sandbox: the command it builds, and saying so when it cannot be had."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path

import pytest

from app.core.profiles import ProfileError, profile_from_table
from app.services.config.settings import Home, load_settings
from app.services.config.settings_file import save_settings
from app.services.tasks import sandbox
from tests.conftest import git, make_repo


def _program(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_missing_bwrap_leaves_the_command_alone_and_says_so(tmp_path: Path) -> None:
    argv, notice = asyncio.run(
        sandbox.wrap(["sh", "-c", "true"], str(tmp_path), {"PATH": str(tmp_path / "none")})
    )
    assert argv == ["sh", "-c", "true"]
    assert notice is not None and "\n" not in notice
    assert notice.startswith("sandbox: bubblewrap (bwrap) is not installed")


def test_a_bwrap_that_cannot_sandbox_is_probed_once_and_named(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    # As bwrap answers where unprivileged user namespaces are restricted (Ubuntu 24.04).
    _program(
        tmp_path / "bin",
        "bwrap",
        f'echo x >> "{calls}"; echo "bwrap: setting up uid map: Permission denied" >&2; exit 1',
    )
    env = {"PATH": str(tmp_path / "bin")}

    async def twice() -> list[tuple[list[str], str | None]]:
        return [await sandbox.wrap(["agent"], str(tmp_path), env) for _ in range(2)]

    for argv, notice in asyncio.run(twice()):
        assert argv == ["agent"]
        assert notice == (
            "sandbox: bubblewrap cannot make a sandbox here (bwrap: setting up uid map: "
            "Permission denied; user namespaces may be restricted), so the agent runs without one"
        )
    assert calls.read_text() == "x\n"


def test_the_command_opens_the_worktree_its_git_folder_and_a_fresh_tmp(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "topic", str(wt))
    config = tmp_path / "agent-state"
    config.mkdir()
    writable, readable = sandbox.writable_folders(str(wt), {"CLAUDE_CONFIG_DIR": str(config)})
    argv = sandbox.bwrap_argv("/usr/bin/bwrap", ["sh", "-c", "x"], str(wt), writable, readable)
    binds = [argv[i + 1] for i, a in enumerate(argv) if a == "--bind"]
    ro_binds = [argv[i + 1] for i, a in enumerate(argv) if a == "--ro-bind"]
    common = (repo / ".git").resolve()
    assert binds == [
        str(wt),
        str(common / "worktrees" / "wt"),
        str(common / "objects"),
        str(config),
    ]
    assert ro_binds == ["/", str(common)]
    assert argv.index(str(common)) < argv.index("--bind")  # read-only beneath the writable
    assert argv[:8] == ["/usr/bin/bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    assert argv.index("--tmpfs") < argv.index("--bind")  # binds under /tmp show through
    assert argv[-5:] == [str(wt), "--", "sh", "-c", "x"]
    assert "--die-with-parent" in argv and "--unshare-net" not in argv


def test_profiles_take_a_sandbox_and_it_survives_saving(tmp_path: Path) -> None:
    shell = profile_from_table(
        "boxed", {"argv": ["sh", "-c", "{prompt}"], "sandbox": "bwrap"}, None
    )
    assert shell.sandbox == "bwrap"
    assert profile_from_table("x", {"argv": ["a"], "sandbox": "none"}, None).sandbox is None
    with pytest.raises(ProfileError, match='sandbox must be "bwrap" or "none"'):
        profile_from_table("x", {"argv": ["a"], "sandbox": "docker"}, None)
    home = Home(tmp_path / "home").ensure()
    profiles = {**load_settings(home).profiles, "boxed": shell}
    codex = profiles["codex"]
    profiles["codex"] = profile_from_table("codex", {"sandbox": "bwrap"}, codex)
    save_settings(home, 2, profiles)
    loaded = load_settings(home).profiles
    assert loaded["boxed"].sandbox == "bwrap" and loaded["codex"].sandbox == "bwrap"
    assert loaded["claude"].sandbox is None


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")
def test_real_bwrap_verdict(tmp_path: Path) -> None:
    path = shutil.which("bwrap")
    assert path is not None
    problem = asyncio.run(sandbox.bwrap_problem(path))
    argv, notice = asyncio.run(sandbox.wrap(["true"], str(tmp_path), dict(os.environ)))
    assert (notice is None) == (problem is None)
    if problem is None:
        assert argv[0] == path and argv[-2:] == ["--", "true"]
