"""Claude Code's permission tool in Orchard's words, and back."""

from __future__ import annotations

from app.core.claudeasks import allowed_tools, ask_of, permission_argv, reply_of
from app.core.inbox import Answer, AskKind, Verdict


def test_a_bash_call_is_a_command_and_its_answers_are_claudes_replies() -> None:
    request = {"tool_name": "Bash", "input": {"command": "touch x", "description": "make x"}}
    ask = ask_of(request)
    assert (ask.kind, ask.command, ask.reason, ask.tool) == (
        AskKind.COMMAND,
        "touch x",
        "make x",
        "Bash",
    )
    allow = reply_of(Answer(Verdict.ALLOW), request)
    assert allow == {"behavior": "allow", "updatedInput": request["input"]}
    rule = {"toolName": "Bash", "ruleContent": "touch x"}
    session = {"type": "addRules", "rules": [rule], "behavior": "allow", "destination": "session"}
    for verdict in (Verdict.ALLOW_TASK, Verdict.ALLOW_PROJECT):
        assert reply_of(Answer(verdict), request)["updatedPermissions"] == [session]
    risky = {"tool_name": "Bash", "input": {"command": "rm -rf build"}}
    assert "updatedPermissions" not in reply_of(Answer(Verdict.ALLOW_TASK), risky)
    deny = reply_of(Answer(Verdict.DENY, "not here"), request)
    assert deny == {"behavior": "deny", "message": "not here", "interrupt": False}
    assert reply_of(Answer(Verdict.EXPIRED), request)["behavior"] == "deny"


def test_a_question_is_answered_in_updated_input() -> None:
    question = {"question": "Which colour?", "header": "Colour", "options": [{"label": "blue"}]}
    request = {"tool_name": "AskUserQuestion", "input": {"questions": [question]}}
    ask = ask_of(request)
    assert (ask.kind, ask.question, ask.options) == (AskKind.QUESTION, "Which colour?", ("blue",))
    reply = reply_of(Answer(Verdict.REPLY, "blue"), request)
    assert reply["updatedInput"]["answers"] == {"Which colour?": "blue"}


def test_the_projects_list_is_handed_over_in_claudes_form() -> None:
    assert allowed_tools(["npm test", "npm test*", "ls *", "git st?tus", "*"]) == [
        "Bash(npm test)",
        "Bash(npm test:*)",
        "Bash(ls:*)",
    ]
    argv = ["claude", "-p", "--allowedTools", "Edit", "Read"]
    out = permission_argv(argv, "/state/t/orchard-mcp.json", ["npm test*"])
    assert out == [
        "claude", "-p", "--mcp-config", "/state/t/orchard-mcp.json", "--strict-mcp-config",
        "--permission-prompt-tool", "mcp__orchard__approve",
        "--allowedTools", "Bash(npm test:*)", "Edit", "Read",
    ]  # fmt: skip
