"""Codex's app-server in Orchard's words: its approval requests as Asks, an Answer as its decision.

`codex app-server` speaks JSON-RPC 2.0 over stdio. Orchard opens a thread in the task's worktree
with `approvalPolicy: "untrusted"`, so every command outside Codex's own trusted set, and every
file change, arrives as a server request: `item/commandExecution/requestApproval` (command, cwd,
reason, a proposed execpolicy amendment) or `item/fileChange/requestApproval` (the diff is in the
`item/started` notification of the same item that came before). The reply's `decision` is
`accept`, `acceptForSession`, `decline` or `cancel` (the schema: tests/data/codex_app_server/).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.inbox import Answer, Ask, AskKind, Verdict

COMMAND_APPROVAL = "item/commandExecution/requestApproval"
FILE_APPROVAL = "item/fileChange/requestApproval"
APPROVALS = frozenset({COMMAND_APPROVAL, FILE_APPROVAL})
APPROVAL_POLICY = "untrusted"  # asks before every command outside Codex's trusted set
SANDBOX = "workspace-write"
CLIENT = {"name": "orchard", "title": "Orchard", "version": "1"}


def thread_params(cwd: str, session_id: str | None) -> dict[str, Any]:
    """Return thread/start's (or, with `session_id`, thread/resume's) parameters.

    The working folder is trusted for this thread only: without it, the app-server writes a
    `[projects."<repo>"]` table into the user's config.toml for every folder it works in.
    """
    params: dict[str, Any] = {
        "cwd": cwd,
        "approvalPolicy": APPROVAL_POLICY,
        "sandbox": SANDBOX,
        "config": {"projects": {cwd: {"trust_level": "trusted"}}},
    }
    return {"threadId": session_id, **params} if session_id else params


def turn_params(thread_id: str, prompt: str) -> dict[str, Any]:
    """Return turn/start's parameters: the prompt as one text input."""
    return {"threadId": thread_id, "input": [{"type": "text", "text": prompt}]}


def ask_of(
    method: str,
    params: Mapping[str, Any],
    started: Mapping[str, Any] | None = None,
    cwd: str = "",
) -> Ask:
    """Return the Ask for one approval request; `started` is its item from item/started.

    `cwd` is the thread's folder, for a request that names none. The id, task and time are
    left for the inbox's Asker to fill.
    """
    reason = str(params.get("reason") or "")
    cwd = str(params.get("cwd") or cwd)
    if method == COMMAND_APPROVAL:
        command = params.get("command") or (started or {}).get("command") or ""
        return Ask(
            "",
            "",
            "codex",
            AskKind.COMMAND,
            cwd=cwd,
            command=str(command),
            tool="commandExecution",
            reason=reason,
        )
    changes = [c for c in (started or {}).get("changes") or [] if isinstance(c, Mapping)]
    paths = [_relative(str(c.get("path") or ""), cwd) for c in changes]
    diff = "\n".join(_change_diff(c, p) for c, p in zip(changes, paths, strict=True))
    return Ask(
        "",
        "",
        "codex",
        AskKind.FILE_CHANGE,
        cwd=cwd,
        path=", ".join(p for p in paths if p) or None,
        diff=diff or None,
        tool="fileChange",
        reason=reason,
    )


def _relative(path: str, cwd: str) -> str:
    root = cwd.rstrip("/") + "/"
    return path[len(root) :] if cwd and path.startswith(root) else path


def _change_diff(change: Mapping[str, Any], path: str) -> str:
    """Return one change as a unified diff: an added file's diff is its content."""
    kind = change.get("kind")
    kind = kind.get("type") if isinstance(kind, Mapping) else kind
    text = str(change.get("diff") or "")
    if kind in ("add", "delete"):
        sign, old, new = (
            ("+", "/dev/null", f"b/{path}") if kind == "add" else ("-", f"a/{path}", "/dev/null")
        )
        body = "".join(f"{sign}{line}\n" for line in text.splitlines())
        return f"--- {old}\n+++ {new}\n{body}".rstrip("\n")
    if text.startswith(("---", "diff ")):
        return text.rstrip("\n")
    return f"--- a/{path}\n+++ b/{path}\n{text}".rstrip("\n")


def decision_of(answer: Answer) -> str:
    """Return Codex's decision for `answer`.

    "Allow for this task" is Codex's session cache; "always allow in this project" is recorded
    in Orchard's list, which answers the project's later asks itself, so Codex is told no more
    than for this session (an execpolicy amendment would write a rule into the user's config).
    Anything not allowed (denied, expired) is declined: the turn goes on without it.
    """
    if answer.verdict is Verdict.ALLOW:
        return "accept"
    if answer.verdict in (Verdict.ALLOW_TASK, Verdict.ALLOW_PROJECT):
        return "acceptForSession"
    return "decline"


def denial_note(answer: Answer, ask: Ask) -> str:
    """Return what the model is told beside a decline: the person's message, if any."""
    if answer.verdict is not Verdict.DENY or not answer.message:
        return ""
    return f"Orchard: the request `{ask.subject}` was denied: {answer.message}"
