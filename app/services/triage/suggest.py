"""Ask an OpenAI-compatible chat-completions endpoint for triage suggestions, batch by batch.

Batches go through a pool of at most [llm] concurrency workers, so 10,000 reports never mean
1,000 requests (or their prompts) alive at once. A 429 or 5xx is retried with back-off that
honours Retry-After; a stalled or malformed batch fails alone while the others deliver.
The API key never reaches a log, the store or an error message.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.core.suggestion import KEY_VARIABLES as KEY_VARIABLES
from app.core.suggestion import Suggestion, SuggestionFormatError, build_messages, parse_reply
from app.core.suggestion import SuggestRun as SuggestRun
from app.core.triage import Report
from app.core.words import counted
from app.services.config import LlmSettings

SETUP_HINT = (
    "set base_url and model under [llm] in config.toml (and api_key there or in "
    "$ORCHARD_LLM_API_KEY)"
)


class SuggestError(Exception):
    """Suggestions cannot be had at all; the message is fit to show and holds no key."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait before asking again after a 429, a 5xx or no connection."""

    attempts: int = 4  # retries after the first try
    base: float = 0.5  # seconds before the first retry; doubled each time, with jitter
    cap: float = 30.0  # the longest single wait, whatever Retry-After says


class _BatchFailed(Exception):
    """One batch failed; the others go on."""


class _RunFailed(Exception):
    """No batch can succeed (a refused key, a wrong URL): the run stops."""


def find_api_key(llm: LlmSettings, env: Mapping[str, str] | None = None) -> str | None:
    """Return the API key: $ORCHARD_LLM_API_KEY, then $OPENAI_API_KEY, then [llm] api_key."""
    env = os.environ if env is None else env
    for name in KEY_VARIABLES:
        if env.get(name, "").strip():  # a blank variable is no key, as for GitHub tokens
            return env[name].strip()
    return (llm.api_key or "").strip() or None


@dataclass
class _Job:
    """What every worker of one run shares."""

    llm: LlmSettings
    client: httpx.AsyncClient
    key: str | None
    retry: RetryPolicy
    categories: Sequence[str]
    owners: Mapping[str, str]
    candidates: Mapping[int, Sequence[tuple[int, float]]]
    titles: Mapping[int, str]
    on_suggestion: Callable[[Suggestion], None] | None
    on_progress: Callable[[str], None] | None
    run: SuggestRun = field(default_factory=SuggestRun)
    fatal: str | None = None

    @property
    def url(self) -> str:
        return f"{(self.llm.base_url or '').rstrip('/')}/chat/completions"

    def mask(self, text: str) -> str:
        return text.replace(self.key, "***") if self.key else text

    def progress(self, text: str) -> None:
        if self.on_progress is not None:
            self.on_progress(self.mask(text))


async def suggest_reports(
    llm: LlmSettings,
    reports: Sequence[Report],
    *,
    categories: Sequence[str],
    owners: Mapping[str, str],
    candidates: Mapping[int, Sequence[tuple[int, float]]] | None = None,
    titles: Mapping[int, str] | None = None,
    on_suggestion: Callable[[Suggestion], None] | None = None,
    on_progress: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
    client: httpx.AsyncClient | None = None,
    retry: RetryPolicy | None = None,
) -> SuggestRun:
    """Suggest category, priority, owner and duplicate for `reports`, delivering each batch."""
    if not llm.enabled:
        raise SuggestError(f"suggestions are off: {SETUP_HINT}")
    own_client = client is None
    job = _Job(
        llm,
        client or _new_client(llm),
        find_api_key(llm, env),
        retry or RetryPolicy(),
        categories,
        owners,
        candidates or {},
        titles or {},
        on_suggestion,
        on_progress,
    )
    try:
        await _run_pool(job, reports)
    finally:
        if own_client:
            await asyncio.shield(job.client.aclose())
    if job.fatal is not None:
        raise SuggestError(job.fatal)
    return job.run


def _new_client(llm: LlmSettings) -> httpx.AsyncClient:
    limits = httpx.Limits(
        max_connections=llm.concurrency, max_keepalive_connections=llm.concurrency
    )
    return httpx.AsyncClient(timeout=llm.timeout, limits=limits)


async def _run_pool(job: _Job, reports: Sequence[Report]) -> None:
    size = job.llm.batch_size
    total = (len(reports) + size - 1) // size
    job.run.batches = total
    # One shared iterator: a worker takes the next batch only when it is free, so at most
    # `concurrency` prompts exist at any time.
    batches = enumerate(_chunks(reports, size), start=1)
    workers = min(job.llm.concurrency, total)
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(_work(job, batches, total))
    except BaseExceptionGroup as failed:  # a caller's callback raised: let it see its error
        raise failed.exceptions[0] from None


def _chunks(reports: Sequence[Report], size: int) -> Iterator[Sequence[Report]]:
    for start in range(0, len(reports), size):
        yield reports[start : start + size]


async def _work(job: _Job, batches: Iterator[tuple[int, Sequence[Report]]], total: int) -> None:
    for number, batch in batches:
        if job.fatal is not None:
            return
        label = _label(number, total, batch)
        try:
            suggestions = await _suggest_batch(job, batch)
        except _BatchFailed as exc:
            job.run.failures.append(job.mask(f"{label}: {exc}"))
            job.progress(f"{label} failed: {exc}")
            continue
        except _RunFailed as exc:
            job.fatal = job.mask(str(exc))
            return
        job.run.suggestions.extend(suggestions)
        for suggestion in suggestions:
            if job.on_suggestion is not None:
                job.on_suggestion(suggestion)
        job.progress(f"{label}: {counted(len(suggestions), 'suggestion')}")


def _label(number: int, total: int, batch: Sequence[Report]) -> str:
    return f"batch {number}/{total} (reports #{batch[0].id}–#{batch[-1].id})"


async def _suggest_batch(job: _Job, batch: Sequence[Report]) -> list[Suggestion]:
    messages = build_messages(batch, job.categories, job.owners, job.candidates, job.titles)
    body = {
        "model": job.llm.model,
        "messages": messages,
        "temperature": 0,
        "response_format": {"type": "json_object"},
    }
    content, finish = await _complete(job, body)
    ids = [r.id for r in batch]
    candidates = {r.id: [other for other, _ in job.candidates.get(r.id, ())] for r in batch}
    try:
        return parse_reply(content, ids, job.categories, list(job.owners), candidates)
    except SuggestionFormatError as exc:
        hint = "; the answer was cut off, so lower [llm] batch_size" if finish == "length" else ""
        raise _BatchFailed(f"{exc}{hint}") from None


async def _complete(job: _Job, body: dict[str, Any]) -> tuple[str, str | None]:
    """POST one chat completion, retrying 429s, 5xx and lost connections; return its content."""
    headers = {"Authorization": f"Bearer {job.key}"} if job.key else {}
    for attempt in range(job.retry.attempts + 1):
        last = attempt == job.retry.attempts
        response, problem = await _post(job, body, headers)
        if response is not None and not _retryable(response.status_code):
            return _content(job, response)
        if last:
            break
        wait = _wait(job.retry, attempt, response)
        job.progress(f"{problem}; asking again in {wait:.1f} s")
        await asyncio.sleep(wait)
    raise _BatchFailed(f"{problem} (gave up after {job.retry.attempts + 1} tries)")


async def _post(
    job: _Job, body: dict[str, Any], headers: dict[str, str]
) -> tuple[httpx.Response | None, str]:
    """Send one request; return the response (or None) and what went wrong, if anything."""
    job.run.requests += 1
    try:
        async with asyncio.timeout(job.llm.timeout):
            response = await job.client.post(job.url, json=body, headers=headers)
    except (TimeoutError, httpx.TimeoutException):
        raise _BatchFailed(
            f"no answer from {job.llm.base_url} within {job.llm.timeout:g} s "
            "(raise [llm] timeout if the model is slow)"
        ) from None
    except httpx.HTTPError as exc:
        detail = job.mask(str(exc) or type(exc).__name__)
        return None, f"could not reach {job.llm.base_url}: {detail}"
    return response, f"{job.llm.base_url} answered {response.status_code}"


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _content(job: _Job, response: httpx.Response) -> tuple[str, str | None]:
    status = response.status_code
    if status in (401, 403):
        raise _RunFailed(
            f"{job.llm.base_url} refused the API key ({status}: {_said(response)}); "
            f"check [llm] api_key in config.toml or ${KEY_VARIABLES[0]}"
        )
    if status == 404:
        raise _RunFailed(
            f"{job.url} was not found (404: {_said(response)}); check [llm] base_url and model"
        )
    if status >= 400:
        raise _BatchFailed(f"{job.llm.base_url} answered {status}: {_said(response)}")
    try:
        data = response.json()
        choice = data["choices"][0]
        content = choice["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise _BatchFailed(
            f"{job.llm.base_url} did not answer with a chat completion "
            f"(it sent {response.text[:80]!r})"
        ) from None
    if not isinstance(content, str):
        raise _BatchFailed("the model's answer has no text content")
    finish = choice.get("finish_reason")
    return content, finish if isinstance(finish, str) else None


def _said(response: httpx.Response) -> str:
    """Return the message of an OpenAI-shaped error body, or the reason phrase."""
    try:
        error = response.json().get("error")
        message = error.get("message") if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        message = None
    text = str(message or response.reason_phrase or "error")
    return text if len(text) <= 200 else text[:199] + "…"


def _wait(retry: RetryPolicy, attempt: int, response: httpx.Response | None) -> float:
    """Return how long to wait before try `attempt + 1`: Retry-After if given, else back-off."""
    after = _retry_after(response.headers.get("retry-after")) if response is not None else None
    if after is not None:
        return min(retry.cap, max(0.0, after))
    backoff = retry.base * 2.0**attempt
    return min(retry.cap, backoff * random.uniform(0.5, 1.0) + random.uniform(0, retry.base))


def _retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return the seconds a Retry-After header asks for (seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - (time.time() if now is None else now)
