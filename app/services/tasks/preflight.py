"""Pre-flight at queue time: refuse a task its agent cannot start, before anything is made."""

from __future__ import annotations

import os

from app.core.profiles import ARG_MAX, AgentProfile, argv_fits, command_line_room
from app.core.task import Task
from app.services.config import locate_agent
from app.services.errors import UserError
from app.services.repo import git


class AgentMissing(UserError):
    """The agent's program is not installed; `anyway` queues the task all the same."""

    def __init__(self, message: str, agent: str, install_hint: str) -> None:
        super().__init__(f"{message}; or queue it anyway (--anyway)")
        # `reason` without the command line's flag, for a window that offers a button instead.
        self.agent, self.install_hint, self.reason = agent, install_hint, message


class PromptTooLong(UserError):
    """The prompt does not fit on the agent's command line and it cannot read it otherwise."""

    def __init__(self, agent: str, size: int) -> None:
        super().__init__(
            f"the prompt ({_kib(size)}) is too long for {agent}'s command line, and {agent} "
            "cannot read it on stdin; shorten it, or use an agent that can (claude, codex, gemini)"
        )
        self.agent, self.size = agent, size


def check_launch(profile: AgentProfile, task: Task, anyway: bool = False) -> None:
    """Raise AgentMissing or PromptTooLong if `task`'s first turn could not start."""
    env = {**git.git_env(), **profile.env}
    if not anyway:
        found = locate_agent(profile, env)
        if not found.ok:
            raise AgentMissing(
                f"agent '{profile.name}': {found.message}", profile.name, profile.install_hint
            )
    room = arg_room(env)
    argv, stdin = profile.render(task.prompt, task.worktree, task.id, room=room)
    if stdin is None and not argv_fits(argv, room):
        raise PromptTooLong(profile.name, len(task.prompt.encode(errors="replace")))


def arg_room(env: dict[str, str]) -> int:
    """Return the bytes an agent's argv may take beside `env` on this system."""
    return command_line_room(_arg_max(), env)


def _arg_max() -> int:
    try:
        return os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        return ARG_MAX


def _kib(size: int) -> str:
    return f"{size / 1024:.0f} KB"
