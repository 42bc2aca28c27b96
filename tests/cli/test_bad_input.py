"""Bad input: a clear message, a non-zero exit, no traceback, nothing left behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import Cli, CliResult, git, make_repo


def _clean_failure(result: CliResult, *needles: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err + result.out
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3, result.err
    for needle in needles:
        assert needle in result.err


def _nothing_made(repo: Path, home: Path) -> None:
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]
    assert git(repo, "worktree", "list").count("\n") == 1
    worktrees = home / "worktrees"
    assert not worktrees.exists() or not any(worktrees.rglob("*"))


def test_path_that_does_not_exist(cli: Cli, tmp_path: Path) -> None:
    _clean_failure(cli("project", "add", str(tmp_path / "nope")), "no such folder")


def test_not_a_git_repository(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    _clean_failure(cli("project", "add", str(tmp_path / "plain")), "not a git repository")


def test_repository_with_no_commits(cli: Cli, tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "empty")
    _clean_failure(cli("project", "add", str(tmp_path / "empty")), "no commits")


def test_bare_repository(cli: Cli, repo: Path, tmp_path: Path) -> None:
    git(tmp_path, "clone", "-q", "--bare", str(repo), "bare.git")
    _clean_failure(cli("project", "add", str(tmp_path / "bare.git")), "bare repository")


def test_base_branch_that_does_not_exist(cli: Cli, repo: Path, home: Path) -> None:
    _clean_failure(cli("project", "add", str(repo), "--base", "nope"), "'nope'", "--base")
    assert cli("project", "add", str(repo)).code == 0
    _clean_failure(cli("task", "new", "repo", "x", "--agent", "shell", "--base", "nope"), "'nope'")
    _clean_failure(cli("task", "new", "repo", "x", "--agent", "shell", "--base", "--all"))
    _nothing_made(repo, home)


def test_duplicate_project_name(cli: Cli, repo: Path, tmp_path: Path) -> None:
    assert cli("project", "add", str(repo)).code == 0
    _clean_failure(cli("project", "add", str(repo)), "already exists", "--name")


def test_unknown_project_agent_and_task(cli: Cli, repo: Path, home: Path) -> None:
    assert cli("project", "add", str(repo)).code == 0
    _clean_failure(cli("task", "new", "nope", "x"), "no project named 'nope'", "repo")
    _clean_failure(
        cli("task", "new", "repo", "x", "--agent", "robot"), "unknown agent 'robot'", "codex"
    )
    _clean_failure(cli("task", "show", "deadbeef"), "no task with id 'deadbeef'")
    _clean_failure(cli("task", "logs", "zz"), "not a task id")
    _clean_failure(cli("task", "stop", "deadbeef"), "no task")
    _clean_failure(cli("task", "diff", "deadbeef"), "no task")
    _clean_failure(cli("task", "list", "--project", "nope"), "no project named")
    _nothing_made(repo, home)


def test_empty_prompt_and_bad_attempts(cli: Cli, repo: Path, home: Path) -> None:
    assert cli("project", "add", str(repo)).code == 0
    _clean_failure(cli("task", "new", "repo", "  \n "), "prompt is empty")
    _clean_failure(cli("task", "new", "repo", "x", "--attempts", "0"), "--attempts")
    _clean_failure(cli("task", "new", "repo", "x", "--attempts", "many"), "invalid int")
    _clean_failure(cli("run", "--parallel", "0"), "--parallel")
    _nothing_made(repo, home)


def test_broken_config_file(cli: Cli, repo: Path, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "config.toml").write_text("[agents.x\nargv = 3\n")
    _clean_failure(cli("project", "list"), "config.toml")
    (home / "config.toml").write_text('[agents.x]\nargv = "not a list"\n')
    _clean_failure(cli("project", "list"), "argv must be a non-empty list")


def test_database_from_a_newer_orchard(cli: Cli, home: Path) -> None:
    assert cli("project", "list").code == 0
    with sqlite3.connect(home / "orchard.db") as db:
        db.execute("INSERT INTO schema_version VALUES (99)")
    _clean_failure(cli("project", "list"), "from a newer Orchard", "upgrade Orchard")


def test_worktree_failure_leaves_nothing_behind(cli: Cli, repo: Path, home: Path) -> None:
    assert cli("project", "add", str(repo)).code == 0
    task_id = cli("task", "new", "repo", "true", "--agent", "shell").out.strip()
    task = cli("task", "show", task_id, "--json").json()
    # a file where the worktree's parent folder should be makes `git worktree add` fail
    blocker = Path(task["worktree"]).parent
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way")
    run = cli("run")
    assert run.code == 1
    failed = cli("task", "show", task_id, "--json").json()
    assert failed["state"] == "failed" and "worktree" in failed["error"]
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]
    assert git(repo, "worktree", "list").count("\n") == 1


def test_user_checkout_untouched_by_failures(cli: Cli, tmp_path: Path, home: Path) -> None:
    repo = make_repo(tmp_path / "r")
    (repo / "README.md").write_text("dirty\n")
    git(repo, "stash", "push", "-q", "-m", "saved")
    (repo / "README.md").write_text("dirtier\n")
    before = (git(repo, "status", "--porcelain"), git(repo, "stash", "list"))
    cli("project", "add", str(repo))
    cli("task", "new", "r", "exit 1", "--agent", "shell")
    cli("run")
    assert (git(repo, "status", "--porcelain"), git(repo, "stash", "list")) == before


def test_no_display_says_so_and_demo_falls_back_to_the_terminal(cli: Cli) -> None:
    headless = {
        "DISPLAY": "",
        "WAYLAND_DISPLAY": "",
        "QT_QPA_PLATFORM": "",
        "ORCHARD_DEMO_PACE": "0.02",
    }
    _clean_failure(cli(env=headless), "no display", "orchard --help")
    demo = cli("--demo", env=headless, timeout=120)
    assert demo.code == 0, demo.err
    assert "6 tasks: 1 failed, 5 succeeded" in demo.err and "task diff ID" in demo.out


def test_bad_budgets(cli: Cli, repo: Path, home: Path) -> None:
    assert cli("project", "add", str(repo)).code == 0
    new = ("task", "new", "repo", "x", "--agent", "shell")
    _clean_failure(cli(*new, "--budget-usd", "0"), "--budget-usd must be above 0")
    _clean_failure(cli(*new, "--budget-minutes", "-3"), "--budget-minutes must be above 0")
    _clean_failure(cli(*new, "--budget-tokens", "lots"), "--budget-tokens", "invalid int")
    _clean_failure(cli(*new, "--budget-usd", "nan"), "--budget-usd must be above 0")
    _nothing_made(repo, home)
    ok = cli(
        *new, "--budget-usd", "2", "--budget-minutes", "30", "--budget-tokens", "5000", "--json"
    )
    assert ok.code == 0, ok.err
    assert '"budget_usd": 2.0' in ok.out and '"budget_tokens": 5000' in ok.out
    _clean_failure(cli("answer", "x-1", "--raise", "none"), "--raise needs an amount above 0")
