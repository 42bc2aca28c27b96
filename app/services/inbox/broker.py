"""The broker: every agent's request in one place, answered by the project's list or a person.

An agent's adapter awaits its task's Asker; the Inbox first asks the policy (core's `decide`,
with the project's list and what was allowed for the task) and answers at once where it can;
the rest wait, oldest first, until a person answers or the task ends. Nothing is ever allowed
by default: an ask that is not answered by a person or the list waits, or expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from app.core.inbox import (
    Answer,
    Ask,
    AskKind,
    Policy,
    Verdict,
    decide,
    is_dangerous,
    matches,
    remembered_pattern,
)
from app.services.config import write_atomically

Asker = Callable[[Ask], Awaitable[Answer]]
PolicyOf = Callable[[str], Policy]  # the project's list, by project name
Remember = Callable[[str, str], None]  # (project, pattern): record an "always allow"
log = logging.getLogger(__name__)
_PERSON = frozenset({Verdict.ALLOW, Verdict.ALLOW_TASK, Verdict.ALLOW_PROJECT, Verdict.DENY})
_PERSON |= {Verdict.REPLY, Verdict.RAISE, Verdict.STOP}


@dataclass(eq=False)
class _Waiting:
    ask: Ask
    future: asyncio.Future[Answer]


@dataclass
class _TaskAsks:
    project: str = ""
    count: int = 0
    counted: bool = False  # count has taken in what an earlier process of the home numbered
    allowed: set[str] = field(default_factory=set)  # "allow for this task" patterns
    ended: bool = False


class Inbox:
    """Every waiting request of every task this process supervises."""

    def __init__(
        self,
        policy_of: PolicyOf | None = None,
        remember: Remember | None = None,
        clock: Callable[[], float] = time.time,
        numbers: Path | None = None,
    ) -> None:
        self._policy_of = policy_of or (lambda _project: Policy())
        self._remember = remember
        self._clock = clock
        self._waiting: dict[str, _Waiting] = {}  # insertion order: oldest first
        self._tasks: dict[str, _TaskAsks] = {}
        self._answered: set[str] = set()
        self._listeners: list[Callable[[], None]] = []
        # The last ask number of each task, kept across restarts: an id is never given twice,
        # so a late `orchard answer` for an ask of an earlier process cannot hit a new one.
        self._numbers = numbers

    # asking

    def new_id(self, task_id: str) -> str:
        """Return the next id of `task_id`'s asks: "<task id>-<n>"."""
        state = self._tasks.setdefault(task_id, _TaskAsks())
        if not state.counted:
            state.counted = True
            state.count = max(state.count, self._saved_numbers().get(task_id, 0))
        state.count += 1
        self._save_number(task_id, state.count)
        return f"{task_id}-{state.count}"

    def _saved_numbers(self) -> dict[str, int]:
        if self._numbers is None:
            return {}
        try:
            saved = json.loads(self._numbers.read_text())
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in saved.items() if type(v) is int} if type(saved) is dict else {}

    def _save_number(self, task_id: str, number: int) -> None:
        if self._numbers is None:
            return
        saved = self._saved_numbers()
        saved[task_id] = max(number, saved.get(task_id, 0))
        try:
            write_atomically(self._numbers, json.dumps(saved).encode())
        except OSError as exc:  # ids still differ within this process
            log.warning("could not keep the inbox's numbering in %s: %s", self._numbers, exc)

    async def ask(self, ask: Ask) -> Answer:
        """Answer from the policy at once where it can; else wait for a person."""
        state = self._tasks.setdefault(ask.task_id, _TaskAsks())
        if state.ended:
            return Answer(Verdict.EXPIRED, "the task has ended", by="inbox")
        known = self._decide(state, ask)
        if known is not None:
            return known
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting[ask.id] = _Waiting(ask, future)
        self._changed()
        try:
            return await future
        finally:
            # Cancelled (the agent's connection went away): the item goes with it.
            if self._waiting.pop(ask.id, None) is not None:
                self._changed()

    def asker_for(self, task_id: str, agent: str, project: str, cwd: str) -> Asker:
        """Return what `task_id`'s agent adapter awaits: fills id, time and danger, then asks."""
        state = self._tasks.setdefault(task_id, _TaskAsks())
        state.project, state.ended = project, False  # a new turn of the task asks again

        async def asker(ask: Ask) -> Answer:
            if ask.id:  # asked again with the id it had: later ids follow it
                n = ask.id.rpartition("-")[2]
                state.count = max(state.count, int(n) if n.isdigit() else 0)
            filled = replace(
                ask,
                id=ask.id or self.new_id(task_id),
                task_id=task_id,
                agent=ask.agent or agent,
                cwd=ask.cwd or cwd,
                asked_at=ask.asked_at or self._clock(),
            )
            filled = replace(filled, dangerous=filled.dangerous or _dangerous(filled))
            return await self.ask(filled)

        return asker

    # the person

    def pending(self) -> list[Ask]:
        """Return the waiting asks, oldest first."""
        return [w.ask for w in self._waiting.values()]

    def answer(self, ids: Sequence[str], answer: Answer) -> dict[str, str]:
        """Answer these asks; return each id's "" if taken, else a one-line refusal."""
        if answer.verdict not in _PERSON:
            return {i: f"'{answer.verdict}' is not an answer a person gives" for i in ids}
        results = {i: self._refusal(i, answer) for i in ids}
        for ask_id, refusal in results.items():
            if not refusal:
                self._settle(ask_id, answer)
        if any(not r for r in results.values()):
            self._answer_newly_allowed()
            self._changed()
        return results

    def answer_matching(self, pattern: str, answer: Answer) -> list[str]:
        """Answer every waiting command matching the glob `pattern`; return the ids answered.

        A dangerous command is never allowed by a pattern: it is answered by its id only.
        """
        chosen = [
            w.ask.id
            for w in self._waiting.values()
            if w.ask.command
            and matches(pattern, w.ask.command)
            and not (w.ask.dangerous and answer.allows)
        ]
        results = self.answer(chosen, answer)
        return [i for i in chosen if not results[i]]

    def expire_task(self, task_id: str) -> None:
        """The task ended or was stopped: its waiting asks get EXPIRED, later ones too."""
        state = self._tasks.setdefault(task_id, _TaskAsks())
        state.ended, state.allowed = True, set()
        gone = [w for w in self._waiting.values() if w.ask.task_id == task_id]
        for waiting in gone:
            del self._waiting[waiting.ask.id]
            if not waiting.future.done():
                waiting.future.set_result(Answer(Verdict.EXPIRED, "the task has ended", by="inbox"))
        if gone:
            self._changed()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` on any change of the waiting asks; return what unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # inside

    def _decide(self, state: _TaskAsks, ask: Ask) -> Answer | None:
        policy = self._policy_of(state.project) if state.project else Policy()
        return decide(policy, ask, state.allowed)

    def _refusal(self, ask_id: str, answer: Answer) -> str:
        waiting = self._waiting.get(ask_id)
        if waiting is None:
            task_id = ask_id.rpartition("-")[0]
            state = self._tasks.get(task_id)
            if state is not None and state.ended:
                return f"{ask_id}: task {task_id} has ended; its request can no longer be answered"
            if ask_id in self._answered:
                return f"{ask_id} was already answered"
            return f"{ask_id}: no such request waits"
        question = waiting.ask.kind is AskKind.QUESTION
        if answer.verdict is Verdict.REPLY and not question:
            return f"{ask_id} is not a question: allow or deny it"
        if answer.allows and question:  # allowed without a reply, the agent hears nothing
            return f"{ask_id} is a question: reply to it, or deny it"
        budget = waiting.ask.kind is AskKind.BUDGET
        if budget != (answer.verdict in (Verdict.RAISE, Verdict.STOP)):
            what = "raise or stop" if budget else "allow, deny or reply"
            return f"{ask_id}: answer it with {what}"
        return ""

    def _settle(self, ask_id: str, answer: Answer) -> None:
        waiting = self._waiting.pop(ask_id)
        self._answered.add(ask_id)
        ask = waiting.ask
        state = self._tasks.setdefault(ask.task_id, _TaskAsks())
        pattern = remembered_pattern(ask) if not ask.dangerous else ""
        # A dangerous command asks again, whatever was said: nothing is remembered of it.
        if answer.verdict in (Verdict.ALLOW_TASK, Verdict.ALLOW_PROJECT) and pattern:
            state.allowed.add(pattern)
        remember = self._remember if state.project else None
        if answer.verdict is Verdict.ALLOW_PROJECT and pattern and remember is not None:
            try:
                remember(state.project, pattern)
            except Exception:  # the answer still stands for this request
                log.exception("could not record %r for project %s", pattern, state.project)
        if ask.dangerous and answer.allows:
            answer = replace(answer, verdict=Verdict.ALLOW)  # the agent remembers nothing either
        if not waiting.future.done():
            waiting.future.set_result(answer)

    def _answer_newly_allowed(self) -> None:
        """Answer waiting asks that what was just allowed for a task or project now covers."""
        for waiting in list(self._waiting.values()):
            state = self._tasks.get(waiting.ask.task_id)
            known = self._decide(state, waiting.ask) if state else None
            if known is not None:
                self._waiting.pop(waiting.ask.id)
                self._answered.add(waiting.ask.id)
                if not waiting.future.done():
                    waiting.future.set_result(known)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):
                listener()


def _dangerous(ask: Ask) -> bool:
    if ask.kind is AskKind.COMMAND and ask.command:
        return is_dangerous(ask.command, ask.cwd)
    if ask.kind is AskKind.FILE_CHANGE and ask.path and ask.cwd:
        path = PurePosixPath(ask.path)
        if not path.is_absolute():
            path = PurePosixPath(ask.cwd) / path
        root = PurePosixPath(ask.cwd)
        parts = _normal(path)
        return parts[: len(_normal(root))] != _normal(root)
    return False


def _normal(path: PurePosixPath) -> list[str]:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return parts
