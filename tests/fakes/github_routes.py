"""The fake GitHub API's endpoints: each returns (status, JSON payload, extra headers)."""

from __future__ import annotations

import re
import subprocess
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.github_api import FakeGitHub, FakeRepo

Answer = tuple[int, Any, dict[str, str]]
DOCS = "https://docs.github.com/rest"
_ROUTES = [
    ("GET", r"/repos/([^/]+)/([^/]+)", "repo"),
    ("GET", r"/repos/([^/]+)/([^/]+)/issues", "list_issues"),
    ("GET", r"/repos/([^/]+)/([^/]+)/issues/(\d+)", "get_issue"),
    ("PATCH", r"/repos/([^/]+)/([^/]+)/issues/(\d+)", "patch_issue"),
    ("POST", r"/repos/([^/]+)/([^/]+)/issues/(\d+)/labels", "add_labels"),
    ("POST", r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments", "add_comment"),
    ("GET", r"/repos/([^/]+)/([^/]+)/pulls", "list_pulls"),
    ("POST", r"/repos/([^/]+)/([^/]+)/pulls", "create_pull"),
    ("GET", r"/repos/([^/]+)/([^/]+)/pulls/(\d+)", "get_pull"),
]


def not_found() -> Answer:
    return 404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}, {}


def invalid(*errors: dict[str, Any]) -> Answer:
    body = {"message": "Validation Failed", "errors": list(errors), "documentation_url": DOCS}
    return 422, {**body, "status": "422"}, {}


class Router:
    """Routes one request against the fake's state (the caller holds its lock)."""

    def __init__(self, api: FakeGitHub) -> None:
        self.api = api

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        """Answer `method path` as GitHub would."""
        for verb, pattern, name in _ROUTES:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                owner, repo_name, *rest = match.groups()
                repo = self.api.repos.get(f"{owner}/{repo_name}".lower())
                if repo is None:
                    return not_found()
                handler = getattr(self, name)
                return handler(repo, *[int(r) for r in rest], query=query, body=body)  # type: ignore[no-any-return]
        return not_found()

    # repositories and issues

    def repo(self, repo: FakeRepo, query: dict[str, str], body: Any) -> Answer:
        return 200, self._repo_json(repo), {}

    def list_issues(self, repo: FakeRepo, query: dict[str, str], body: Any) -> Answer:
        state = query.get("state", "open")
        since = query.get("since", "")  # ISO 8601 with Z: compares as text
        chosen = [
            i
            for i in repo.issues
            if (state == "all" or i["state"] == state) and i["updated_at"] >= since
        ]
        if "sort" in query or "direction" in query:  # unasked, the fake keeps filing order
            key = "updated_at" if query.get("sort") == "updated" else "created_at"
            ascending = query.get("direction", "desc") == "asc"
            chosen.sort(key=lambda i: (i[key], i["number"]), reverse=not ascending)
        return self._page(repo, f"/repos/{repo.full_name}/issues", chosen, query)

    def get_issue(self, repo: FakeRepo, number: int, query: dict[str, str], body: Any) -> Answer:
        issue = self._find_issue(repo, number)
        return (200, issue, {}) if issue else not_found()

    def patch_issue(self, repo: FakeRepo, number: int, query: dict[str, str], body: Any) -> Answer:
        issue = self._find_issue(repo, number)
        if issue is None:
            return not_found()
        for key in ("title", "body", "state"):
            if key in body:
                issue[key] = body[key]
        if "labels" in body:
            issue["labels"] = [self._label(n) for n in body["labels"]]
        if "assignees" in body:
            issue["assignees"] = [self.api.user(login) for login in body["assignees"]]
        return 200, issue, {}

    def add_labels(self, repo: FakeRepo, number: int, query: dict[str, str], body: Any) -> Answer:
        issue = self._find_issue(repo, number)
        if issue is None:
            return not_found()
        names = body.get("labels", []) if isinstance(body, dict) else body
        have = {label["name"] for label in issue["labels"]}
        issue["labels"] += [self._label(n) for n in names if n not in have]
        return 200, issue["labels"], {}

    def add_comment(self, repo: FakeRepo, number: int, query: dict[str, str], body: Any) -> Answer:
        issue = self._find_issue(repo, number)
        if issue is None:
            return not_found()
        if not isinstance(body, dict) or not body.get("body"):
            return invalid({"resource": "IssueComment", "field": "body", "code": "missing_field"})
        comment = {
            "id": len(repo.comments) + 1,
            "body": body["body"],
            "user": self.api.user("orchard"),
            "html_url": f"{issue['html_url']}#issuecomment-{len(repo.comments) + 1}",
        }
        repo.comments.append({**comment, "issue_number": number})
        issue["comments"] += 1
        return 201, comment, {}

    # pull requests

    def list_pulls(self, repo: FakeRepo, query: dict[str, str], body: Any) -> Answer:
        state = query.get("state", "open")
        chosen = [
            p
            for p in repo.pulls.values()
            if (state == "all" or p["state"] == state)
            and query.get("head") in (None, p["head"]["label"])
            and query.get("base") in (None, p["base"]["ref"])
        ]
        return self._page(repo, f"/repos/{repo.full_name}/pulls", chosen, query)

    def get_pull(self, repo: FakeRepo, number: int, query: dict[str, str], body: Any) -> Answer:
        pull = repo.pulls.get(number)
        return (200, pull, {}) if pull else not_found()

    def create_pull(self, repo: FakeRepo, query: dict[str, str], body: Any) -> Answer:
        body = body if isinstance(body, dict) else {}
        for name in ("title", "head", "base"):
            if not body.get(name):
                return invalid({"resource": "PullRequest", "field": name, "code": "missing_field"})
        head_owner, _, head_ref = body["head"].rpartition(":")
        label = f"{head_owner or repo.owner}:{head_ref}"
        head_sha, base_sha = self._sha(repo, head_ref), self._sha(repo, body["base"])
        if head_sha is None:
            return invalid({"resource": "PullRequest", "field": "head", "code": "invalid"})
        if base_sha is None:
            return invalid({"resource": "PullRequest", "field": "base", "code": "invalid"})
        if head_sha == base_sha:
            message = f"No commits between {body['base']} and {head_ref}"
            return invalid({"resource": "PullRequest", "code": "custom", "message": message})
        if any(p["head"]["label"] == label and p["state"] == "open" for p in repo.pulls.values()):
            message = f"A pull request already exists for {label}."
            return invalid({"resource": "PullRequest", "code": "custom", "message": message})
        return 201, self._new_pull(repo, body, label, head_ref, head_sha), {}

    def _new_pull(
        self, repo: FakeRepo, body: dict[str, Any], label: str, head_ref: str, head_sha: str
    ) -> dict[str, Any]:
        number = repo.next_number()
        issue = self.api.issue(repo, number, body["title"], body.get("body") or "", True)
        repo.issues.append(issue)
        pull = {
            **issue,
            "url": f"{self.api.url}/repos/{repo.full_name}/pulls/{number}",
            "draft": bool(body.get("draft")),
            "merged": False,
            "head": {"label": label, "ref": head_ref, "sha": head_sha},
            "base": {"label": f"{repo.owner}:{body['base']}", "ref": body["base"]},
        }
        del pull["pull_request"]
        repo.pulls[number] = pull
        return pull

    # helpers

    def _page(self, repo: FakeRepo, path: str, items: list[Any], query: dict[str, str]) -> Answer:
        from tests.fakes.github_api import link_header

        per_page = min(int(query.get("per_page", 30)), 100)
        page = max(int(query.get("page", 1)), 1)
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        rest = {k: v for k, v in query.items() if k != "page"}
        link = link_header(self.api.url, path, rest, page, last)
        return 200, chunk, ({"link": link} if link else {})

    def _find_issue(self, repo: FakeRepo, number: int) -> dict[str, Any] | None:
        return next((i for i in repo.issues if i["number"] == number), None)

    def _label(self, name: str) -> dict[str, Any]:
        return {"name": name, "color": "ededed", "default": False}

    def _repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        return {
            "id": repo.id,
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.api.user(repo.owner),
            "private": False,
            "default_branch": repo.default_branch,
            "html_url": f"https://github.com/{repo.full_name}",
            "permissions": {"admin": False, "push": True, "pull": True},
        }

    def _sha(self, repo: FakeRepo, ref: str) -> str | None:
        if repo.git_dir is None:
            return f"{abs(hash(ref)):040x}"[:40]
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{ref}"],
            cwd=repo.git_dir,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip() if result.returncode == 0 else None
