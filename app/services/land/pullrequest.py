"""Push a task's branch to the project's remote and open a GitHub pull request for it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.core.diffstat import parse_numstat_z
from app.core.landing import PullRequest as PullRequest
from app.core.states import LIVE_STATES, TaskState
from app.core.task import Task
from app.services.github import (
    DEFAULT_API_URL,
    GitHub,
    GitHubError,
    GitHubValidationError,
    Token,
    find_token,
    where_tokens_come_from,
)
from app.services.land.followup import comments_to_drop
from app.services.land.followup import drop_comments as drop_comments_of
from app.services.orchard import Orchard, UserError
from app.services.repo import git

_OWNER_REPO = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)(?:\.git)?$")
_SCP_URL = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")


@dataclass(frozen=True, slots=True)
class RepoName:
    """A GitHub repository's owner and name, and the host its remote points at."""

    owner: str
    name: str
    host: str = "github.com"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


def parse_remote_url(url: str) -> RepoName | None:
    """Return owner/name from an https, ssh:// or `git@host:owner/repo.git` URL, else None."""
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http", "ssh", "git") or not parts.hostname:
            return None
        host, path = parts.hostname, parts.path
    elif (scp := _SCP_URL.match(url)) and not url.startswith(("/", ".")):
        host, path = scp.group(1), scp.group(2)
    else:
        return None
    match = _OWNER_REPO.match(path.strip("/"))
    return RepoName(match.group(1), match.group(2), host.lower()) if match else None


def parse_repo_option(value: str) -> RepoName:
    """Return the OWNER/REPO given with --repo, or raise UserError."""
    match = _OWNER_REPO.match(value.strip())
    if not match:
        raise UserError(f"--repo '{value}' is not OWNER/REPO (for example octo/app)")
    return RepoName(match.group(1), match.group(2))


def github_hosts(api_url: str) -> set[str]:
    """Return the hosts whose remotes belong to GitHub: github.com, and the API's own host."""
    host = (urlsplit(api_url).hostname or "").lower()
    return {"github.com", "www.github.com", "ssh.github.com", host, host.removeprefix("api.")}


async def open_pull_request(
    orchard: Orchard,
    ref: str,
    remote: str = "origin",
    base: str | None = None,
    repo: str | None = None,
    api_url: str | None = None,
    draft: bool = False,
    env: Mapping[str, str] | None = None,
    drop_comments: bool | Collection[int] = False,
) -> PullRequest:
    """Push the task's branch to `remote` and open (or find) its pull request; keep its link.

    Unsent review comments stop it unless `drop_comments` says to go on (see land_task).
    """
    task = orchard.task(ref)
    project = orchard.store.project(task.project)
    _check_pushable(task)
    unsent = comments_to_drop(orchard, task, drop_comments, "open the pull request")
    api_url = api_url or orchard.settings.github_api_url or DEFAULT_API_URL
    token = _token(orchard, env)
    remote_url = await _remote_url(project.path, remote)
    target = _target_repo(remote, remote_url, repo, api_url)
    head = await _head_commit(project.path, task)
    base = base or task.base_ref
    body = await _body(project.path, task)
    async with GitHub(token, api_url) as api:
        await _call(api.get_json(f"repos/{target.full_name}"))
        await push_branch(project.path, remote, task.branch)
        head_owner = _head_owner(remote_url, target)
        pull, created = await _create_or_find(api, task, target, head_owner, base, body, draft)
    orchard.store.update(task.id, pr_url=pull["html_url"])
    drop_comments_of(orchard, unsent)
    uncommitted = await _uncommitted(task.worktree)
    return PullRequest(
        pull["html_url"],
        int(pull["number"]),
        created,
        target.full_name,
        task.branch,
        base,
        head,
        uncommitted,
    )


def _check_pushable(task: Task) -> None:
    if task.state is TaskState.QUEUED or task.state in LIVE_STATES:
        raise UserError(
            f"task {task.short_id} is {task.state}; wait for it to finish "
            f"(or `orchard task stop {task.short_id}`) before opening a pull request"
        )


def _token(orchard: Orchard, env: Mapping[str, str] | None) -> Token:
    config = str(orchard.home.config)
    token = find_token(orchard.settings.github_token, config, env)
    if token is None:
        raise UserError(f"no GitHub token: {where_tokens_come_from(config)}")
    return token


async def _remote_url(repo: str, remote: str) -> str:
    result = await git.git(repo, "remote", "get-url", "--", remote, check=False)
    if result.returncode != 0:
        raise UserError(
            f"the project at {repo} has no remote '{remote}'; add one "
            f"(`git remote add {remote} URL`) or pass --remote NAME"
        )
    return result.text.strip()


def _target_repo(remote: str, url: str, repo: str | None, api_url: str) -> RepoName:
    if repo:
        return parse_repo_option(repo)
    parsed = parse_remote_url(url)
    if parsed is None or parsed.host not in github_hosts(api_url):
        raise UserError(
            f"remote '{remote}' ({_without_credentials(url)}) is not a GitHub repository "
            "Orchard recognizes; pass --repo OWNER/REPO"
        )
    return parsed


def _head_owner(remote_url: str, target: RepoName) -> str:
    # A remote that is a fork of the target opens the pull request from "fork-owner:branch".
    parsed = parse_remote_url(remote_url)
    return parsed.owner if parsed and parsed.name == target.name else target.owner


async def _head_commit(repo: str, task: Task) -> str:
    if not await git.branch_exists(repo, task.branch):
        raise UserError(f"task {task.short_id}'s branch {task.branch} does not exist")
    head = await git.resolve_commit(repo, f"refs/heads/{task.branch}")
    ahead = await git.git(repo, "rev-list", "--count", head, f"^{task.base_commit}")
    if ahead.text.strip() == "0":
        raise UserError(
            f"nothing to push: task {task.short_id} has no commits beyond its base {task.base_ref}"
        )
    return head


async def push_branch(repo: str, remote: str, branch: str) -> None:
    """Push local `branch` to the same name on `remote`; raise UserError with git's reason."""
    refspec = f"refs/heads/{branch}:refs/heads/{branch}"
    result = await git.git(repo, "push", "--porcelain", "--", remote, refspec, check=False)
    if result.returncode != 0:
        reason = push_refusal(result.error_text, result.text)
        raise UserError(f"remote '{remote}' refused the push of {branch}: {reason}")


def push_refusal(stderr: str, stdout: str = "") -> str:
    """Return git's reason for a failed push: the remote's lines and the rejection's note."""
    said = [
        line.removeprefix("remote:").strip()
        for line in stderr.splitlines()
        if line.startswith("remote:") and line.removeprefix("remote:").strip()
    ]
    notes = re.findall(r"^\s*!\s.*?\((.+)\)\s*$", stdout + "\n" + stderr, re.MULTILINE)
    fatal = [
        line.removeprefix("fatal:").strip()
        for line in stderr.splitlines()
        if line.startswith("fatal:")
    ]
    parts = said + [f"({note})" for note in notes] + fatal
    if not parts:
        lines = [line for line in stderr.splitlines() if line.strip()]
        parts = lines[-1:] or ["git push failed"]
    return " ".join(parts)


async def _create_or_find(
    api: GitHub, task: Task, target: RepoName, head_owner: str, base: str, body: str, draft: bool
) -> tuple[dict[str, Any], bool]:
    head = task.branch if head_owner == target.owner else f"{head_owner}:{task.branch}"
    request: dict[str, Any] = {"title": task.title, "head": head, "base": base, "body": body}
    if draft:
        request["draft"] = True
    try:
        return await api.post_json(f"repos/{target.full_name}/pulls", request), True
    except GitHubValidationError as exc:
        if not any("already exists" in m for m in exc.messages):
            hint = (
                f"; is {base} a branch of {target.full_name}? (--base)" if _about_base(exc) else ""
            )
            raise UserError(f"{exc}{hint} (the branch was pushed; nothing else changed)") from None
    except GitHubError as exc:
        raise UserError(f"{exc} (the branch was pushed; no pull request opened)") from None
    params = {"head": f"{head_owner}:{task.branch}", "state": "open"}
    found = await _call(api.get_json(f"repos/{target.full_name}/pulls", params))
    if not found:
        raise UserError(f"GitHub says a pull request exists for {head}, but lists none")
    return found[0], False


def _about_base(exc: GitHubValidationError) -> bool:
    return any(m.startswith("base ") for m in exc.messages)


async def _body(repo: str, task: Task) -> str:
    summary = await _summary(repo, task)
    return (
        f"{task.prompt.strip()}\n\n---\n{summary}, by agent `{task.agent}`.\n"
        f"Opened by Orchard from task `{task.short_id}` ({task.id})."
    )


async def _summary(repo: str, task: Task) -> str:
    head = f"refs/heads/{task.branch}"
    result = await git.git(repo, "diff", "--numstat", "-z", "-M", task.base_commit, head)
    stat = parse_numstat_z(result.text)
    files = "1 file" if stat.files_changed == 1 else f"{stat.files_changed} files"
    return f"{files} changed, +{stat.insertions} -{stat.deletions}"


async def _uncommitted(worktree: str) -> int:
    if not Path(worktree).exists():
        return 0
    result = await git.git(worktree, "status", "--porcelain", check=False)
    return len(result.text.splitlines()) if result.returncode == 0 else 0


async def _call(awaitable: Awaitable[Any]) -> Any:
    try:
        return await awaitable
    except GitHubError as exc:
        raise UserError(str(exc)) from None


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "://" in url and parts.password:
        return url.replace(parts.password, "***")
    return url
