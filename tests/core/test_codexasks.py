"""Codex's app-server requests as Asks, and Orchard's messages checked against the pinned schema."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from app.core import codexasks
from app.core.inbox import Answer, AskKind, Verdict
from tests.parsers.schema import check
from tests.parsers.streams import fixture

WT = "/work/trees/t1"


def _recorded(method: str) -> dict[str, Any]:
    for line in fixture("codex_app_patch.jsonl").splitlines():
        message = orjson.loads(line)
        if message.get("method") == method and "id" in message:
            return dict(message["params"])
    raise AssertionError(method)


def test_the_requests_orchard_sends_fit_the_pinned_schema() -> None:
    assert check({"clientInfo": codexasks.CLIENT}, "InitializeParams") == []
    assert check(codexasks.thread_params(WT, None), "ThreadStartParams") == []
    assert check(codexasks.thread_params(WT, "thread-1"), "ThreadResumeParams") == []
    assert check(codexasks.turn_params("thread-1", "do it"), "TurnStartParams") == []
    steer = {"threadId": "t", "expectedTurnId": "u", "input": [{"type": "text", "text": "no"}]}
    assert check(steer, "TurnSteerParams") == []
    assert check({"threadId": 5, "input": []}, "TurnStartParams")  # the check can fail


def test_a_thread_trusts_its_folder_for_itself_only() -> None:
    started = codexasks.thread_params(WT, None)
    assert started["config"] == {"projects": {WT: {"trust_level": "trusted"}}}
    assert (started["approvalPolicy"], started["sandbox"]) == ("untrusted", "workspace-write")
    assert "threadId" not in started
    assert codexasks.thread_params(WT, "thread-1")["threadId"] == "thread-1"


@pytest.mark.parametrize("verdict", [Verdict.ALLOW, Verdict.ALLOW_TASK, Verdict.ALLOW_PROJECT])
def test_allowing_answers_accept(verdict: Verdict) -> None:
    decision = codexasks.decision_of(Answer(verdict))
    assert decision == ("accept" if verdict is Verdict.ALLOW else "acceptForSession")
    for schema in ("CommandExecutionRequestApprovalResponse", "FileChangeRequestApprovalResponse"):
        assert check({"decision": decision}, schema) == []


@pytest.mark.parametrize("verdict", [Verdict.DENY, Verdict.EXPIRED, Verdict.REPLY, Verdict.STOP])
def test_anything_else_is_declined_never_accepted(verdict: Verdict) -> None:
    assert codexasks.decision_of(Answer(verdict, "no")) == "decline"


def test_a_command_request_becomes_a_command_ask() -> None:
    params = _recorded(codexasks.COMMAND_APPROVAL)
    ask = codexasks.ask_of(codexasks.COMMAND_APPROVAL, params)
    assert (ask.kind, ask.agent, ask.tool) == (AskKind.COMMAND, "codex", "commandExecution")
    assert ask.command == "/bin/bash -lc 'touch x'" and ask.cwd == params["cwd"]
    assert ask.id == "" and ask.task_id == ""  # the inbox's Asker fills them


def test_a_file_change_request_takes_its_diff_from_the_started_item() -> None:
    params = _recorded(codexasks.FILE_APPROVAL)
    cwd = "/tmp/orchard-codex-app-u0o71pq2/app/repo"
    started = {"type": "fileChange", "changes": [
        {"path": f"{cwd}/notes.txt", "kind": {"type": "add"}, "diff": "one\ntwo\n"},
        {"path": f"{cwd}/a.py", "kind": {"type": "update"}, "diff": "@@ -1 +1 @@\n-x\n+y\n"},
    ]}  # fmt: skip
    ask = codexasks.ask_of(codexasks.FILE_APPROVAL, params, started, cwd)
    assert (ask.kind, ask.path, ask.cwd) == (AskKind.FILE_CHANGE, "notes.txt, a.py", cwd)
    assert ask.diff == (
        "--- /dev/null\n+++ b/notes.txt\n+one\n+two\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y"
    )


def test_a_denial_note_carries_the_persons_message_only() -> None:
    ask = codexasks.ask_of(codexasks.COMMAND_APPROVAL, {"command": "touch x"})
    note = codexasks.denial_note(Answer(Verdict.DENY, "not here"), ask)
    assert note == "Orchard: the request `touch x` was denied: not here"
    assert codexasks.denial_note(Answer(Verdict.DENY), ask) == ""
    assert codexasks.denial_note(Answer(Verdict.EXPIRED, "ended"), ask) == ""
    assert codexasks.denial_note(Answer(Verdict.ALLOW), ask) == ""
