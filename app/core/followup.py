"""Follow-up turns: the prompt a reviewer's comments become, and how the next turn runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.core.profiles import AgentProfile
from app.core.task import Comment, Task

_SIDES = {"new": "your version", "old": "the base version"}
DROP_TRAILER = "Orchard-Dropped"  # the trailer of a commit that drops part of a task's change


def compose_followup(comments: Sequence[Comment], text: str = "") -> str:
    """Return the prompt that sends `comments` and `text` back to the agent."""
    text = text.strip()
    if not comments:
        return text
    parts = ["Review comments on your changes; please address each one:"]
    parts += [_comment_block(n, c) for n, c in enumerate(comments, 1)]
    if text:
        parts.append(text)
    return "\n\n".join(parts)


def _comment_block(number: int, comment: Comment) -> str:
    side = _SIDES.get(comment.side, comment.side)
    lines = [f"{number}. {comment.path}, line {comment.line} ({side}):"]
    lines += [f"   > {q}" if q else "   >" for q in comment.quote.splitlines()]
    lines += [f"   {t}" if t else "" for t in comment.text.strip().splitlines()]
    return "\n".join(lines)


def unsent_count(n: int) -> str:
    """Return "1 unsent comment" or "3 unsent comments"."""
    return "1 unsent comment" if n == 1 else f"{n} unsent comments"


def merge_followups(queued: str | None, new: str) -> str:
    """Return one prompt holding a follow-up still waiting to start and a newer one."""
    return f"{queued}\n\n{new}" if queued else new


def fresh_prompt(original: str, followup: str) -> str:
    """Return a follow-up for an agent that cannot resume: the earlier task, then the new ask."""
    return (
        "You are continuing earlier work in this same repository checkout. "
        "The earlier task was:\n\n"
        f"{original.strip()}\n\n"
        "Its changes are already committed on the current branch. Now:\n\n"
        f"{followup.strip()}"
    )


@dataclass(frozen=True, slots=True)
class Turn:
    """What the next run of a task sends, and whether it continues the agent's session."""

    number: int
    prompt: str  # what the agent is sent
    ask: str | None = None  # a follow-up's own words, without any added context
    session_id: str | None = None  # set when the run resumes this session

    def note(self) -> str | None:
        """Return the log line that opens a follow-up turn, or None for a first run."""
        if self.ask is None:
            return None
        how = f"resuming session {self.session_id}" if self.session_id else "a fresh run"
        lines = self.ask.strip().splitlines() or [""]
        more = " …" if len(lines) > 1 or len(lines[0]) > 120 else ""
        return f"follow-up turn {self.number} ({how}): {lines[0][:120]}{more}"


def plan_turn(task: Task, profile: AgentProfile) -> Turn:
    """Decide what the task's next turn runs: its prompt, or a queued follow-up."""
    ask = task.next_prompt
    if ask is None:
        return Turn(task.turns + 1, task.prompt)
    number = max(task.turns, 1) + 1  # tasks from before turns were counted ran once
    if task.session_id and profile.can_resume:
        return Turn(number, ask, ask, task.session_id)
    prompt = fresh_prompt(task.prompt, ask) if profile.followup_context else ask
    return Turn(number, prompt, ask)
