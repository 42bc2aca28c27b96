"""`orchard task pr` end to end: the real command, a bare repository, a fake GitHub API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli, git
from tests.fakes.github_api import FakeGitHub

TOKEN = "cli-secret-token"
NO_ENV_TOKEN = {"GITHUB_TOKEN": "", "GH_TOKEN": ""}


@pytest.fixture
def remote(tmp_path: Path, repo: Path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "origin", "main")
    return bare


@pytest.fixture
def api(remote: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo("octo/app", git_dir=remote)
        yield fake


def _task(cli: Cli, repo: Path) -> str:
    assert cli("project", "add", str(repo)).code == 0
    task_id = cli(
        "task", "new", "repo", "echo fix > fix.txt", "--agent", "shell", "--title", "Fix it"
    ).out.strip()
    assert cli("run").code == 0
    return task_id


def test_pr_pushes_opens_and_shows_the_link(cli: Cli, repo: Path, remote: Path, api: FakeGitHub):
    task_id = _task(cli, repo)
    args = ("task", "pr", task_id[:8], "--repo", "octo/app", "--api-url", api.url)
    result = cli(*args, env={"GITHUB_TOKEN": TOKEN})
    assert result.code == 0, result.err
    task = cli("task", "show", task_id, "--json").json()
    assert task["pr_url"] == "https://github.com/octo/app/pull/1"
    assert result.out.strip() == (
        f"pushed {task['branch']} to origin; opened pull request {task['pr_url']}"
    )
    assert git(remote, "rev-parse", task["branch"]) == git(repo, "rev-parse", task["branch"])
    again = cli(*args, "--json", env={"GITHUB_TOKEN": TOKEN})
    assert again.code == 0, again.err
    assert (again.json()["url"], again.json()["created"]) == (task["pr_url"], False)


def test_pr_token_from_config_toml(cli: Cli, home: Path, repo: Path, remote: Path, api: FakeGitHub):
    task_id = _task(cli, repo)
    (home / "config.toml").write_text(f'[github]\ntoken = "{TOKEN}"\napi_url = "{api.url}"\n')
    result = cli("task", "pr", task_id, "--repo", "octo/app", "--draft", env=NO_ENV_TOKEN)
    assert result.code == 0, result.err
    assert api.pulls("octo/app")[0]["draft"] is True


def test_pr_bad_input_gets_one_clear_line(
    cli: Cli, home: Path, repo: Path, remote: Path, api: FakeGitHub
):
    task_id = _task(cli, repo)
    no_token = cli(
        "task", "pr", task_id, "--repo", "octo/app", "--api-url", api.url, env=NO_ENV_TOKEN
    )
    assert no_token.code == 1
    assert no_token.err.startswith("orchard: no GitHub token: set GITHUB_TOKEN (or GH_TOKEN)")
    assert str(home / "config.toml") in no_token.err

    not_github = cli("task", "pr", task_id, "--api-url", api.url, env={"GITHUB_TOKEN": TOKEN})
    assert not_github.code == 1
    assert f"remote 'origin' ({remote}) is not a GitHub repository" in not_github.err

    bad_token = cli(
        "task", "pr", task_id, "--repo", "octo/app", "--api-url", api.url,
        env={"GITHUB_TOKEN": "expired-" + TOKEN},
    )  # fmt: skip
    assert bad_token.code == 1
    assert "GitHub refused the token from $GITHUB_TOKEN" in bad_token.err
    assert TOKEN not in bad_token.err

    for result in (no_token, not_github, bad_token):
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert cli("task", "show", task_id, "--json").json()["pr_url"] is None
