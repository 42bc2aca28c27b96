"""Agent profiles: how to start each agent CLI and how to read its output."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class OutputFormat(StrEnum):
    CODEX = "codex-jsonl"  # `codex exec --json`
    CODEX_APP = "codex-app-server"  # `codex app-server`: JSON-RPC on stdin and stdout
    CLAUDE = "claude-stream-json"
    GEMINI = "gemini-stream-json"
    OPENCODE = "opencode-json"
    TEXT = "text"


class ProfileError(ValueError):
    """A profile in config.toml that cannot be used."""


PLACEHOLDERS = ("prompt", "worktree", "task_id")
# Linux refuses an argument longer than this, its NUL included (MAX_ARG_STRLEN: 32 pages).
MAX_ARG_STRLEN = 131072
ARG_MAX = 2097152  # the usual whole argv + environment limit; callers pass the real one
_POINTER = 8  # each argument and variable also costs its pointer in the new process
_PLACEHOLDER = re.compile(r"\{(prompt|worktree|task_id|session_id)\}")
SESSION = "{session_id}"


@dataclass(frozen=True, slots=True)
class AgentProfile:
    name: str
    argv: tuple[str, ...]
    output: OutputFormat = OutputFormat.TEXT
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None
    prompt_via: str = "argv"
    install_hint: str = ""
    # How to continue a session the agent reported; empty: a follow-up starts afresh.
    resume_argv: tuple[str, ...] = ()
    # Whether a fresh follow-up is told the original task; off where the prompt is a command.
    followup_context: bool = True
    # "bwrap": run the agent under bubblewrap, writing only its worktree and temporary folders.
    sandbox: str | None = None
    # The argv that reads the prompt on stdin instead, used when the prompt is too long for
    # the command line; empty: such a prompt is refused.
    stdin_argv: tuple[str, ...] = ()
    # How the agent asks a person through Orchard: "claude" (its permission tool, an MCP
    # server of Orchard's); empty: it cannot ask.
    asks: str = ""

    @property
    def can_resume(self) -> bool:
        return bool(self.resume_argv)

    def render(
        self,
        prompt: str,
        worktree: str,
        task_id: str,
        session_id: str | None = None,
        room: int = ARG_MAX,
    ) -> tuple[list[str], bytes | None]:
        """Return the argv to run and the bytes to send on stdin, if any.

        With a `session_id` and a resume_argv, the argv continues that session. A prompt
        too long for `room` bytes of command line goes on stdin where the agent has a
        stdin_argv.
        """
        resume = bool(session_id) and self.can_resume
        values = {
            "prompt": prompt,
            "worktree": worktree,
            "task_id": task_id,
            "session_id": session_id or "",
        }
        template = self.resume_argv if resume else self.argv
        argv = [_PLACEHOLDER.sub(lambda m: values[m.group(1)], a) for a in template]
        by_stdin = self.prompt_via == "stdin"
        if not by_stdin and not resume and self.stdin_argv and not argv_fits(argv, room):
            argv = [_PLACEHOLDER.sub(lambda m: values[m.group(1)], a) for a in self.stdin_argv]
            by_stdin = True
        return argv, prompt.encode(errors="replace") if by_stdin else None


def argv_fits(argv: list[str], room: int) -> bool:
    """Say whether the kernel takes `argv`: each argument and their total within limits."""
    sizes = [len(a.encode(errors="replace")) + 1 for a in argv]
    return max(sizes, default=0) <= MAX_ARG_STRLEN and sum(sizes) + _POINTER * len(argv) <= room


def command_line_room(arg_max: int, env: Mapping[str, str]) -> int:
    """Return the bytes left for an argv once `env` is passed, from the system's ARG_MAX."""
    used = sum(
        len(k.encode()) + len(v.encode(errors="replace")) + 2 + _POINTER for k, v in env.items()
    )
    return arg_max - used - 4096  # slack for what the kernel adds (the program's path, auxv)


_NPM = "install it with: npm install -g {}"
# Orchard talks to it over stdin: the thread's folder, approval policy and sandbox are set in
# thread/start (app/core/codexasks.py), its approval requests answered through the inbox.
_CODEX_APP = ("codex", "app-server")
_GEMINI = ("gemini", "--output-format", "stream-json", "--yolo")
_CLAUDE = (
    "--output-format",
    "stream-json",
    "--verbose",
    # Not acceptEdits, which lets file-system commands (touch, mkdir, mv...) run without
    # asking. No blanket Bash: every command that is not plainly read-only asks Orchard's permission
    # tool, which answers routine ones from the project's list (see `asks`).
    "--allowedTools",
    "Edit",
    "Write",
    "MultiEdit",
    "Read",
    "Glob",
    "Grep",
)

BUILTIN_PROFILES: dict[str, AgentProfile] = {
    p.name: p
    for p in (
        AgentProfile(
            "codex",
            _CODEX_APP,
            OutputFormat.CODEX_APP,
            # The prompt goes in the turn Orchard starts; a follow-up resumes the thread there.
            prompt_via="stdin",
            install_hint=_NPM.format("@openai/codex"),
            # The same command: the session to resume is named in thread/resume, not the argv.
            resume_argv=_CODEX_APP,
        ),
        AgentProfile(
            "claude",
            ("claude", "-p", *_CLAUDE),
            OutputFormat.CLAUDE,
            prompt_via="stdin",
            install_hint=_NPM.format("@anthropic-ai/claude-code"),
            asks="claude",
            # Before --allowedTools, which would swallow the id as a tool name.
            resume_argv=("claude", "-p", "--resume", SESSION, *_CLAUDE),
        ),
        AgentProfile(
            "gemini",
            (*_GEMINI, "-p", "{prompt}"),
            OutputFormat.GEMINI,
            install_hint=_NPM.format("@google/gemini-cli"),
            # Piped input with no -p is the whole prompt, run without asking (up to 8 MB).
            stdin_argv=_GEMINI,
        ),
        AgentProfile(
            "opencode",
            ("opencode", "run", "--format", "json", "{prompt}"),
            OutputFormat.OPENCODE,
            install_hint=_NPM.format("opencode-ai"),
        ),
        AgentProfile(
            "aider",
            ("aider", "--message", "{prompt}", "--yes-always", "--no-pretty", "--no-stream"),
            OutputFormat.TEXT,
            install_hint="install it with: uv tool install aider-chat",
        ),
        AgentProfile("shell", ("sh", "-c", "{prompt}"), OutputFormat.TEXT, followup_context=False),
    )
}
# The agents Orchard knows without configuration: the built-ins and its demo agent.
BUILTIN_NAMES = frozenset({*BUILTIN_PROFILES, "demo"})


_KEYS = frozenset(
    {
        "argv",
        "env",
        "format",
        "timeout",
        "prompt_via",
        "install_hint",
        "resume_argv",
        "followup_context",
        "sandbox",
    }
)
SANDBOXES = ("bwrap",)


def profile_from_table(
    name: str, table: Mapping[str, Any], base: AgentProfile | None
) -> AgentProfile:
    """Build a profile from a config.toml table, overriding `base` field by field."""
    if base is None and "argv" not in table:
        raise ProfileError(f"agent '{name}' in config.toml needs an argv list")
    unknown = set(table) - _KEYS
    if unknown:
        raise ProfileError(f"agent '{name}': unknown keys {', '.join(sorted(unknown))}")
    prof = base or AgentProfile(name, ())
    changes: dict[str, Any] = {"name": name}
    if "argv" in table:
        changes["argv"] = _argv(name, table["argv"])
        # A resume or stdin command written for another argv may not fit this one.
        changes["resume_argv"] = changes["stdin_argv"] = ()
        if prof.output is OutputFormat.CODEX_APP and "app-server" not in changes["argv"]:
            # An argv written for `codex exec` (before Orchard spoke to its app-server).
            changes["output"] = OutputFormat.CODEX
    if "resume_argv" in table:
        output = _format(name, table["format"]) if "format" in table else prof.output
        output = changes.get("output", output) if "format" not in table else output
        talked_to = output is OutputFormat.CODEX_APP
        changes["resume_argv"] = _resume_argv(name, table["resume_argv"], talked_to)
    if "followup_context" in table:
        changes["followup_context"] = _flag(name, "followup_context", table["followup_context"])
    if "env" in table:
        changes["env"] = {**prof.env, **_env(name, table["env"])}
    if "format" in table:
        changes["output"] = _format(name, table["format"])
    if "timeout" in table:
        changes["timeout"] = _timeout(name, table["timeout"])
    if "prompt_via" in table:
        changes["prompt_via"] = _prompt_via(name, table["prompt_via"])
    if "install_hint" in table:
        changes["install_hint"] = str(table["install_hint"])
    if "sandbox" in table:
        changes["sandbox"] = _sandbox(name, table["sandbox"])
    return replace(prof, **changes)


def _sandbox(name: str, value: Any) -> str | None:
    if value in ("", "none", False):
        return None
    if value not in SANDBOXES:
        raise ProfileError(f'agent \'{name}\': sandbox must be "bwrap" or "none"')
    return str(value)


def _argv(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(a, str) for a in value):
        raise ProfileError(f"agent '{name}': argv must be a non-empty list of strings")
    if any(SESSION in a for a in value):
        raise ProfileError(f"agent '{name}': {SESSION} belongs in resume_argv, not argv")
    return tuple(value)


def _resume_argv(name: str, value: Any, talked_to: bool = False) -> tuple[str, ...]:
    """Check a resume_argv; one `talked_to` (an app-server) is told the session, not given it."""
    if value == []:
        return ()  # resume switched off: follow-ups start a fresh run
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise ProfileError(f"agent '{name}': resume_argv must be a list of strings")
    if not value[0] or not (talked_to or any(SESSION in a for a in value)):
        raise ProfileError(
            f"agent '{name}': resume_argv must name the program and contain {SESSION}"
        )
    return tuple(value)


def _flag(name: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ProfileError(f"agent '{name}': {key} must be true or false")
    return value


def _env(name: str, value: Any) -> dict[str, str]:
    ok = isinstance(value, dict) and all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()
    )
    if not ok:
        raise ProfileError(f"agent '{name}': env must be a table of strings")
    return {str(k): str(v) for k, v in value.items()}


def _format(name: str, value: Any) -> OutputFormat:
    try:
        return OutputFormat(value)
    except ValueError:
        choices = ", ".join(f.value for f in OutputFormat)
        raise ProfileError(f"agent '{name}': format must be one of {choices}") from None


def _timeout(name: str, value: Any) -> float | None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if value is None or (number and value == 0):
        return None
    if not number or value < 0 or not math.isfinite(value):
        raise ProfileError(f"agent '{name}': timeout must be a number of seconds")
    return float(value)


def _prompt_via(name: str, value: Any) -> str:
    if value not in ("argv", "stdin"):
        raise ProfileError(f"agent '{name}': prompt_via must be 'argv' or 'stdin'")
    return str(value)


@dataclass(frozen=True, slots=True)
class AgentCheck:
    """What checking an agent found: `ok` when its program exists and starts."""

    name: str
    ok: bool
    path: str | None
    version: str | None
    message: str
