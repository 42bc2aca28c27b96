"""Claude Code's permission tool in Orchard's words: its request as an Ask, an Answer as its reply.

Claude Code calls the permission tool (`--permission-prompt-tool mcp__orchard__approve`) for
every tool call that needs a person, with `{"tool_name", "input", "tool_use_id"}`; the reply is
one text block of JSON: `{"behavior": "allow", "updatedInput": {...}}` or
`{"behavior": "deny", "message": "...", "interrupt": false}`. `AskUserQuestion` arrives the
same way and is answered with the replies in `updatedInput.answers`. A command allowed for the
task (or the project) goes back with `updatedPermissions` adding a rule for Claude's session,
so Claude stops asking for it; never one in a settings file, which lies in the worktree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from app.core.inbox import Answer, Ask, AskKind, Verdict, is_dangerous

TOOL_NAME = "approve"  # the MCP tool; Claude Code knows it as mcp__orchard__approve
SERVER_NAME = "orchard"
PERMISSION_TOOL = f"mcp__{SERVER_NAME}__{TOOL_NAME}"
_EDITS = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"})
QUESTION_TOOL = "AskUserQuestion"


def ask_of(request: Mapping[str, Any]) -> Ask:
    """Return the Ask for one call of the permission tool (id, task and time left to fill)."""
    tool = str(request.get("tool_name") or "")
    given = request.get("input")
    data: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    base = Ask("", "", "claude", AskKind.TOOL, tool=tool)
    if tool == "Bash":
        reason = str(data.get("description") or "")
        return _with(
            base, kind=AskKind.COMMAND, command=str(data.get("command", "")), reason=reason
        )
    if tool in _EDITS:
        path = str(data.get("file_path") or data.get("notebook_path") or "")
        return _with(base, kind=AskKind.FILE_CHANGE, path=path, diff=_diff(data))
    if tool == QUESTION_TOOL:
        questions = _questions(data)
        text = "\n".join(str(q.get("question", "")) for q in questions)
        options = tuple(
            str(o.get("label", o)) if isinstance(o, Mapping) else str(o)
            for q in questions
            for o in (q.get("options") or [])
        )
        return _with(base, kind=AskKind.QUESTION, question=text, options=options)
    return base


def reply_of(answer: Answer, request: Mapping[str, Any]) -> dict[str, Any]:
    """Return Claude Code's reply for `answer` to the permission tool's `request`."""
    given = request.get("input")
    data = dict(given) if isinstance(given, Mapping) else {}
    if answer.verdict is Verdict.REPLY:
        questions = _questions(data)
        replies = answer.message.split("\n") if len(questions) > 1 else [answer.message]
        answers = {
            str(q.get("question", "")): (replies[i] if i < len(replies) else replies[-1]).strip()
            for i, q in enumerate(questions)
        }
        return {"behavior": "allow", "updatedInput": {**data, "answers": answers}}
    if answer.allows:
        reply: dict[str, Any] = {"behavior": "allow", "updatedInput": data}
        command = data.get("command")
        remembered = answer.verdict in (Verdict.ALLOW_TASK, Verdict.ALLOW_PROJECT)
        bash = request.get("tool_name") == "Bash" and isinstance(command, str)
        # A dangerous command is allowed once only (the broker says ALLOW): no rule for it.
        if remembered and bash and str(command).strip() and not is_dangerous(str(command)):
            reply["updatedPermissions"] = [_session_rule(str(command))]
        return reply
    if answer.verdict is Verdict.EXPIRED:
        message = (
            "Orchard: the request expired (the task ended, or Orchard restarted); "
            "it was not allowed"
        )
    else:
        message = answer.message or "The person denied this request."
    return {"behavior": "deny", "message": message, "interrupt": False}


def _session_rule(command: str) -> dict[str, Any]:
    rule = {"toolName": "Bash", "ruleContent": command}
    return {"type": "addRules", "rules": [rule], "behavior": "allow", "destination": "session"}


def allowed_tools(patterns: Iterable[str]) -> list[str]:
    """Return the project's allowed command patterns in Claude Code's `--allowedTools` form.

    `npm test` gives `Bash(npm test)`, `npm test*` gives `Bash(npm test:*)`; a pattern Claude
    cannot say the same way is left out (the permission tool still answers it from the list).
    """
    tools: list[str] = []
    for pattern in patterns:
        text = " ".join(pattern.split())
        prefix = text[:-1].rstrip() if text.endswith("*") else text
        if not prefix or _GLOB.search(prefix) or any(c in prefix for c in "()"):
            continue
        tools.append(f"Bash({prefix}:*)" if text.endswith("*") else f"Bash({prefix})")
    return tools


_GLOB = re.compile(r"[*?\[\]]")


def _with(base: Ask, **changes: Any) -> Ask:
    return replace(base, **changes)


def _questions(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    given = data.get("questions")
    if isinstance(given, list):
        return [q for q in given if isinstance(q, Mapping)]
    if "question" in data:
        return [data]
    return []


def _diff(data: Mapping[str, Any]) -> str | None:
    if "old_string" in data or "new_string" in data:
        old = str(data.get("old_string", "")).splitlines()
        new = str(data.get("new_string", "")).splitlines()
        return "\n".join([*(f"-{line}" for line in old), *(f"+{line}" for line in new)])
    if "content" in data:
        return "\n".join(f"+{line}" for line in str(data["content"]).splitlines())
    return None


def permission_argv(argv: list[str], mcp_config: str, allowed: Iterable[str]) -> list[str]:
    """Return Claude Code's argv asking through Orchard's permission tool.

    The MCP config and the tool go right after `-p` (both --mcp-config and --allowedTools take
    several values: a flag must end each); the project's allowed commands join --allowedTools.
    """
    at = argv.index("-p") + 1 if "-p" in argv else min(1, len(argv))
    extra = ["--mcp-config", mcp_config, "--strict-mcp-config"]
    extra += ["--permission-prompt-tool", PERMISSION_TOOL]
    return allowed_argv([*argv[:at], *extra, *argv[at:]], allowed)


def allowed_argv(argv: list[str], allowed: Iterable[str]) -> list[str]:
    """Return Claude Code's argv with the project's allowed commands joining --allowedTools."""
    out = list(argv)
    tools = allowed_tools(allowed)
    if tools and "--allowedTools" in out:
        i = out.index("--allowedTools") + 1
        out[i:i] = tools
    elif tools:
        out += ["--allowedTools", *tools]
    return out


def mcp_config(argv: Iterable[str], env: Mapping[str, str]) -> dict[str, Any]:
    """Return the --mcp-config document that starts Orchard's server with `argv`."""
    command, *args = list(argv)
    server = {"type": "stdio", "command": command, "args": args, "env": dict(env)}
    return {"mcpServers": {SERVER_NAME: server}}
