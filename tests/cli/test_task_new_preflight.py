"""`orchard task new`: pre-flight refusals leave nothing behind; long prompts by file or stdin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, Cli, child_env, git

GHOST = '[agents.ghost]\nargv = ["orchard-no-such-agent-xyz", "{prompt}"]\n'
GHOST_HINT = 'install_hint = "install it with: npm install -g ghost-agent"\n'


def _nothing_made(cli: Cli, repo: Path, home: Path) -> None:
    assert cli("task", "list", "--json").json() == []
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]
    worktrees = home / "worktrees"
    assert not worktrees.exists() or not any(worktrees.rglob("*"))


def test_a_missing_agent_is_refused_with_its_install_hint_unless_anyway(
    cli: Cli, repo: Path, home: Path
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(GHOST + GHOST_HINT)
    assert cli("project", "add", str(repo)).code == 0
    refused = cli("task", "new", "repo", "do it", "--agent", "ghost")
    assert refused.code != 0 and "Traceback" not in refused.err
    assert "npm install -g ghost-agent" in refused.err and "--anyway" in refused.err
    _nothing_made(cli, repo, home)
    queued = cli("task", "new", "repo", "do it", "--agent", "ghost", "--anyway", "--json")
    assert queued.code == 0, queued.err
    assert queued.json()["state"] == "queued"


def test_an_oversized_prompt_from_a_file_is_refused_for_an_argv_agent(
    cli: Cli, repo: Path, home: Path, tmp_path: Path
) -> None:
    assert cli("project", "add", str(repo)).code == 0
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("echo " + "x" * 393 * 1024)
    refused = cli("task", "new", "repo", "--prompt-file", str(prompt), "--agent", "shell")
    assert refused.code != 0 and "Traceback" not in refused.err
    assert "too long" in refused.err and "393 KB" in refused.err
    _nothing_made(cli, repo, home)


def test_the_prompt_can_come_from_a_file_or_stdin(
    cli: Cli, repo: Path, home: Path, tmp_path: Path
) -> None:
    assert cli("project", "add", str(repo)).code == 0
    (tmp_path / "p.txt").write_text("echo from a file\n")
    by_file = cli(
        "task", "new", "repo", "--prompt-file", str(tmp_path / "p.txt"), "--agent", "shell"
    )
    assert by_file.code == 0, by_file.err
    args = ["task", "new", "repo", "-", "--agent", "shell"]
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--home", str(home), *args],
        input="echo from stdin\n",
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    prompts = sorted(t["prompt"] for t in cli("task", "list", "--json").json())
    assert prompts == ["echo from a file\n", "echo from stdin\n"]
    both = cli("task", "new", "repo", "x", "--prompt-file", str(tmp_path / "p.txt"))
    assert both.code != 0 and "not both" in both.err
