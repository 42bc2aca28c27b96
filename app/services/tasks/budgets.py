"""Budgets that pause: a paused task asks a person to raise its cap or stop; batch caps hold.

A run that reaches its cap ends as paused (its agent stopped, its session and work kept).
The keeper then asks, through the task's Asker (the inbox), with an Ask of kind BUDGET:
RAISE raises the cap (by the answer's amount, else doubled) and queues a follow-up turn on the
same session ("continue where you left off"); STOP ends the task, its work kept. A paused task
found at start-up (the supervising process restarted) asks again: it is never answered by
default. Queued tasks of a group or project at its cap, or of a project whose review capacity
is full, wait; the reason is the queue's held reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict

from app.core.budget import (
    CONTINUE_PROMPT,
    Caps,
    Level,
    amount_text,
    batch_hold,
    caps_of,
    reach,
    review_hold,
    spent_by,
)
from app.core.inbox import Answer, Ask, AskKind, Verdict
from app.core.states import TaskState
from app.core.task import Task
from app.services.config import Settings
from app.services.store import Store
from app.services.tasks.taskrun import Asking

log = logging.getLogger(__name__)


class BudgetKeeper:
    """Asks for every paused task of this supervisor and holds queued tasks past a cap."""

    def __init__(
        self,
        store: Store,
        settings: Callable[[], Settings],
        announce: Callable[[Task], None],
        wake: Callable[[], None],
    ) -> None:
        self._store = store
        self._settings = settings
        self._announce = announce
        self._wake = wake
        self._asks: dict[str, tuple[asyncio.Task[None], Asking]] = {}

    # holding

    def holds(self, queued: list[Task]) -> tuple[list[Task], str | None]:
        """Split queued tasks into those that may start and the reason the rest wait."""
        budget = self._settings().budget
        projects = {t.project: budget.of(t.project) for t in queued}
        if not any(
            b.review_capacity is not None or b.group.any() or b.project.any()
            for b in projects.values()
        ):
            return queued, None
        everyone = self._store.tasks()  # a project's spending counts its landed tasks too
        now, startable, reasons = time.time(), [], []
        for task in queued:
            reason = review_hold(task.project, everyone, projects[task.project].review_capacity)
            reason = reason or batch_hold(task, everyone, budget, now)
            if reason is None:
                startable.append(task)
            elif reason not in reasons:
                reasons.append(reason)
        return startable, "; ".join(reasons) or None

    def caps(self, task: Task) -> Caps:
        """Return the caps a run of `task` works under."""
        return caps_of(task, self._settings().budget)

    # asking

    def waiting(self) -> bool:
        """Say whether a paused task waits for a person's answer here."""
        return bool(self._asks)

    def paused(self, task: Task, asking: Asking | None) -> None:
        """Ask a person about the paused `task`, unless it is asked already."""
        if asking is None or task.id in self._asks:
            if asking is not None:
                asking.ended()
            return
        job = asyncio.create_task(self._ask(task, asking), name=f"budget {task.short_id}")
        self._asks[task.id] = (job, asking)

    def sweep(self, asking_of: Callable[[Task], Asking] | None) -> None:
        """Ask for paused tasks not asked yet (found at start-up); drop asks no longer paused."""
        paused = {t.id: t for t in self._store.tasks(states=[TaskState.PAUSED])}
        for task_id, (_job, asking) in list(self._asks.items()):
            if task_id not in paused:  # stopped, discarded or landed by another way
                asking.ended()
        for task in paused.values():
            if task.id not in self._asks and asking_of is not None:
                self.paused(task, asking_of(task))

    def forget(self, task_id: str) -> None:
        """The task is no longer paused: its ask expires."""
        held = self._asks.get(task_id)
        if held is not None:
            held[1].ended()

    async def close(self) -> None:
        """Cancel every ask (the supervising process ends; they are asked again next time)."""
        for job, asking in list(self._asks.values()):
            asking.ended()
            job.cancel()
        for job, _asking in list(self._asks.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await job

    async def _ask(self, task: Task, asking: Asking) -> None:
        try:
            found = reach(self.caps(task), spent_by(task, self._settings().budget.prices, 0.0))
            question = f"Task {task.short_id} {found.text()}" if found else task.error or "paused"
            ask = Ask(
                "",
                task.id,
                task.agent,
                AskKind.BUDGET,
                cwd=task.worktree,
                question=question,
                reason=f"{task.title}: raise the cap and continue, or stop keeping its work",
            )
            answer = await asking.asker(ask)
            self._answered(task.id, answer)
        except Exception:  # a broken store must not vanish silently
            log.exception("could not settle the budget of task %s", task.id)
        finally:
            self._asks.pop(task.id, None)
            asking.ended()
            self._wake()

    def _answered(self, task_id: str, answer: Answer) -> None:
        task = self._store.task(task_id)
        if task.state is not TaskState.PAUSED:
            return
        if answer.verdict is Verdict.RAISE:
            self._announce(self._raise(task, answer.amount))
        elif answer.verdict is Verdict.STOP:
            stopped = self._store.update(
                task.id,
                state=TaskState.STOPPED,
                error="stopped at its budget cap; its work is kept",
            )
            self._announce(stopped)

    def _raise(self, task: Task, amount: float | None) -> Task:
        budget = self._settings().budget
        caps = self.caps(task)
        found = reach(caps, spent_by(task, budget.prices, 0.0))
        measures = [found.measure] if found and found.level is Level.REACHED else []
        for measure in measures:
            caps = caps.raised(measure, amount)
        profile = self._settings().profiles.get(task.agent)
        resumes = profile is not None and (
            (profile.can_resume and task.session_id) or profile.followup_context
        )
        new = {f"budget_{k}": v for k, v in asdict(caps).items()}
        said = ", ".join(amount_text(m, caps.of(m) or 0) for m in measures) or "unchanged"
        log.info("task %s: cap raised to %s", task.id, said)
        still = reach(caps, spent_by(task, budget.prices, 0.0))
        if still is not None and still.level is Level.REACHED:  # raised too little: asks again
            return self._store.update(task.id, **new, error=f"paused: {still.text()}")
        return self._store.update(
            task.id,
            **new,
            state=TaskState.QUEUED,
            exit_code=None,
            error=None,
            finished_at=None,
            stop_requested=False,
            next_prompt=CONTINUE_PROMPT if resumes else task.next_prompt,
        )
