"""Take bug reports in from GitHub's open issues or from a CSV or JSON file.

A GitHub import asks for open issues oldest-updated first and stores each page as it comes,
off the event loop. It remembers the last `updated_at` it stored, so an import that stops
half-way (a rate limit, a dropped connection) resumes from there, and a refresh asks only for
issues updated since (with If-None-Match, which GitHub answers 304 without counting it).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.core.intake import draft_from_github_issue, parse_csv, parse_json
from app.core.triage import ImportResult as ImportResult
from app.core.triage import ReportDraft, TriageError
from app.core.words import counted
from app.services.github import GitHub, GitHubError, GitHubRateLimited, Token, find_token, next_link
from app.services.orchard import Orchard, UserError
from app.services.store import ReportBatch

MAX_FILE_BYTES = 50 * 1024 * 1024
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

Progress = Callable[[str], None]


def store_drafts(orchard: Orchard, project: str, drafts: Sequence[ReportDraft]) -> ImportResult:
    """Add drafts to `project` in one transaction and say what happened."""
    batch = _add(orchard, project, drafts)
    return ImportResult(
        len(batch.added), batch.updated, batch.unchanged, new_ids=tuple(r.id for r in batch.added)
    )


def _add(orchard: Orchard, project: str, drafts: Sequence[ReportDraft]) -> ReportBatch:
    orchard.store.project(project)  # a StoreError (a UserError) names the known projects
    return orchard.store.add_reports(project, drafts)


async def import_file(orchard: Orchard, project: str, path: str | Path) -> ImportResult:
    """Take in the reports of a .csv or .json file."""
    file = Path(path).expanduser()
    data = await asyncio.to_thread(_read, file)
    drafts = _parse_file(file, data)
    return await asyncio.to_thread(store_drafts, orchard, project, drafts)


def _read(file: Path) -> str:
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UserError(f"{file} is {size / 2**20:.0f} MB; Orchard reads files up to 50 MB")
        data = file.read_bytes()
    except FileNotFoundError:
        raise UserError(f"no file at {file}") from None
    except IsADirectoryError:
        raise UserError(f"{file} is a folder; give a .csv or .json file") from None
    except OSError as exc:
        raise UserError(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{file} is not UTF-8 text; save it as UTF-8 CSV or JSON") from None


def _parse_file(file: Path, text: str) -> list[ReportDraft]:
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".json"):
        suffix = ".json" if text.lstrip()[:1] in ("[", "{") else ".csv"
    parse = parse_json if suffix == ".json" else parse_csv
    return parse(text, file.name)


@dataclass
class _Run:
    """A GitHub import's running totals and where it got to."""

    repo: str
    state: dict[str, Any]
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    pulls: int = 0
    pages: int = 0
    not_modified: int = 0
    new_ids: tuple[int, ...] = ()
    asked: str | None = None  # the `since` this run asked with

    def result(self, complete: bool = True, message: str = "") -> ImportResult:
        return ImportResult(
            self.added, self.updated, self.unchanged, self.pulls, self.pages,
            self.not_modified, complete, message, self.new_ids,
        )  # fmt: skip


async def import_github(
    orchard: Orchard,
    project: str,
    repo: str,
    *,
    api_url: str | None = None,
    on_progress: Progress | None = None,
    max_wait: float = 900.0,
    env: Mapping[str, str] | None = None,
) -> ImportResult:
    """Take in the open issues of GitHub repository OWNER/REPO, or what changed since last time.

    `env` holds the asker's token variables when they are not this process's own.
    """
    repo = repo.strip().removeprefix("https://github.com/").removesuffix(".git").strip("/")
    if not _REPO.match(repo):
        raise UserError(f"'{repo}' is not a GitHub repository; write it as OWNER/REPO")
    key = f"github:{repo}"
    state = await asyncio.to_thread(_load_state, orchard, project, key)
    run = _Run(repo, state)
    token = find_token(orchard.settings.github_token, str(orchard.home.config), env) or Token()
    say = on_progress or (lambda _text: None)
    # Building the client loads the TLS certificates (tens of ms): not on the event loop.
    client = await asyncio.to_thread(GitHub, token, api_url or orchard.settings.github_api_url)
    async with client as gh:
        try:
            await _fetch(orchard, project, gh, run, say, max_wait)
        except _Stopped as stop:
            return run.result(complete=False, message=str(stop))
        except (GitHubError, TriageError) as exc:
            raise UserError(_half_way(run, str(exc))) from None
    return run.result()


class _Stopped(Exception):
    """The import stopped early on purpose; the message says how it resumes."""


def _load_state(orchard: Orchard, project: str, key: str) -> dict[str, Any]:
    orchard.store.project(project)
    state = orchard.store.triage_source(key)
    return state if state.get("project") == project else {"project": project}


async def _fetch(
    orchard: Orchard, project: str, gh: GitHub, run: _Run, say: Progress, max_wait: float
) -> None:
    since = run.asked = run.state.get("since")
    params: dict[str, str | int] = {
        "state": "open", "sort": "updated", "direction": "asc", "per_page": 100,
    }  # fmt: skip
    if since:
        params["since"] = since
    etag = run.state.get("etag") if run.state.get("etag_since") == since else None
    url: str | None = f"repos/{run.repo}/issues"
    query: dict[str, str | int] | None = params
    while url is not None:
        headers = {"If-None-Match": etag} if etag and run.pages == 0 else None
        response = await _get(gh, url, query, headers, run, say, max_wait)
        if response.status_code == 304:
            run.not_modified += 1
            return
        run.pages += 1
        url, query = next_link(response.headers.get("link", "")), None
        page_etag = response.headers.get("etag") if run.pages == 1 and url is None else None
        await asyncio.to_thread(_store_page, orchard, project, run, response.content, page_etag)
        say(f"{run.repo}: page {run.pages}, {run.added} new reports so far")
        if url is not None:
            await _respect_remaining(response, run, say, max_wait)


async def _get(
    gh: GitHub,
    url: str,
    query: dict[str, str | int] | None,
    headers: dict[str, str] | None,
    run: _Run,
    say: Progress,
    max_wait: float,
) -> httpx.Response:
    """GET one page, waiting out a rate limit that lifts within `max_wait` seconds."""
    while True:
        try:
            return await gh.request("GET", url, params=query, headers=headers)
        except GitHubRateLimited as exc:
            await _wait_until(exc.retry_at, run, say, max_wait)


async def _respect_remaining(
    response: httpx.Response, run: _Run, say: Progress, max_wait: float
) -> None:
    """Wait before the next request when GitHub says none are left until its reset."""
    if response.headers.get("x-ratelimit-remaining") != "0":
        return
    try:
        reset = float(response.headers.get("x-ratelimit-reset", ""))
    except ValueError:
        reset = time.time() + 60
    await _wait_until(reset, run, say, max_wait)


async def _wait_until(retry_at: float, run: _Run, say: Progress, max_wait: float) -> None:
    wait = max(0.0, retry_at - time.time())
    at = time.strftime("%H:%M:%S", time.localtime(retry_at))
    if wait > max_wait:
        raise _Stopped(
            f"GitHub rate limit reached after {counted(run.pages, 'page')}; it lifts at {at} "
            f"(in {_duration(wait)}). Everything taken in so far is kept: import again "
            "then to resume where it stopped"
        )
    say(f"GitHub rate limit reached: waiting {_duration(wait)} (until {at})…")
    await asyncio.sleep(wait)


def _duration(seconds: float) -> str:
    return f"{round(seconds)} s" if seconds < 120 else f"{round(seconds / 60)} min"


def _store_page(
    orchard: Orchard, project: str, run: _Run, content: bytes, etag: str | None
) -> None:
    """Parse one page, store its issues, then remember how far the import got."""
    try:
        items = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise GitHubError(
            f"GitHub answered page {run.pages} with something that is not JSON"
        ) from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise GitHubError(f"GitHub answered page {run.pages} with something that is not a list")
    drafts = [draft_from_github_issue(item, run.repo) for item in items]
    kept = [d for d in drafts if d is not None]
    run.pulls += len(drafts) - len(kept)
    batch = orchard.store.add_reports(project, kept)
    run.added += len(batch.added)
    run.updated += batch.updated
    run.unchanged += batch.unchanged
    run.new_ids += tuple(r.id for r in batch.added)
    stamps = [str(i.get("updated_at") or "") for i in items]
    since = max([run.state.get("since") or "", *stamps])
    run.state = {**run.state, "since": since or None, "etag": None, "etag_since": None}
    if etag is not None:  # a one-page answer: asking again the same way can be answered 304
        run.state.update(etag=etag, etag_since=run.asked)
    orchard.store.save_triage_source(f"github:{run.repo}", project, run.state)


def _half_way(run: _Run, message: str) -> str:
    if not run.pages:
        return message
    return (
        f"{message} (after {counted(run.pages, 'page')}: the {run.added} new reports taken in are "
        "kept; import again to resume)"
    )
