"""The needs-you policy: what the project's list answers, and what always reaches a person."""

from __future__ import annotations

import pytest

from app.core.inbox import (
    DEFAULT_ALLOW,
    Answer,
    Ask,
    AskKind,
    Policy,
    Verdict,
    decide,
    is_dangerous,
    matches,
    remembered_pattern,
    strip_shell,
)
from app.core.wire import decode, encode


def _ask(command: str, **kw: object) -> Ask:
    return Ask("t1-1", "t1", "codex", AskKind.COMMAND, cwd="/w/t1", command=command, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("wrapped", "plain"),
    [
        ("bash -lc 'npm test'", "npm test"),
        ('/bin/bash -lc "npm test -- --watch=false"', "npm test -- --watch=false"),
        ("sh -c 'ls -la'", "ls -la"),
        ("/usr/bin/zsh -c 'bash -lc \"make check\"'", "make check"),
        ("npm test", "npm test"),
        ("bash -lc 'unterminated", "bash -lc 'unterminated"),
    ],
)
def test_strip_shell_removes_the_agents_wrapper(wrapped: str, plain: str) -> None:
    assert strip_shell(wrapped) == plain


def test_matches_globs_the_command_as_typed() -> None:
    assert matches("npm test*", "bash -lc 'npm test -- src/a.test.ts'")
    assert not matches("npm test*", "bash -lc 'npm install left-pad'")
    assert matches("git status*", "git status --short")


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf build",
        "bash -lc 'rm -r node_modules'",
        "cd x && rm -fr .",
        "git push --force origin main",
        "git push -f",
        "git reset --hard HEAD~3",
        "git clean -fdx",
        "sudo apt-get install x",
        "echo hi > /etc/hosts",
        "cp secrets ~/.ssh/",
        "touch ../outside.txt",
    ],
)
def test_dangerous_commands_are_caught(command: str) -> None:
    assert is_dangerous(command, "/w/t1")


@pytest.mark.parametrize(
    "command",
    [
        "rm notes.txt",
        "git push origin feature",
        "git reset HEAD a.py",
        "echo x > out.txt",
        "touch /w/t1/new.txt",
        "pytest -q > /tmp/log",
    ],
)
def test_ordinary_commands_are_not_dangerous(command: str) -> None:
    assert not is_dangerous(command, "/w/t1")


def test_the_list_answers_routine_commands_and_deny_wins() -> None:
    policy = Policy(allow=(*DEFAULT_ALLOW, "npm test*"), deny=("npm test --update*",))
    assert decide(policy, _ask("bash -lc 'git status'")) == Answer(Verdict.ALLOW, by="policy")
    assert decide(policy, _ask("npm test")) == Answer(Verdict.ALLOW, by="policy")
    denied = decide(policy, _ask("npm test --updateSnapshot"))
    assert (
        denied is not None
        and denied.verdict is Verdict.DENY
        and "npm test --update*" in denied.message
    )
    assert decide(policy, _ask("npm install x")) is None


def test_a_dangerous_ask_always_reaches_a_person() -> None:
    policy = Policy(allow=("*",))
    assert decide(policy, _ask("rm -rf build", dangerous=True)) is None


def test_allowed_for_the_task_answers_the_same_command_again() -> None:
    ask = _ask("bash -lc 'make check'")
    assert decide(Policy(), ask) is None
    assert decide(Policy(), ask, [remembered_pattern(ask)]) == Answer(Verdict.ALLOW, by="task")


def test_questions_and_file_changes_are_never_answered_by_the_list() -> None:
    question = Ask("t1-2", "t1", "claude", AskKind.QUESTION, question="Which database?")
    assert decide(Policy(allow=("*",)), question) is None


def test_an_ask_crosses_the_wire_and_prints_as_json() -> None:
    ask = _ask("npm test", asked_at=100.0, reason="run the tests")
    assert decode(encode(ask)) == ask
    item = ask.to_json(now=112.34)
    assert item["id"] == "t1-1" and item["kind"] == "command" and item["waiting_seconds"] == 12.3
    assert decode(encode(Answer(Verdict.DENY, "no"))) == Answer(Verdict.DENY, "no")
