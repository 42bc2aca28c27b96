"""Codex `app-server`: recorded sessions give the same events as `exec --json` gave for them.

tests/e2e/record_codex_app.py ran each script against the scripted model twice with the real
CLI: through Orchard's app-server driver (codex_app*.jsonl) and as `codex exec --json`
(codex_exec*.jsonl). Item and thread ids, and the temporary folder, differ between two runs;
everything else Orchard shows must not.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from app.core.events import AgentEvent, EventKind
from app.core.profiles import OutputFormat
from app.services.agents.appserver import AppServerParser
from tests.parsers.schema import check
from tests.parsers.streams import fixture, jsonl, parse

K = EventKind
APP, EXEC = OutputFormat.CODEX_APP, OutputFormat.CODEX
PAIRS = [
    ("codex_app.jsonl", "codex_exec.jsonl"),
    ("codex_app_error.jsonl", "codex_exec_error.jsonl"),
]
PAIRS += [("codex_app_patch.jsonl", "codex_exec_patch.jsonl")]
_FOLDER = re.compile(r"/tmp/[^\s\"']*?/(app|exec)/repo")


def normalized(events: list[AgentEvent]) -> list[dict[str, Any]]:
    """Return the events with ids numbered by first appearance and the run's folder as REPO."""
    ids: dict[str, str] = {}
    out = []
    for event in events:
        d = event.to_dict()
        if "item_id" in d:
            d["item_id"] = ids.setdefault(d["item_id"], f"item-{len(ids)}")
        if "session_id" in d:
            d["session_id"] = "SESSION"
        for key in ("path", "command", "text"):
            if key in d:
                d[key] = _FOLDER.sub("REPO", d[key])
        out.append(d)
    return out


@pytest.mark.parametrize(("app", "exec_"), PAIRS)
def test_a_recorded_session_gives_the_events_its_exec_run_gave(app: str, exec_: str) -> None:
    assert normalized(parse(APP, fixture(app))) == normalized(parse(EXEC, fixture(exec_)))


def test_the_captured_run_in_full() -> None:
    events = parse(APP, fixture("codex_app.jsonl"))
    assert [(e.kind, e.status) for e in events] == [
        (K.SESSION, None),
        (K.STATUS, None),
        *[(K.COMMAND, "in_progress"), (K.COMMAND, "completed")] * 2,
        (K.MESSAGE, "completed"),
        (K.USAGE, None),
    ]
    assert (events[-1].tokens_in, events[-1].tokens_out) == (300, 60)
    assert (
        events[0].session_id
        == orjson.loads(fixture("codex_app.jsonl").split(b"\n")[4])["params"]["thread"]["id"]
    )


@pytest.mark.parametrize("app", [a for a, _ in PAIRS])
def test_parses_the_same_one_byte_at_a_time(app: str) -> None:
    data = fixture(app)
    assert parse(APP, data, chunk=1) == parse(APP, data)


@pytest.mark.parametrize("app", [a for a, _ in PAIRS])
def test_requests_and_responses_go_to_the_driver_not_the_log(app: str) -> None:
    parser = AppServerParser()
    seen: list[dict[str, Any]] = []
    parser.on_message = seen.append
    events = parser.feed(fixture(app)) + parser.close()
    assert not [e for e in events if e["kind"] == "raw"]
    lines = [orjson.loads(line) for line in fixture(app).splitlines() if line.strip()]
    with_id = [m for m in lines if "id" in m]
    assert [m for m in seen if "id" in m] == with_id
    assert seen[-1]["method"] == "turn/completed"


def test_the_recorded_approval_requests_fit_the_pinned_schema() -> None:
    lines = [orjson.loads(line) for line in fixture("codex_app_patch.jsonl").splitlines()]
    requests = {m["method"]: m["params"] for m in lines if "id" in m and "method" in m}
    assert set(requests) == {
        "item/commandExecution/requestApproval",
        "item/fileChange/requestApproval",
    }
    assert (
        check(
            requests["item/commandExecution/requestApproval"],
            "CommandExecutionRequestApprovalParams",
        )
        == []
    )
    assert (
        check(requests["item/fileChange/requestApproval"], "FileChangeRequestApprovalParams") == []
    )
    assert check({"itemId": 1}, "FileChangeRequestApprovalParams")  # the check can fail


def _note(method: str, **params: Any) -> bytes:
    return jsonl({"method": method, "params": params})


def test_usage_counts_this_turn_only_in_a_resumed_thread() -> None:
    def usage(total: int, last: int) -> bytes:
        counts = {
            "total": {"inputTokens": total, "outputTokens": total // 5},
            "last": {"inputTokens": last, "outputTokens": last // 5},
        }
        return _note("thread/tokenUsage/updated", tokenUsage=counts)

    done = _note("turn/completed", turn={"id": "t", "status": "completed"})
    data = _note("turn/started") + usage(1100, 100) + usage(1200, 100) + done
    assert parse(APP, data)[-1] == AgentEvent(K.USAGE, tokens_in=200, tokens_out=40)


def test_a_failed_turn_is_fatal_with_its_message() -> None:
    data = _note("turn/completed", turn={"status": "failed", "error": {"message": "quota"}})
    assert parse(APP, data) == [AgentEvent(K.ERROR, text="quota", status="fatal")]


def test_a_declined_command_keeps_its_status() -> None:
    item = {"type": "commandExecution", "id": "c", "command": "touch x", "status": "declined"}
    assert parse(APP, _note("item/completed", item=item)) == [
        AgentEvent(K.COMMAND, status="declined", item_id="c", command="touch x")
    ]


def test_other_items_map_as_exec_items_do() -> None:
    items = [
        {"type": "reasoning", "id": "r", "summary": ["**Plan**"], "content": []},
        {"type": "mcpToolCall", "id": "m", "server": "docs", "tool": "find", "status": "completed",
         "result": {"content": [{"type": "text", "text": "3 hits"}]}},
        {"type": "webSearch", "id": "w", "query": "asyncio"},
        {"type": "error", "id": "e", "message": "bad"},
    ]  # fmt: skip
    data = b"".join(_note("item/completed", item=i) for i in items)
    assert parse(APP, data) == [
        AgentEvent(K.REASONING, text="**Plan**", status="completed", item_id="r"),
        AgentEvent(K.TOOL_CALL, text="3 hits", status="completed", item_id="m", tool="docs.find"),
        AgentEvent(K.TOOL_CALL, text="asyncio", status="completed", item_id="w", tool="web_search"),
        AgentEvent(K.ERROR, text="bad", status="completed", item_id="e"),
    ]


def test_an_unknown_notification_is_kept_raw() -> None:
    line = b'{"method":"future/thing","params":{}}'
    assert parse(APP, line + b"\n") == [AgentEvent(K.RAW, text=line.decode())]
