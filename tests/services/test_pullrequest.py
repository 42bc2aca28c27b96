"""Push and open a pull request: a real bare repository as the remote, a fake GitHub API."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.task import Task
from app.services.config.settings import Home, Settings
from app.services.github import Conditional, GitHub, GitHubError, Token
from app.services.land.pullrequest import (
    PullRequest,
    open_pull_request,
    parse_remote_url,
    push_refusal,
)
from app.services.orchard import Orchard, UserError
from tests.conftest import git
from tests.fakes.github_api import FakeGitHub

TOKEN = "test-token"
ENV = {"GITHUB_TOKEN": TOKEN}


@pytest.fixture
def remote(tmp_path: Path, repo: Path) -> Path:
    """A bare repository standing in for GitHub: origin's push URL."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(repo, "remote", "add", "origin", "https://github.com/octo/app.git")
    git(repo, "remote", "set-url", "--push", "origin", str(bare))
    git(repo, "push", "-q", str(bare), "main")
    return bare


@pytest.fixture
def api(remote: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo("octo/app", git_dir=remote)
        yield fake


def _orchard(tmp_path: Path, repo: Path, settings: Settings | None = None) -> Orchard:
    orchard = Orchard(Home(tmp_path / "home"), settings=settings)
    asyncio.run(orchard.add_project(str(repo)))
    return orchard


def _finished(orchard: Orchard, prompt: str = "echo new > feature.txt") -> Task:
    """Run one shell-agent task to its end through the real supervisor."""

    async def go() -> Task:
        [task] = await orchard.new_tasks("repo", prompt, agent="shell", title="Add a feature")
        orchard.lock.acquire()
        await orchard.supervisor.run()
        return orchard.task(task.id)

    return asyncio.run(go())


def _open(orchard: Orchard, task: Task, api: FakeGitHub, **options: Any) -> PullRequest:
    options = {"env": ENV, "api_url": api.url, **options}
    return asyncio.run(open_pull_request(orchard, task.id, **options))


def _refused(orchard: Orchard, task: Task, api: FakeGitHub, **options: Any) -> str:
    with pytest.raises(UserError) as caught:
        _open(orchard, task, api, **options)
    return str(caught.value)


def _remote_branch(remote: Path, branch: str) -> str | None:
    result = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        cwd=remote,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() or None


def test_push_and_open_pull_request(tmp_path: Path, repo: Path, remote: Path, api: FakeGitHub):
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard)
    pull = _open(orchard, task, api)
    head = git(repo, "rev-parse", task.branch).strip()
    assert (pull.url, pull.number, pull.created) == ("https://github.com/octo/app/pull/1", 1, True)
    assert (pull.pushed, pull.base, pull.repo) == (head, "main", "octo/app")
    assert _remote_branch(remote, task.branch) == head
    assert orchard.task(task.id).pr_url == pull.url
    [post] = api.calls("POST", "/repos/octo/app/pulls")
    assert post.body["title"] == "Add a feature"
    assert (post.body["head"], post.body["base"]) == (task.branch, "main")
    assert post.body["body"].startswith("echo new > feature.txt\n")
    assert "1 file changed, +1 -0, by agent `shell`" in post.body["body"]
    assert task.id in post.body["body"] and "draft" not in post.body
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.headers["accept"] == "application/vnd.github+json"
    assert post.headers["x-github-api-version"] == "2022-11-28"


def test_existing_pull_request_is_recorded(
    tmp_path: Path, repo: Path, remote: Path, api: FakeGitHub
):
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard)
    first = _open(orchard, task, api, draft=True)
    orchard.store.update(task.id, pr_url=None)
    again = _open(orchard, task, api)
    assert (again.url, again.created) == (first.url, False)
    assert orchard.task(task.id).pr_url == first.url
    assert len(api.pulls("octo/app")) == 1 and api.pulls("octo/app")[0]["draft"] is True
    [lookup] = api.calls("GET", "/repos/octo/app/pulls")
    assert lookup.query == {"head": f"octo:{task.branch}", "state": "open"}


def test_push_refused_by_remote(tmp_path: Path, repo: Path, remote: Path, api: FakeGitHub):
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed for the release' >&2\nexit 1\n")
    hook.chmod(0o755)
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard)
    message = _refused(orchard, task, api)
    assert "remote 'origin' refused the push" in message
    assert "pushes are closed for the release" in message
    assert "pre-receive hook declined" in message
    assert _remote_branch(remote, task.branch) is None
    assert api.calls("POST", ".*") == [] and orchard.task(task.id).pr_url is None


def test_bad_token_names_its_source_and_pushes_nothing(
    tmp_path: Path, repo: Path, remote: Path, api: FakeGitHub
):
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard)
    message = _refused(orchard, task, api, env={"GH_TOKEN": "wrong-secret"})
    assert "GitHub refused the token from $GH_TOKEN" in message and "401" in message
    assert "wrong-secret" not in message
    assert _remote_branch(remote, task.branch) is None


def test_unknown_repository(tmp_path: Path, repo: Path, remote: Path, api: FakeGitHub):
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard)
    message = _refused(orchard, task, api, repo="octo/missing")
    assert "/repos/octo/missing: not found (404)" in message
    assert "does not exist or the token from $GITHUB_TOKEN has no access" in message
    assert _remote_branch(remote, task.branch) is None


def test_validation_error_shows_githubs_reason(
    tmp_path: Path, repo: Path, remote: Path, api: FakeGitHub
):
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard)
    message = _refused(orchard, task, api, base="no-such-branch")
    assert "GitHub rejected POST /repos/octo/app/pulls: base is invalid" in message
    assert "is no-such-branch a branch of octo/app? (--base)" in message
    assert "the branch was pushed" in message
    assert orchard.task(task.id).pr_url is None


def test_rate_limit_says_when_to_retry(tmp_path: Path, repo: Path, remote: Path, api: FakeGitHub):
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard)
    api.rate_limit("/repos/octo/app/pulls", reset_in=600, method="POST")
    message = _refused(orchard, task, api)
    assert "GitHub rate limit reached (API rate limit exceeded" in message
    assert re.search(r"try again at \d\d:\d\d:\d\d \(in 10 min\)", message)
    assert orchard.task(task.id).pr_url is None
    assert _open(orchard, task, api).created  # once the limit has passed, it works


def test_no_token_says_where_to_put_one(tmp_path: Path, repo: Path, api: FakeGitHub):
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard)
    message = _refused(orchard, task, api, env={"GITHUB_TOKEN": " "})
    assert message.startswith("no GitHub token: set GITHUB_TOKEN (or GH_TOKEN)")
    assert str(orchard.home.config) in message and "[github]" in message
    settings = Settings(github_token=TOKEN)
    assert _open(_orchard_again(orchard, settings), task, api, env={}).created


def _orchard_again(orchard: Orchard, settings: Settings) -> Orchard:
    orchard.close()
    return Orchard(orchard.home, settings=settings)


def test_nothing_to_push(tmp_path: Path, repo: Path, remote: Path, api: FakeGitHub):
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard, "echo only talking")
    message = _refused(orchard, task, api)
    assert message.startswith(f"nothing to push: task {task.short_id} has no commits")
    assert api.calls("POST", ".*") == []


def test_remote_that_is_not_github_needs_repo(
    tmp_path: Path, repo: Path, remote: Path, api: FakeGitHub
):
    git(repo, "remote", "set-url", "origin", str(remote))
    orchard = _orchard(tmp_path, repo)
    task = _finished(orchard)
    message = _refused(orchard, task, api)
    assert f"remote 'origin' ({remote}) is not a GitHub repository" in message
    assert "--repo OWNER/REPO" in message
    assert _open(orchard, task, api, repo="octo/app").created
    assert "no remote 'upstream'" in _refused(orchard, task, api, remote="upstream")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/octo/app.git", ("octo", "app", "github.com")),
        ("https://user:secret@github.com/octo/app", ("octo", "app", "github.com")),
        ("git@github.com:octo/my.app.git", ("octo", "my.app", "github.com")),
        ("ssh://git@github.com/octo/app.git", ("octo", "app", "github.com")),
        ("ssh://git@ghe.example.com:2222/team/app", ("team", "app", "ghe.example.com")),
        ("/srv/git/app.git", None),
        ("./relative/app", None),
        ("file:///srv/git/octo/app.git", None),
        ("https://github.com/only-owner", None),
    ],
)
def test_parse_remote_url(url: str, expected: tuple[str, str, str] | None) -> None:
    parsed = parse_remote_url(url)
    assert (parsed and (parsed.owner, parsed.name, parsed.host)) == expected


def test_push_refusal_reads_gits_reason() -> None:
    stderr = (
        "remote: error: GH006: Protected branch update failed\n"
        "To github.com:octo/app.git\n"
        " ! [remote rejected] b -> b (protected branch hook declined)\n"
        "error: failed to push some refs to 'github.com:octo/app.git'"
    )
    assert push_refusal(stderr) == (
        "error: GH006: Protected branch update failed (protected branch hook declined)"
    )
    fatal = "fatal: could not read Username for 'https://github.com': terminal prompts disabled"
    assert push_refusal(fatal) == fatal.removeprefix("fatal: ")


# the client, for the triage import to come


def test_paginate_follows_link_headers_over_three_pages() -> None:
    with FakeGitHub(token=TOKEN) as api:
        api.add_repo("octo/app")
        api.add_issues("octo/app", 250, pull_every=10)

        async def collect() -> list[Any]:
            async with GitHub(Token(TOKEN, "$GITHUB_TOKEN"), api.url) as client:
                return [i async for i in client.paginate("repos/octo/app/issues")]

        items = asyncio.run(collect())
        assert [i["number"] for i in items] == list(range(1, 251))
        assert sum("pull_request" in i for i in items) == 25
        pages = api.calls("GET", "/repos/octo/app/issues")
        assert [r.query.get("page") for r in pages] == [None, "2", "3"]
        assert all(r.query["per_page"] == "100" for r in pages)


def test_conditional_get_answers_304_from_the_cache() -> None:
    with FakeGitHub(token=TOKEN) as api:
        api.add_repo("octo/app")
        api.add_issues("octo/app", 3)

        async def fetch() -> tuple[Conditional, Conditional, Conditional]:
            async with GitHub(Token(TOKEN, "$GITHUB_TOKEN"), api.url) as client:
                first = await client.get_conditional("repos/octo/app/issues")
                second = await client.get_conditional("repos/octo/app/issues", cached=first)
                api.add_issues("octo/app", 1)
                third = await client.get_conditional("repos/octo/app/issues", cached=second)
                return first, second, third

        first, second, third = asyncio.run(fetch())
        assert first.modified and first.etag and len(first.data) == 3
        assert not second.modified and second.data is first.data
        assert third.modified and len(third.data) == 4 and third.etag != first.etag
        requests = api.calls("GET", "/repos/octo/app/issues")
        assert requests[1].headers["if-none-match"] == first.etag


def test_client_errors_are_plain_and_masked() -> None:
    async def fails(client: GitHub, path: str) -> str:
        with pytest.raises(GitHubError) as caught:
            await client.get_json(path)
        return str(caught.value)

    with FakeGitHub(token=TOKEN) as api:
        api.add_repo("octo/app")
        api.fail("GET", "/repos/octo/app", 429, {"message": "slow down"}, {"retry-after": "30"})
        api.fail("GET", "/repos/octo/app", 200, b"<html>not json", {})
        api.fail("GET", "/repos/octo/app", 500, {"message": f"oops {TOKEN}"})

        async def go() -> list[str]:
            async with GitHub(Token(TOKEN, "$GITHUB_TOKEN"), api.url) as client:
                return [await fails(client, "repos/octo/app") for _ in range(3)]

        limited, garbled, broken = asyncio.run(go())
    assert re.fullmatch(
        r"GitHub rate limit reached \(slow down\); try again at .* \(in 30 s\)", limited
    )
    assert garbled == "GitHub answered /repos/octo/app with something that is not JSON"
    assert broken == "GET /repos/octo/app: GitHub answered 500: oops ***"

    async def unreachable() -> str:
        async with GitHub(Token(TOKEN, "$GITHUB_TOKEN"), api.url) as client:
            return await fails(client, "repos/octo/app")

    assert asyncio.run(unreachable()).startswith(f"could not reach GitHub at {api.url}")


def test_fake_api_write_back_endpoints_for_triage() -> None:
    with FakeGitHub(token=TOKEN) as api:
        api.add_repo("octo/app")
        api.add_issues("octo/app", 2)

        async def go() -> tuple[Any, Any, Any, str]:
            async with GitHub(Token(TOKEN, "$GITHUB_TOKEN"), api.url) as client:
                patched = await client.patch_json(
                    "repos/octo/app/issues/2", {"assignees": ["maya"], "state": "closed"}
                )
                labels = await client.post_json(
                    "repos/octo/app/issues/2/labels", {"labels": ["P1"]}
                )
                comment = await client.post_json(
                    "repos/octo/app/issues/2/comments", {"body": "fixed in abc123"}
                )
                with pytest.raises(GitHubError) as caught:
                    await client.post_json("repos/octo/app/issues/9/comments", {"body": "x"})
                return patched, labels, comment, str(caught.value)

        patched, labels, comment, missing = asyncio.run(go())
    assert patched["state"] == "closed" and patched["assignees"][0]["login"] == "maya"
    assert [label["name"] for label in labels] == ["P1"]
    assert comment["body"] == "fixed in abc123" and "#issuecomment-1" in comment["html_url"]
    assert missing.startswith("POST /repos/octo/app/issues/9/comments: not found (404)")
