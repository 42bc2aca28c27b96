"""Triage suggestions against a real HTTP server speaking the chat-completions wire format."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.core.suggestion import (
    BODY_LIMIT,
    Suggestion,
    SuggestionFormatError,
    build_messages,
    parse_reply,
)
from app.core.triage import Report
from app.services.config.settings import LlmSettings
from app.services.triage.suggest import (
    RetryPolicy,
    SuggestError,
    SuggestRun,
    _retry_after,
    find_api_key,
    suggest_reports,
)
from tests.fakes.chat_api import FakeChat, prompt_payload

KEY = "sk-test-0123456789"
ENV = {"ORCHARD_LLM_API_KEY": KEY}
CATEGORIES = ("bug", "crash", "ui", "docs")
OWNERS = {"maya": "ui, diff view", "li": "crash, storage"}
FAST = RetryPolicy(attempts=4, base=0.01, cap=1.0)


def _reports(count: int, body: str = "it broke") -> list[Report]:
    titles = ("App crash on save", "Diff view misaligned", "Typo in docs", "Slow start")
    return [
        Report(
            i, "app", f"{titles[(i - 1) % 4]} #{i}", body, "tester", "paste", None, None, 0.0, 0.0
        )
        for i in range(1, count + 1)
    ]


def _llm(api: FakeChat, **changes: Any) -> LlmSettings:
    values: dict[str, Any] = {"base_url": api.url, "model": "test-model", "timeout": 10.0}
    return LlmSettings(**{**values, **changes})


def _run(llm: LlmSettings, reports: list[Report], **kwargs: Any) -> SuggestRun:
    kwargs = {"categories": CATEGORIES, "owners": OWNERS, "env": ENV, "retry": FAST, **kwargs}
    return asyncio.run(suggest_reports(llm, reports, **kwargs))


@pytest.fixture
def api() -> Iterator[FakeChat]:
    with FakeChat(key=KEY, model="test-model") as fake:
        yield fake


def test_reports_go_in_batches_and_every_suggestion_is_delivered(api: FakeChat) -> None:
    seen: list[Suggestion] = []
    run = _run(_llm(api, batch_size=10), _reports(25), on_suggestion=seen.append)
    assert len(api.calls) == 3 and run.batches == 3 and run.ok
    assert sorted(s.report_id for s in seen) == list(range(1, 26))
    assert sorted(run.suggestions, key=lambda s: s.report_id) == sorted(
        seen, key=lambda s: s.report_id
    )
    crash = next(s for s in seen if s.report_id == 1)
    assert (crash.category, crash.priority, crash.owner) == ("crash", "P0", "li")
    diff = next(s for s in seen if s.report_id == 2)
    assert (diff.category, diff.priority, diff.owner) == ("bug", "P2", "maya")
    call = api.calls[0]
    assert call.headers["authorization"] == f"Bearer {KEY}"
    assert call.body["model"] == "test-model" and call.body["temperature"] == 0
    assert call.body["response_format"] == {"type": "json_object"}
    batches = sorted([r["id"] for r in prompt_payload(c.messages)["reports"]] for c in api.calls)
    assert batches == [list(range(1, 11)), list(range(11, 21)), list(range(21, 26))]


def test_no_more_requests_in_flight_than_the_concurrency_limit() -> None:
    async def main(api: FakeChat) -> SuggestRun:
        # A caller's client allows 100 connections: the run's own pool must keep to 3.
        async with httpx.AsyncClient() as client:
            return await suggest_reports(
                _llm(api, batch_size=2, concurrency=3),
                _reports(40),
                categories=CATEGORIES,
                owners=OWNERS,
                env=ENV,
                client=client,
            )

    with FakeChat(key=KEY, latency=0.05) as api:
        run = asyncio.run(main(api))
    assert len(api.calls) == 20 and len(run.suggestions) == 40
    assert api.peak == 3  # the limit is used, and never passed


def test_a_429_waits_as_long_as_retry_after_says(api: FakeChat) -> None:
    api.rate_limit(retry_after="1")
    progress: list[str] = []
    started = time.monotonic()
    run = _run(_llm(api), _reports(3), on_progress=progress.append)
    assert run.ok and len(run.suggestions) == 3 and len(api.calls) == 2
    assert api.calls[1].at - api.calls[0].at >= 0.95
    assert time.monotonic() - started < 5
    assert any("429" in line and "asking again in 1.0 s" in line for line in progress)


def test_a_long_retry_after_is_capped(api: FakeChat) -> None:
    api.rate_limit(retry_after="3600")
    run = _run(_llm(api), _reports(1), retry=RetryPolicy(cap=0.2))
    assert run.ok and len(api.calls) == 2
    assert 0.15 <= api.calls[1].at - api.calls[0].at < 1


def test_retry_after_as_an_http_date() -> None:
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert _retry_after(date, now=now) == pytest.approx(30, abs=1)
    assert _retry_after("2.5") == 2.5
    assert _retry_after("soon") is None and _retry_after(None) is None


def test_5xx_answers_are_retried_until_one_works(api: FakeChat) -> None:
    api.fail(500)
    api.fail(503)
    run = _run(_llm(api), _reports(2))
    assert run.ok and len(run.suggestions) == 2 and len(api.calls) == 3


def test_a_server_that_keeps_failing_fails_its_batch_with_a_clear_message(api: FakeChat) -> None:
    api.fail(503, times=-1)
    run = _run(_llm(api), _reports(2), retry=RetryPolicy(attempts=2, base=0.01))
    assert run.suggestions == [] and len(api.calls) == 3
    [failure] = run.failures
    assert failure == f"batch 1/1 (reports #1–#2): {api.url} answered 503 (gave up after 3 tries)"


def test_malformed_json_fails_that_batch_while_the_others_deliver(api: FakeChat) -> None:
    api.malformed()
    run = _run(_llm(api, batch_size=5, concurrency=1), _reports(15))
    assert [s.report_id for s in run.suggestions] == list(range(6, 16))
    [failure] = run.failures
    assert failure.startswith("batch 1/3 (reports #1–#5): the model's answer is not valid JSON")
    assert 'it starts \'{"suggestions": [{"id": 1,\'' in failure


def test_an_answer_that_is_not_a_chat_completion_fails_its_batch(api: FakeChat) -> None:
    api.fail(200, body=b"<html>proxy login</html>")
    run = _run(_llm(api), _reports(1))
    assert run.failures == [
        f"batch 1/1 (reports #1–#1): {api.url} did not answer with a chat completion "
        "(it sent '<html>proxy login</html>')"
    ]


def test_a_stalled_request_times_out_and_the_rest_deliver(api: FakeChat) -> None:
    api.stall(30)
    started = time.monotonic()
    run = _run(_llm(api, batch_size=2, concurrency=1, timeout=0.3), _reports(4))
    assert time.monotonic() - started < 3
    assert [s.report_id for s in run.suggestions] == [3, 4]
    assert run.failures == [
        f"batch 1/2 (reports #1–#2): no answer from {api.url} within 0.3 s "
        "(raise [llm] timeout if the model is slow)"
    ]


def test_cancelling_a_run_stops_it_promptly_with_no_further_requests() -> None:
    with FakeChat(key=KEY, latency=0.5) as api:

        async def main() -> float:
            task = asyncio.create_task(
                suggest_reports(
                    _llm(api, batch_size=1, concurrency=2),
                    _reports(100),
                    categories=CATEGORIES,
                    owners=OWNERS,
                    env=ENV,
                )
            )
            while len(api.calls) < 2:
                await asyncio.sleep(0.01)
            task.cancel()
            started = time.monotonic()
            with pytest.raises(asyncio.CancelledError):
                await task
            return time.monotonic() - started

        took = asyncio.run(main())
        calls = len(api.calls)
        time.sleep(0.7)
        assert took < 0.2 and calls == 2 and len(api.calls) == 2


def test_a_refused_key_stops_the_run_and_the_message_never_shows_the_key(api: FakeChat) -> None:
    wrong = "sk-wrong-secret-987654"
    with pytest.raises(SuggestError) as caught:
        _run(_llm(api, concurrency=2, batch_size=1), _reports(50), env={"OPENAI_API_KEY": wrong})
    message = str(caught.value)
    assert api.calls[0].headers["authorization"] == f"Bearer {wrong}"
    assert "refused the API key (401: Incorrect API key provided: ***.)" in message
    assert "$ORCHARD_LLM_API_KEY" in message and wrong not in message
    assert wrong not in repr(caught.value.__cause__) and caught.value.__context__ is None
    assert len(api.calls) <= 2  # no batch after the refusal


def test_a_wrong_model_or_url_stops_the_run(api: FakeChat) -> None:
    with pytest.raises(SuggestError, match="check \\[llm\\] base_url and model"):
        _run(_llm(api, model="nope"), _reports(3))


def test_suggestions_off_says_which_settings_to_set(api: FakeChat) -> None:
    with pytest.raises(SuggestError) as caught:
        _run(LlmSettings(), _reports(3))
    assert "[llm]" in str(caught.value) and "base_url and model" in str(caught.value)
    assert api.calls == []


def test_the_key_comes_from_the_environment_before_the_settings() -> None:
    llm = LlmSettings("http://x/v1", "m", api_key="from-settings")
    assert find_api_key(llm, {}) == "from-settings"
    assert find_api_key(llm, {"OPENAI_API_KEY": "openai"}) == "openai"
    both = {"OPENAI_API_KEY": "openai", "ORCHARD_LLM_API_KEY": "orchard"}
    assert find_api_key(llm, both) == "orchard"
    assert find_api_key(LlmSettings(), {}) is None
    assert find_api_key(llm, {"ORCHARD_LLM_API_KEY": "  "}) == "from-settings"  # blank: no key


def test_an_unreachable_endpoint_is_retried_then_fails_its_batch() -> None:
    with FakeChat() as api:
        url = api.url  # the port is closed once the server is gone
    llm = LlmSettings(url, "m", timeout=5.0)
    run = _run(llm, _reports(1), retry=RetryPolicy(attempts=1, base=0.01))
    [failure] = run.failures
    assert failure.startswith(f"batch 1/1 (reports #1–#1): could not reach {url}")
    assert failure.endswith("(gave up after 2 tries)")


def test_an_error_in_a_callback_reaches_the_caller_as_itself(api: FakeChat) -> None:
    def broken(_: Suggestion) -> None:
        raise KeyError("the window went away")

    with pytest.raises(KeyError, match="the window went away"):
        _run(_llm(api, batch_size=1), _reports(20), on_suggestion=broken)
    assert len(api.calls) < 20


def test_a_1mb_report_is_cut_in_the_request(api: FakeChat) -> None:
    big = "A log line that repeats.\n" * 42_000  # ~1 MB
    run = _run(_llm(api), _reports(2, body=big))
    assert run.ok and len(run.suggestions) == 2
    sent = json.dumps(api.calls[0].body)
    assert len(sent) < 4 * BODY_LIMIT + 8000
    [first, _] = prompt_payload(api.calls[0].messages)["reports"]
    assert first["body"].startswith("A log line") and "more characters cut]" in first["body"]


def test_10000_reports_run_through_a_bounded_pool(api: FakeChat) -> None:
    most_tasks = 0

    def count_tasks(_: str) -> None:
        nonlocal most_tasks
        most_tasks = max(most_tasks, len(asyncio.all_tasks()))

    started = time.monotonic()
    run = _run(_llm(api, batch_size=10, concurrency=4), _reports(10_000), on_progress=count_tasks)
    took = time.monotonic() - started
    assert run.ok and len(run.suggestions) == 10_000 and len(api.calls) == 1000
    # The workers and the run itself: never a task (or a prompt) per batch waiting its turn.
    # (tracemalloc measured a 9.4 MB peak for the whole run, fake server included.)
    assert most_tasks <= 4 + 1
    assert took < 30, f"{took:.1f} s"


# the prompt and the reply, pure


def test_messages_carry_categories_owners_and_duplicate_candidates() -> None:
    reports = _reports(2)
    messages = build_messages(reports, CATEGORIES, OWNERS, {1: [(7, 0.912), (1, 1.0)]}, {7: "Old"})
    assert [m["role"] for m in messages] == ["system", "user"]
    assert '"suggestions"' in messages[0]["content"]
    payload = prompt_payload(messages)
    assert payload["categories"] == list(CATEGORIES)
    assert payload["owners"][0] == {"name": "maya", "areas": "ui, diff view"}
    assert payload["reports"][0]["possible_duplicates"] == [
        {"id": 7, "title": "Old", "similarity": 0.91}
    ]
    assert "possible_duplicates" not in payload["reports"][1]


def test_a_reply_is_checked_field_by_field() -> None:
    reply = """```json
    {"suggestions": [
      {"id": 1, "category": "CRASH", "priority": "p1", "owner": "Maya", "duplicate_of": 7,
       "reason": "  crashes\\n on save "},
      {"id": "#2", "category": "feature", "priority": "urgent", "owner": "bob",
       "duplicate_of": 9},
      {"id": 3, "priority": 2, "duplicate_of": 1},
      {"id": 3, "category": "ui"},
      {"id": 99, "category": "bug"},
      "junk"
    ]}
    ```"""
    got = parse_reply(reply, [1, 2, 3], CATEGORIES, OWNERS, {1: [7]})
    assert got == [
        Suggestion(1, "crash", "P1", "maya", 7, "crashes on save"),
        Suggestion(2, None, None, None, None, ""),
        Suggestion(3, None, "P2", None, 1, ""),
    ]


def test_a_reply_that_is_not_the_json_asked_for_says_so() -> None:
    with pytest.raises(SuggestionFormatError, match="not valid JSON"):
        parse_reply("Sure! Here are my suggestions:", [1], CATEGORIES, OWNERS)
    with pytest.raises(SuggestionFormatError, match="is empty"):
        parse_reply("  ", [1], CATEGORIES, OWNERS)
    with pytest.raises(SuggestionFormatError, match=r'not \{"suggestions"'):
        parse_reply('{"answer": 42}', [1], CATEGORIES, OWNERS)
    assert parse_reply('[{"id": 1, "category": "ui"}]', [1], CATEGORIES, OWNERS)[0].category == "ui"
