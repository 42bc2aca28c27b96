"""The command line end to end over real git repositories and real processes."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli, git, make_repo


def _added(cli: Cli, repo: Path, *extra: str) -> None:
    result = cli("project", "add", str(repo), *extra)
    assert result.code == 0, result.err


def test_project_add_defaults_and_list(cli: Cli, repo: Path) -> None:
    _added(cli, repo)
    projects = cli("project", "list", "--json").json()
    assert projects == [
        {"name": "repo", "path": str(repo), "base": "main", "setup": None, "test": None}
    ]


def test_project_add_with_options(cli: Cli, repo: Path) -> None:
    git(repo, "branch", "develop")
    _added(cli, repo, "--name", "web", "--base", "develop", "--setup", "true", "--test", "pytest")
    [project] = cli("project", "list", "--json").json()
    assert (project["name"], project["base"], project["setup"], project["test"]) == (
        "web",
        "develop",
        "true",
        "pytest",
    )


def test_task_new_queues_and_prints_ids(cli: Cli, repo: Path) -> None:
    _added(cli, repo)
    result = cli("task", "new", "repo", "do a thing", "--agent", "shell", "--attempts", "3")
    ids = result.out.split()
    assert result.code == 0 and len(ids) == 3
    tasks = cli("task", "list", "--json").json()
    assert {t["id"] for t in tasks} == set(ids)
    assert len({t["group"] for t in tasks}) == 1 and tasks[0]["group"]
    assert len({t["branch"] for t in tasks}) == 3
    expected = {
        "id",
        "project",
        "title",
        "prompt",
        "agent",
        "state",
        "branch",
        "worktree",
        "base_commit",
        "exit_code",
        "error",
        "started_at",
        "finished_at",
        "tokens_in",
        "tokens_out",
        "cost_usd",
        "files_changed",
        "insertions",
        "deletions",
        "group",
    }
    assert expected <= set(tasks[0])
    assert all(t["state"] == "queued" for t in tasks)
    assert tasks[0]["base_commit"] == git(repo, "rev-parse", "HEAD").strip()


def test_run_commits_agent_work_and_keeps_user_checkout(cli: Cli, repo: Path) -> None:
    _added(cli, repo)
    (repo / "README.md").write_text("user's uncommitted edit\n")
    (repo / "scratch.txt").write_text("untracked\n")
    stash_before = git(repo, "stash", "list")
    status_before = git(repo, "status", "--porcelain")
    prompt = (
        "printf 'new\\n' > added.txt && rm src/app.py && echo more >> README.md"
        " && echo noise > debug.log && echo done"
    )
    task_id = cli(
        "task", "new", "repo", prompt, "--agent", "shell", "--title", "Edit files"
    ).out.strip()
    run = cli("run")
    assert run.code == 0, run.err
    task = cli("task", "show", task_id, "--json").json()
    assert task["state"] == "succeeded" and task["exit_code"] == 0
    assert task["branch"].startswith(f"orchard/{task_id[:8]}-edit-files")
    wt = Path(task["worktree"])
    assert not wt.is_relative_to(repo)
    assert git(wt, "status", "--porcelain") == ""  # all committed; debug.log is ignored
    changed = git(repo, "diff", "--name-status", task["base_commit"], task["branch"]).split("\n")
    assert set(filter(None, changed)) == {"A\tadded.txt", "M\tREADME.md", "D\tsrc/app.py"}
    assert git(repo, "log", "-1", "--format=%s", task["branch"]).strip() == "Edit files"
    assert (task["files_changed"], task["insertions"], task["deletions"]) == (3, 2, 1)
    assert git(repo, "status", "--porcelain") == status_before
    assert git(repo, "stash", "list") == stash_before
    assert (repo / "README.md").read_text() == "user's uncommitted edit\n"
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_agent_commits_are_kept(cli: Cli, repo: Path) -> None:
    _added(cli, repo)
    prompt = (
        "echo a > a.txt && git add a.txt && git -c user.name=A -c user.email=a@x "
        "commit -qm 'agent commit' && echo b > b.txt"
    )
    task_id = cli("task", "new", "repo", prompt, "--agent", "shell", "--title", "Two").out.strip()
    assert cli("run").code == 0
    task = cli("task", "show", task_id, "--json").json()
    log = git(repo, "log", "--format=%s", f"{task['base_commit']}..{task['branch']}").split("\n")
    assert log[:2] == ["Two", "agent commit"]


def test_logs_diff_and_show(cli: Cli, repo: Path) -> None:
    _added(cli, repo)
    task_id = cli(
        "task", "new", "repo", "echo hello from agent; echo x > new.txt", "--agent", "shell"
    ).out.strip()
    cli("run")
    logs = cli("task", "logs", task_id)
    assert "hello from agent" in logs.out and "state: succeeded" in logs.out
    raw = cli("task", "logs", task_id[:6], "--raw")
    assert raw.out == "hello from agent\n"
    events = [line for line in cli("task", "logs", task_id, "--json").out.splitlines() if line]
    assert any('"kind":"raw"' in e and "hello from agent" in e for e in events)
    diff = cli("task", "diff", task_id)
    assert "+++ b/new.txt" in diff.out and "+x" in diff.out
    stat = cli("task", "diff", task_id, "--stat")
    assert "new.txt" in stat.out and "1 insertion" in stat.out
    show = cli("task", "show", task_id)
    assert "state:" in show.out and "succeeded" in show.out


def test_failed_task_makes_run_exit_nonzero(cli: Cli, repo: Path) -> None:
    _added(cli, repo)
    ok = cli("task", "new", "repo", "true", "--agent", "shell").out.strip()
    bad = cli("task", "new", "repo", "echo boom >&2; exit 7", "--agent", "shell").out.strip()
    run = cli("run")
    assert run.code == 1
    ok_task = cli("task", "show", ok, "--json").json()
    assert ok_task["state"] == "succeeded", ok_task["error"]
    failed = cli("task", "show", bad, "--json").json()
    assert failed["state"] == "failed" and failed["exit_code"] == 7
    assert "exited with code 7" in failed["error"]


def test_setup_command_runs_before_agent(cli: Cli, repo: Path) -> None:
    _added(cli, repo, "--setup", "echo prepared > .setup-done")
    task_id = cli("task", "new", "repo", "cat .setup-done", "--agent", "shell").out.strip()
    assert cli("run").code == 0
    assert cli("task", "logs", task_id, "--raw").out == "prepared\n"


def test_failing_setup_fails_task(cli: Cli, repo: Path) -> None:
    _added(cli, repo, "--setup", "exit 4")
    task_id = cli("task", "new", "repo", "echo never", "--agent", "shell").out.strip()
    assert cli("run").code == 1
    task = cli("task", "show", task_id, "--json").json()
    assert task["state"] == "failed" and "setup command failed (exit 4)" in task["error"]


def test_tricky_prompts_reach_the_agent_verbatim(cli: Cli, repo: Path, home: Path) -> None:
    _added(cli, repo)
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        '[agents.echo]\nargv = ["python3", "-c", "import sys; open(\'p.txt\',\'w\','
        'encoding=\'utf-8\').write(sys.argv[1])", "{prompt}"]\n'
    )
    prompts = [
        'it\'s "quoted"\nand $(rm -rf /) `whoami` ${HOME}',
        "naïve — 日本語 🚀",
        "--help",
        "{worktree} {task_id}",
        "x" * 100_000,
    ]
    ids = [cli("task", "new", "repo", "--agent", "echo", "--", p).out.strip() for p in prompts]
    assert cli("run", "--parallel", "5").code == 0
    for task_id, prompt in zip(ids, prompts, strict=True):
        wt = Path(cli("task", "show", task_id, "--json").json()["worktree"])
        assert (wt / "p.txt").read_text(encoding="utf-8") == prompt


def test_colliding_slugs_get_distinct_branches(cli: Cli, repo: Path) -> None:
    _added(cli, repo)
    a = cli("task", "new", "repo", "true", "--agent", "shell", "--title", "Fix bug!").out.strip()
    b = cli("task", "new", "repo", "true", "--agent", "shell", "--title", "fix  BUG").out.strip()
    assert cli("run").code == 0
    ta, tb = (cli("task", "show", i, "--json").json() for i in (a, b))
    assert ta["branch"] != tb["branch"] and ta["worktree"] != tb["worktree"]
    assert ta["branch"].endswith("-fix-bug") and tb["branch"].endswith("-fix-bug")


def test_missing_agent_binary_fails_with_install_hint(cli: Cli, repo: Path, home: Path) -> None:
    _added(cli, repo)
    bare = {"PATH": str(Path(home) / "empty") + ":/usr/bin:/bin"}
    refused = cli("task", "new", "repo", "hi", "--agent", "gemini", env=bare)
    assert refused.code != 0 and "npm install -g @google/gemini-cli" in refused.err
    # Queued anyway, it fails when it starts, saying the same.
    task_id = cli("task", "new", "repo", "hi", "--agent", "gemini", "--anyway").out.strip()
    result = cli("run", env=bare)
    assert result.code == 1
    task = cli("task", "show", task_id, "--json").json()
    assert task["state"] == "failed"
    assert "`gemini`" in task["error"] and "npm install -g @google/gemini-cli" in task["error"]


def test_reopening_shows_every_task_as_it_was(cli: Cli, repo: Path) -> None:
    _added(cli, repo)
    ids = [
        cli("task", "new", "repo", f"echo {i}", "--agent", "shell").out.strip() for i in range(3)
    ]
    cli("run")
    first = cli("task", "list", "--json").json()
    second = cli("task", "list", "--json").json()
    assert first == second and [t["id"] for t in first] == ids


def test_project_filter(cli: Cli, repo: Path, tmp_path: Path) -> None:
    other = make_repo(tmp_path / "other")
    _added(cli, repo)
    _added(cli, other)
    cli("task", "new", "repo", "true", "--agent", "shell")
    cli("task", "new", "other", "true", "--agent", "shell")
    tasks = cli("task", "list", "--project", "other", "--json").json()
    assert [t["project"] for t in tasks] == ["other"]


def test_retry_reuses_the_worktree(cli: Cli, repo: Path) -> None:
    _added(cli, repo)
    prompt = "echo run >> runs.txt; test $(wc -l < runs.txt) -ge 2"
    task_id = cli("task", "new", "repo", prompt, "--agent", "shell").out.strip()
    assert cli("run").code == 1
    assert cli("task", "show", task_id, "--json").json()["state"] == "failed"
    assert cli("task", "retry", task_id).out.strip().endswith("queued")
    assert cli("run").code == 0
    task = cli("task", "show", task_id, "--json").json()
    assert task["state"] == "succeeded" and task["error"] is None
    assert (Path(task["worktree"]) / "runs.txt").read_text() == "run\nrun\n"
    again = cli("task", "retry", task_id[:8])
    assert again.code == 0
    queued = cli("task", "retry", task_id)
    assert queued.code == 1 and "only an ended task" in queued.err
