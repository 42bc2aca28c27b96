"""Needs you: what an agent asks a person, how it is answered, and the policy that answers first.

Pure values shared by the supervising process, the window and the command line. An agent's
request becomes an `Ask` with a stable id; a person (or the project's policy) gives an `Answer`.
Every agent speaks its own protocol (Claude Code's permission tool, Codex's app-server requests);
its adapter turns that into an Ask and the Answer back into the agent's own reply.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class AskKind(StrEnum):
    COMMAND = "command"  # a shell command to run
    FILE_CHANGE = "file_change"  # a file to write or edit (the diff in `diff`)
    QUESTION = "question"  # a question for the person, answered with text (or one of `options`)
    TOOL = "tool"  # any other tool call that needs permission
    BUDGET = "budget"  # a task reached a cap: raise it and continue, or stop


class Verdict(StrEnum):
    ALLOW = "allow"  # this once
    ALLOW_TASK = "allow-task"  # this and the same request again, for this task
    ALLOW_PROJECT = "allow-project"  # recorded in the project's list: no task of it asks again
    DENY = "deny"  # with `message`, which the agent sees
    REPLY = "reply"  # a question's answer, in `message`
    RAISE = "raise"  # a budget: raise the cap (by `amount`, else doubled) and continue
    STOP = "stop"  # a budget: stop the task, its work kept
    EXPIRED = "expired"  # the agent ended, or the request did not survive a restart: never allow


ALLOWING = frozenset({Verdict.ALLOW, Verdict.ALLOW_TASK, Verdict.ALLOW_PROJECT})


@dataclass(frozen=True, slots=True)
class Ask:
    id: str  # stable: "<task id>-<n>", n counting the task's asks from 1
    task_id: str
    agent: str  # the agent profile's name: "claude", "codex", ...
    kind: AskKind
    cwd: str = ""  # where the agent works (its worktree)
    command: str | None = None  # COMMAND: as the agent would run it
    path: str | None = None  # FILE_CHANGE: the file, relative to cwd where it lies inside
    diff: str | None = None  # FILE_CHANGE: the change, as a unified diff where known
    question: str | None = None  # QUESTION: the text; BUDGET: what was reached
    options: tuple[str, ...] = ()  # QUESTION: the choices offered, if any
    tool: str | None = None  # the agent's own tool name ("Bash", "Write", "commandExecution")
    reason: str = ""  # why the agent asks, in its words
    asked_at: float = 0.0  # epoch seconds
    dangerous: bool = False  # always asks, whatever the project's list says

    @property
    def subject(self) -> str:
        """Return what the ask is about in one line: the command, the path or the question."""
        text = self.command or self.path or self.question or self.tool or self.kind.value
        return " ".join(text.split())

    def to_json(self, now: float) -> dict[str, object]:
        """Return the ask as one item of `orchard inbox --json`."""
        return {
            "id": self.id,
            "task": self.task_id,
            "agent": self.agent,
            "kind": self.kind.value,
            "command": self.command,
            "path": self.path,
            "question": self.question,
            "options": list(self.options),
            "tool": self.tool,
            "cwd": self.cwd,
            "reason": self.reason,
            "dangerous": self.dangerous,
            "waiting_seconds": round(max(0.0, now - self.asked_at), 1),
        }


@dataclass(frozen=True, slots=True)
class Answer:
    verdict: Verdict
    message: str = ""  # DENY: what the agent is told; REPLY: the reply
    amount: float | None = None  # RAISE: the new cap's increase, in the cap's unit
    by: str = "person"  # "person", "policy" (the project's list), "task" (allowed for the task)

    @property
    def allows(self) -> bool:
        return self.verdict in ALLOWING


@dataclass(frozen=True, slots=True)
class Policy:
    """A project's list: glob patterns over commands (shell wrapper stripped)."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()


# What a new project allows without asking: reading, and looking at git. Its own test command
# is added by whoever builds the project's policy.
DEFAULT_ALLOW = (
    "ls",
    "ls *",
    "pwd",
    "cat *",
    "head *",
    "tail *",
    "wc *",
    "grep *",
    "rg *",
    "find *",
    "git status*",
    "git diff*",
    "git log*",
    "git show*",
)

_WRAPPER = re.compile(r"^\s*(?:/usr)?(?:/bin/)?(?:ba|z|da)?sh\s+(?:-\w*c\w*)\s+(.+)$", re.S)
# Always asks, whatever the list says: destroys work, rewrites shared history, escapes.
_DANGEROUS = (
    re.compile(r"(^|[;&|]\s*|\s)rm\s+(-\w*\s+)*-\w*[rR]\w*\s*(-\w+\s+)*\S"),  # rm -r / -rf / -fr
    re.compile(r"\bgit\s+push\b.*(\s--force\b|\s-f\b|\s--force-with-lease\b|\s\+\S)"),
    re.compile(r"\bgit\s+reset\s+.*--hard\b|\bgit\s+reset\s+--hard\b"),
    re.compile(r"\bgit\s+clean\s+-\w*f"),
    re.compile(r"\bgit\s+checkout\s+(--\s+)?\.\s*$|\bgit\s+restore\s+\."),
    re.compile(r"\b(sudo|mkfs\w*|dd\s+if=|chmod\s+-R\s+777)\b"),
    re.compile(r"(^|\s)>\s*/dev/sd"),
)


def strip_shell(command: str) -> str:
    """Return the command as the person would type it: `bash -lc 'npm test'` gives `npm test`."""
    text = command.strip()
    for _ in range(3):  # a wrapper inside a wrapper
        match = _WRAPPER.match(text)
        if not match:
            break
        inner = match.group(1).strip()
        try:
            parts = shlex.split(inner)
        except ValueError:
            break
        text = parts[0] if len(parts) == 1 else inner
    return text.strip()


def matches(pattern: str, command: str) -> bool:
    """Say whether the glob `pattern` matches `command`, its shell wrapper stripped."""
    return fnmatch.fnmatchcase(strip_shell(command), pattern.strip())


def is_dangerous(command: str, worktree: str = "") -> bool:
    """Say whether a command always asks: it destroys work or writes outside the worktree."""
    text = strip_shell(command)
    if any(p.search(text) for p in _DANGEROUS):
        return True
    return bool(worktree) and _writes_outside(text, worktree)


_REDIRECT = re.compile(r"(?:^|[^<>&\d])>>?\s*(\S+)")
_WRITERS = re.compile(r"\b(?:tee|cp|mv|touch|mkdir|install|ln)\b[^;&|]*")


def _writes_outside(text: str, worktree: str) -> bool:
    root = worktree.rstrip("/") + "/"
    targets = [m.group(1) for m in _REDIRECT.finditer(text)]
    for m in _WRITERS.finditer(text):
        targets += [w for w in m.group(0).split()[1:] if not w.startswith("-")]
    for target in targets:
        path = target.strip("'\"")
        absolute = path.startswith("/") and not path.startswith(("/tmp/", "/dev/null"))
        if absolute and not (path + "/").startswith(root):
            return True
        if path.startswith("~") or path.startswith("../"):
            return True
    return False


def decide(policy: Policy, ask: Ask, task_allowed: Iterable[str] = ()) -> Answer | None:
    """Answer `ask` from the project's list and what was allowed for its task, else None.

    Only commands are answered so; a dangerous one is never answered here, so it always
    reaches a person. A deny pattern wins over an allow pattern.
    """
    if ask.kind is not AskKind.COMMAND or not ask.command or ask.dangerous:
        return None
    command = ask.command
    for pattern in policy.deny:
        if matches(pattern, command):
            return Answer(Verdict.DENY, f"the project's list denies `{pattern}`", by="policy")
    for pattern in policy.allow:
        if matches(pattern, command):
            return Answer(Verdict.ALLOW, by="policy")
    plain = strip_shell(command)
    if any(plain == allowed or matches(allowed, command) for allowed in task_allowed):
        return Answer(Verdict.ALLOW, by="task")
    return None


def remembered_pattern(ask: Ask) -> str:
    """Return the pattern that "allow for this task / project" records for `ask`: the command."""
    return strip_shell(ask.command or "") if ask.kind is AskKind.COMMAND else (ask.tool or "")


# The answers that fit each kind of ask: a question is replied to (or declined), a budget
# raised or stopped, anything else allowed or denied.
_PERMISSION = frozenset({Verdict.ALLOW, Verdict.ALLOW_TASK, Verdict.ALLOW_PROJECT, Verdict.DENY})
VERDICTS_OF: dict[AskKind, frozenset[Verdict]] = {
    AskKind.COMMAND: _PERMISSION,
    AskKind.FILE_CHANGE: _PERMISSION,
    AskKind.TOOL: _PERMISSION,
    AskKind.QUESTION: frozenset({Verdict.REPLY, Verdict.DENY}),
    AskKind.BUDGET: frozenset({Verdict.RAISE, Verdict.STOP}),
}


def fits(verdict: Verdict, ask: Ask) -> bool:
    """Say whether `verdict` answers `ask` (never "always allow" for a dangerous command)."""
    if verdict is Verdict.ALLOW_PROJECT and ask.dangerous:
        return False
    return verdict in VERDICTS_OF[ask.kind]


_WANTS = {
    AskKind.COMMAND: "wants to run",
    AskKind.FILE_CHANGE: "wants to change",
    AskKind.QUESTION: "asks",
    AskKind.TOOL: "wants to use",
    AskKind.BUDGET: "reached its budget:",
}


def wants(ask: Ask) -> str:
    """Return what an ask wants, to go before its subject: "wants to run", "asks"."""
    return _WANTS[ask.kind]
