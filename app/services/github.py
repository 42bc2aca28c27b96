"""A small async client for GitHub's REST API: clear errors, pagination, conditional GETs."""

from __future__ import annotations

import os
import re
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
TIMEOUT = 30.0

_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class GitHubError(Exception):
    """GitHub refused or could not be reached; the message is fit to show a user."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GitHubAuthError(GitHubError):
    """The token is missing or GitHub does not accept it (401)."""


class GitHubNotFound(GitHubError):
    """The resource does not exist, or the token may not see it (404)."""


class GitHubRateLimited(GitHubError):
    """A rate limit was hit; `retry_at` is when (epoch seconds) asking again may work."""

    def __init__(self, message: str, status: int, retry_at: float) -> None:
        super().__init__(message, status)
        self.retry_at = retry_at


class GitHubValidationError(GitHubError):
    """GitHub rejected the request's content (422); `messages` holds its reasons."""

    def __init__(self, message: str, messages: tuple[str, ...]) -> None:
        super().__init__(message, 422)
        self.messages = messages


@dataclass(frozen=True, slots=True)
class Token:
    """An API token and where it came from (never the token in messages: the source)."""

    value: str = ""
    source: str = ""

    def __repr__(self) -> str:
        return f"Token(source={self.source!r})"


def find_token(
    settings_token: str | None, config_path: str, env: Mapping[str, str] | None = None
) -> Token | None:
    """Return the token from $GITHUB_TOKEN, $GH_TOKEN or the settings, or None."""
    env = os.environ if env is None else env
    for name in TOKEN_VARIABLES:
        if env.get(name, "").strip():
            return Token(env[name].strip(), f"${name}")
    if settings_token and settings_token.strip():
        return Token(settings_token.strip(), f"[github] token in {config_path}")
    return None


def where_tokens_come_from(config_path: str) -> str:
    """Say where Orchard looks for a GitHub token."""
    return f"set GITHUB_TOKEN (or GH_TOKEN), or `token` under [github] in {config_path}"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its items, its ETag and the next page's URL, if any."""

    items: list[Any]
    etag: str | None
    next_url: str | None


@dataclass(frozen=True, slots=True)
class Conditional:
    """A conditional GET's answer: the data (cached when not modified) and its ETag."""

    data: Any
    etag: str | None
    modified: bool


class GitHub:
    """GitHub's REST API over one httpx.AsyncClient; use `async with`."""

    def __init__(self, token: Token, api_url: str | None = None, timeout: float = TIMEOUT) -> None:
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self._token = token
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "orchard",
        }
        if token.value:
            headers["Authorization"] = f"Bearer {token.value}"
        self._client = httpx.AsyncClient(
            base_url=self.api_url + "/", headers=headers, timeout=timeout
        )

    async def __aenter__(self) -> GitHub:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request; return the response (2xx or 304) or raise a GitHubError."""
        url = path if "://" in path else path.lstrip("/")
        try:
            response = await self._client.request(
                method, url, params=params, json=json, headers=headers
            )
        except httpx.TimeoutException:
            raise GitHubError(f"GitHub at {self.api_url} did not answer in time") from None
        except httpx.HTTPError as exc:
            detail = self._mask(str(exc) or type(exc).__name__)
            raise GitHubError(f"could not reach GitHub at {self.api_url}: {detail}") from None
        if response.status_code >= 400:
            raise self._error(method, response)
        return response

    async def get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """GET `path` and return its JSON."""
        return self._json(await self.request("GET", path, params=params))

    async def post_json(self, path: str, body: Any) -> Any:
        """POST `body` as JSON to `path` and return the answer's JSON."""
        return self._json(await self.request("POST", path, json=body))

    async def patch_json(self, path: str, body: Any) -> Any:
        """PATCH `path` with `body` and return the answer's JSON."""
        return self._json(await self.request("PATCH", path, json=body))

    async def pages(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> AsyncIterator[Page]:
        """Yield each page of a list, following `Link: rel="next"` to the end."""
        url: str | None = path
        query: Mapping[str, str | int] | None = {"per_page": 100, **(params or {})}
        while url is not None:
            response = await self.request("GET", url, params=query)
            items = self._json(response)
            if not isinstance(items, list):
                raise GitHubError(f"GitHub answered {url} with something that is not a list")
            url = next_link(response.headers.get("link", ""))
            query = None  # the next link carries the whole query
            yield Page(items, response.headers.get("etag"), url)

    async def paginate(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> AsyncIterator[Any]:
        """Yield every item of a paginated list."""
        async for page in self.pages(path, params):
            for item in page.items:
                yield item

    async def get_conditional(
        self,
        path: str,
        params: Mapping[str, str | int] | None = None,
        cached: Conditional | None = None,
    ) -> Conditional:
        """GET with If-None-Match; on 304 return `cached`'s data, unchanged."""
        headers = {"If-None-Match": cached.etag} if cached and cached.etag else None
        response = await self.request("GET", path, params=params, headers=headers)
        if response.status_code == 304 and cached is not None:
            return Conditional(cached.data, cached.etag, modified=False)
        return Conditional(self._json(response), response.headers.get("etag"), modified=True)

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            where = response.request.url.path
            raise GitHubError(f"GitHub answered {where} with something that is not JSON") from None

    def _error(self, method: str, response: httpx.Response) -> GitHubError:
        status = response.status_code
        body = _body(response)
        said = self._mask(str(body.get("message") or response.reason_phrase))
        where = f"{method} {response.request.url.path}"
        if status == 401:
            source = self._token.source or "nowhere (no token)"
            return GitHubAuthError(
                f"GitHub refused the token from {source} ({said}, 401); "
                "check that it is valid and not expired",
                status,
            )
        if status in (403, 429) and (limited := _rate_limited(response, said)):
            return limited
        if status == 404:
            return GitHubNotFound(
                f"{where}: not found (404); the repository does not exist or the token "
                f"from {self._token.source or 'nowhere'} has no access to it",
                status,
            )
        if status == 422:
            reasons = tuple(self._mask(m) for m in _reasons(body))
            text = "; ".join(reasons) or said
            return GitHubValidationError(f"GitHub rejected {where}: {text}", reasons)
        if status == 403:
            return GitHubError(
                f"{where}: forbidden (403): {said}; the token from "
                f"{self._token.source or 'nowhere'} may lack the needed permission",
                status,
            )
        return GitHubError(f"{where}: GitHub answered {status}: {said}", status)

    def _mask(self, text: str) -> str:
        return text.replace(self._token.value, "***") if self._token.value else text


def next_link(header: str) -> str | None:
    """Return the rel="next" URL of a Link header, or None."""
    for part in header.split(","):
        match = _NEXT_LINK.search(part)
        if match:
            return match.group(1)
    return None


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reasons(body: Mapping[str, Any]) -> list[str]:
    errors = body.get("errors")
    if not isinstance(errors, list):
        return []
    reasons = []
    for error in errors:
        if isinstance(error, dict):
            reasons.append(str(error.get("message") or _field_reason(error)))
        elif isinstance(error, str):
            reasons.append(error)
    return reasons


def _field_reason(error: Mapping[str, Any]) -> str:
    return f"{error.get('field', '?')} is {error.get('code', 'invalid')}"


def _rate_limited(response: httpx.Response, said: str) -> GitHubRateLimited | None:
    headers = response.headers
    now = time.time()
    if (after := _number(headers.get("retry-after"))) is not None:
        retry_at = now + after
    elif headers.get("x-ratelimit-remaining") == "0":
        retry_at = _number(headers.get("x-ratelimit-reset")) or now + 60
    elif response.status_code == 429 or "rate limit" in said.lower():
        retry_at = now + 60  # GitHub's advice when it gives no time: wait at least a minute
    else:
        return None
    wait = max(0, round(retry_at - now))
    at = time.strftime("%H:%M:%S", time.localtime(retry_at))
    message = f"GitHub rate limit reached ({said}); try again at {at} (in {_duration(wait)})"
    return GitHubRateLimited(message, response.status_code, retry_at)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    return f"{round(seconds / 60)} min"
