"""Follow-up turns: the prompt a reviewer's comments become, and how the next turn runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.core.events import Event
from app.core.profiles import AgentProfile
from app.core.states import TaskState
from app.core.task import Comment, CommentThread, Task

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


_STARTS = str(TaskState.PREPARING)  # the state every turn of a task opens with
_GOING = frozenset({_STARTS, str(TaskState.RUNNING)})
_SAID = (None, "completed")  # a whole agent message, not a streamed part
_CLOCK_SLACK = 0.001  # log times are rounded to the millisecond


@dataclass
class _LoggedTurn:
    number: int
    started_at: float
    ended: bool = False
    last: Event | None = field(default=None)  # its latest complete agent message


def _logged_turns(events: Iterable[Event]) -> list[_LoggedTurn]:
    """Return the turns a task's log shows, each with its latest agent message."""
    turns: list[_LoggedTurn] = []
    for ev in events:
        kind = ev.get("kind")
        if kind == "status" and "status" in ev:
            if ev["status"] == _STARTS:
                turns.append(_LoggedTurn(len(turns) + 1, float(ev.get("ts", 0.0))))
            elif turns and ev["status"] not in _GOING:
                turns[-1].ended = True
        elif kind == "message" and turns and ev.get("text") and ev.get("status") in _SAID:
            turns[-1].last = ev
    return turns


def comment_threads(comments: Iterable[Comment], events: Iterable[Event]) -> list[CommentThread]:
    """Return each comment with its answer: the first turn that started once it was sent."""
    turns = _logged_turns(events)
    threads = []
    for c in comments:
        turn = _answering_turn(turns, c.sent_at)
        if turn is None:
            threads.append(CommentThread(c))
            continue
        last = turn.last or {}
        threads.append(
            CommentThread(c, last.get("text"), turn.number, not turn.ended, last.get("seq"))
        )
    return threads


def _answering_turn(turns: list[_LoggedTurn], sent_at: float | None) -> _LoggedTurn | None:
    if sent_at is None:
        return None
    return next((t for t in turns if t.started_at >= sent_at - _CLOCK_SLACK), None)
