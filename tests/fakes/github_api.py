"""A fake GitHub REST API on 127.0.0.1 that speaks GitHub's wire format.

Serves repositories, issues (pull requests mixed in, as GitHub does), pull requests, labels and
comments, with Link pagination, ETags answered by 304, rate-limit headers and Bearer tokens.
Failures are scripted per test with `fail(...)`. Use it as a context manager:

    with FakeGitHub(token="t") as api:
        api.add_repo("octo/app")
        ... api.url ...
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.server import FakeServer

DOCS = "https://docs.github.com/rest"
RATE_LIMIT = 5000


@dataclass
class Failure:
    """A scripted answer for requests matching `method` and `path` (a regex on the path)."""

    method: str
    path: str
    status: int
    body: Any = None  # a dict/list (sent as JSON) or bytes (sent raw)
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1  # how many requests it answers; -1 for all
    delay: float = 0.0  # seconds to wait before answering (a stall)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeRepo:
    """One repository's state; `git_dir` (a bare repo) makes pulls check the pushed head."""

    owner: str
    name: str
    id: int
    default_branch: str = "main"
    git_dir: Path | None = None
    issues: list[dict[str, Any]] = field(default_factory=list)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def next_number(self) -> int:
        return len(self.issues) + 1


class FakeGitHub(FakeServer):
    """The fake API's state and its server thread."""

    def __init__(self, token: str | None = "test-token") -> None:
        self.token = token
        self.repos: dict[str, FakeRepo] = {}
        self.failures: list[Failure] = []
        self.requests: list[Recorded] = []
        self.remaining = RATE_LIMIT
        self.reset_at = int(time.time()) + 3600
        self.lock = threading.Lock()
        super().__init__(_handler_for(self))

    @property
    def url(self) -> str:
        return self.origin

    # scripting

    def add_repo(
        self, full_name: str, default_branch: str = "main", git_dir: Path | None = None
    ) -> FakeRepo:
        """Create a repository the token can see."""
        owner, name = full_name.split("/")
        repo = FakeRepo(owner, name, 1000 + len(self.repos), default_branch, git_dir)
        self.repos[full_name.lower()] = repo
        return repo

    def add_issues(self, full_name: str, count: int, pull_every: int = 0) -> None:
        """Add `count` open issues; every `pull_every`-th one is a pull request."""
        repo = self.repos[full_name.lower()]
        for i in range(count):
            n = repo.next_number()
            is_pull = bool(pull_every) and (i + 1) % pull_every == 0
            issue = self.issue(repo, n, f"Issue {n}", f"Body of {n}", is_pull)
            issue["created_at"] = issue["updated_at"] = stamp(n)
            repo.issues.append(issue)

    def touch(self, full_name: str, number: int, **changes: Any) -> dict[str, Any]:
        """Change an issue as a user would; its updated_at moves past every other one."""
        repo = self.repos[full_name.lower()]
        issue = next(i for i in repo.issues if i["number"] == number)
        latest = max(i["updated_at"] for i in repo.issues)
        issue.update(changes, updated_at=stamp(_seconds(latest) + 1))
        return issue

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` matching requests with `status` and `body`."""
        if body is None:
            body = {"message": _REASONS.get(status, "Error"), "documentation_url": DOCS}
        self.failures.append(Failure(method, path, status, body, headers or {}, times, delay))

    def rate_limit(self, path: str = ".*", reset_in: int = 600, method: str = ".*") -> None:
        """Make the next matching request hit the primary rate limit."""
        self.fail(
            method,
            path,
            403,
            {"message": "API rate limit exceeded for user ID 1.", "documentation_url": DOCS},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + reset_in)},
        )

    def pulls(self, full_name: str) -> list[dict[str, Any]]:
        """Return the repository's pull requests."""
        return list(self.repos[full_name.lower()].pulls.values())

    def calls(self, method: str, pattern: str = ".*") -> list[Recorded]:
        """Return the recorded requests with `method` whose path matches `pattern`."""
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    # building GitHub-shaped objects

    def user(self, login: str) -> dict[str, Any]:
        return {"login": login, "id": abs(hash(login)) % 10**6, "type": "User"}

    def issue(
        self, repo: FakeRepo, number: int, title: str, body: str, pull: bool
    ) -> dict[str, Any]:
        html = f"https://github.com/{repo.full_name}/{'pull' if pull else 'issues'}/{number}"
        issue: dict[str, Any] = {
            "id": repo.id * 100000 + number,
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "user": self.user("reporter"),
            "labels": [],
            "assignees": [],
            "comments": 0,
            "created_at": "2024-05-01T10:00:00Z",
            "updated_at": "2024-05-01T10:00:00Z",
            "html_url": html,
            "url": f"{self.url}/repos/{repo.full_name}/issues/{number}",
        }
        if pull:
            issue["pull_request"] = {"url": f"{self.url}/repos/{repo.full_name}/pulls/{number}"}
        return issue


_REASONS = {
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    422: "Validation Failed",
    500: "Server Error",
}


def _handler_for(api: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    from tests.fakes.github_routes import Router

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = _parse(raw)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with api.lock:
                api.requests.append(Recorded(method, parts.path, query, headers, body))
                failure = _take_failure(api, method, parts.path)
            if failure is not None:
                time.sleep(failure.delay)
                self._send(failure.status, failure.body, failure.headers)
                return
            if api.token is not None and headers.get("authorization") not in (
                f"Bearer {api.token}",
                f"token {api.token}",
            ):
                self._send(401, {"message": "Bad credentials", "documentation_url": DOCS})
                return
            with api.lock:
                status, payload, extra = Router(api).route(method, parts.path, query, body)
            self._answer(status, payload, extra, headers.get("if-none-match"))

        def _answer(
            self, status: int, payload: Any, extra: dict[str, str], if_none_match: str | None
        ) -> None:
            data = json.dumps(payload).encode()
            etag = f'W/"{hashlib.sha1(data).hexdigest()}"'
            if status == 200 and self.command == "GET":
                extra = {**extra, "etag": etag}
                if if_none_match == etag:  # 304s do not count against the rate limit
                    self._send(304, b"", extra, count=False)
                    return
            self._send(status, data, extra)

        def _send(
            self, status: int, body: Any, headers: dict[str, str] | None = None, count: bool = True
        ) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            if status != 304:
                self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            for key, value in {**_rate_headers(api, count), **(headers or {})}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def stamp(seconds: int) -> str:
    """Return a GitHub timestamp `seconds` after 2024-05-01T00:00:00Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_EPOCH + seconds))


def _seconds(when: str) -> int:
    return calendar.timegm(time.strptime(when, "%Y-%m-%dT%H:%M:%SZ")) - _EPOCH


_EPOCH = 1714521600  # 2024-05-01T00:00:00Z


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _take_failure(api: FakeGitHub, method: str, path: str) -> Failure | None:
    for failure in api.failures:
        if re.fullmatch(failure.method, method) and re.fullmatch(failure.path, path):
            if failure.times > 0:
                failure.times -= 1
                if failure.times == 0:
                    api.failures.remove(failure)
            return failure
    return None


def _rate_headers(api: FakeGitHub, count: bool) -> dict[str, str]:
    with api.lock:
        if count:
            api.remaining = max(0, api.remaining - 1)
        return {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(api.remaining),
            "x-ratelimit-reset": str(api.reset_at),
            "x-ratelimit-used": str(RATE_LIMIT - api.remaining),
            "x-ratelimit-resource": "core",
        }


def link_header(base: str, path: str, query: dict[str, str], page: int, last: int) -> str:
    """Return a Link header for `page` of `last` pages, as GitHub writes it."""
    rels = {"prev": page - 1, "next": page + 1, "last": last, "first": 1}
    links = []
    for rel, number in rels.items():
        if (rel in ("prev", "first") and page > 1) or (rel in ("next", "last") and page < last):
            url = f"{base}{path}?{urlencode({**query, 'page': number})}"
            links.append(f'<{url}>; rel="{rel}"')
    return ", ".join(links)
