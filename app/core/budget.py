"""Budgets that pause: caps on tokens, cost and wall time, and what a task has spent.

A cap is set per task (its own, else its project's default), per best-of-N group and per
project. A running task that reaches its own cap is paused (stopped with its session kept,
its work committed) and asks a person to raise the cap or stop. A group or project at its cap
holds back its queued tasks. Cost is the agent's own report where it gives one, else an
estimate from a price table per model.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from app.core.states import LIVE_STATES, TaskState
from app.core.task import Task

NEAR_FRACTION = 0.8  # from here on the board warns
# Tasks that wait for a person's review: the review capacity counts them.
REVIEW_STATES = frozenset({TaskState.SUCCEEDED})


class Measure(StrEnum):
    TOKENS = "tokens"
    USD = "usd"
    MINUTES = "minutes"


@dataclass(frozen=True, slots=True)
class Caps:
    """Caps on what a task, a group or a project may spend; None: no cap."""

    tokens: int | None = None
    usd: float | None = None
    minutes: float | None = None

    def problem(self) -> str | None:
        """Say what is wrong with these caps in one line (each must be above 0), else None."""
        for measure in Measure:
            value = self.of(measure)
            if value is not None and not value > 0:
                return f"--budget-{measure.value} must be above 0 (it is {value:g})"
        return None

    def any(self) -> bool:
        """Say whether any cap is set."""
        return any(self.of(m) is not None for m in Measure)

    def of(self, measure: Measure) -> float | None:
        """Return the cap on `measure`, None if there is none."""
        value: float | None = getattr(self, measure.value)
        return value

    def over(self, defaults: Caps) -> Caps:
        """Return these caps, each unset one taken from `defaults`."""
        return Caps(
            self.tokens if self.tokens is not None else defaults.tokens,
            self.usd if self.usd is not None else defaults.usd,
            self.minutes if self.minutes is not None else defaults.minutes,
        )

    def raised(self, measure: Measure, amount: float | None) -> Caps:
        """Return the caps with `measure`'s raised by `amount`, else doubled."""
        current = self.of(measure) or 0
        new = current + amount if amount is not None else current * 2
        if measure is Measure.TOKENS:
            return replace(self, tokens=int(new))
        return replace(self, usd=new) if measure is Measure.USD else replace(self, minutes=new)


@dataclass(frozen=True, slots=True)
class Spent:
    """What a task, or a batch of them, has spent so far."""

    tokens: int = 0
    usd: float = 0.0
    minutes: float = 0.0

    def of(self, measure: Measure) -> float:
        value: float = getattr(self, measure.value)
        return value

    def __add__(self, other: Spent) -> Spent:
        return Spent(self.tokens + other.tokens, self.usd + other.usd, self.minutes + other.minutes)


class Level(StrEnum):
    NEAR = "near"  # 80 % of a cap or more
    REACHED = "reached"


@dataclass(frozen=True, slots=True)
class Reach:
    """The cap nearest to being spent, and how near."""

    level: Level
    measure: Measure
    spent: float
    cap: float

    @property
    def fraction(self) -> float:
        return self.spent / self.cap if self.cap > 0 else 1.0

    def text(self, whose: str = "its") -> str:
        """Say it in one line: "reached its cap of 2.00 USD (2.03 USD spent)"."""
        verb = "reached" if self.level is Level.REACHED else f"used {self.fraction:.0%} of"
        cap, spent = amount_text(self.measure, self.cap), amount_text(self.measure, self.spent)
        return f"{verb} {whose} cap of {cap} ({spent} spent)"


def amount_text(measure: Measure, value: float) -> str:
    """Return an amount in its unit: "1,200 tokens", "2.00 USD", "30 min"."""
    if measure is Measure.TOKENS:
        return f"{int(value):,} tokens"
    if measure is Measure.USD:
        return f"{value:.2f} USD"
    return f"{value:.0f} min" if value >= 10 else f"{value:.1f} min"


def reach(caps: Caps, spent: Spent) -> Reach | None:
    """Return the most spent of the caps if it is near or reached, else None."""
    nearest: Reach | None = None
    for measure in Measure:
        cap = caps.of(measure)
        if cap is None:
            continue
        used = spent.of(measure)
        level = Level.REACHED if used >= cap else Level.NEAR
        found = Reach(level, measure, used, cap)
        if used >= cap * NEAR_FRACTION and (nearest is None or found.fraction > nearest.fraction):
            nearest = found
    return nearest


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float


# A small default table; config.toml's [prices] overrides or extends it. Keys are globs over the
# model's name as the agent reports it, else the agent's name.
DEFAULT_PRICES: dict[str, Price] = {
    "claude*opus*": Price(15.0, 75.0),
    "claude*haiku*": Price(0.8, 4.0),
    "claude*": Price(3.0, 15.0),
    "gpt-5*mini*": Price(0.25, 2.0),
    "gpt-5*": Price(1.25, 10.0),
    "codex": Price(1.25, 10.0),
    "gemini*": Price(1.25, 10.0),
    "*": Price(3.0, 15.0),
}


def price_for(name: str, prices: Mapping[str, Price]) -> Price | None:
    """Return the price of the model or agent `name`: an exact key, else the first glob."""
    if name in prices:
        return prices[name]
    return next((p for key, p in prices.items() if fnmatch.fnmatchcase(name, key)), None)


def estimated_usd(tokens_in: int, tokens_out: int, price: Price | None) -> float:
    """Return what these tokens cost at `price` (0 without one)."""
    if price is None:
        return 0.0
    return (tokens_in * price.input + tokens_out * price.output) / 1_000_000


def task_caps(task: Task) -> Caps:
    """Return the caps set on the task itself."""
    return Caps(task.budget_tokens, task.budget_usd, task.budget_minutes)


def spent_by(task: Task, prices: Mapping[str, Price], now: float, model: str = "") -> Spent:
    """Return what `task` has spent over all its turns (a live turn counted up to `now`)."""
    tokens_in, tokens_out = task.tokens_in or 0, task.tokens_out or 0
    if task.cost_usd is not None:
        usd = task.cost_usd  # the agent's own report
    else:
        usd = estimated_usd(tokens_in, tokens_out, price_for(model or task.agent, prices))
    seconds = task.spent_seconds
    if task.state in LIVE_STATES and task.started_at is not None:
        seconds += max(0.0, now - task.started_at)
    return Spent(tokens_in + tokens_out, usd, seconds / 60)


@dataclass(frozen=True, slots=True)
class ProjectBudget:
    """A project's defaults: caps per task, per group and on the whole project, and review."""

    task: Caps = field(default_factory=Caps)
    group: Caps = field(default_factory=Caps)
    project: Caps = field(default_factory=Caps)
    review_capacity: int | None = None  # at most this many tasks wait for review; None: any

    def over(self, defaults: ProjectBudget) -> ProjectBudget:
        """Return these values, each unset one taken from `defaults`."""
        return ProjectBudget(
            self.task.over(defaults.task),
            self.group.over(defaults.group),
            self.project.over(defaults.project),
            self.review_capacity if self.review_capacity is not None else defaults.review_capacity,
        )


@dataclass(frozen=True, slots=True)
class BudgetSettings:
    """[budget] and [prices] of config.toml."""

    defaults: ProjectBudget = field(default_factory=ProjectBudget)
    projects: dict[str, ProjectBudget] = field(default_factory=dict)
    prices: dict[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICES))

    def of(self, project: str) -> ProjectBudget:
        """Return `project`'s budget: its own values over the defaults."""
        own = self.projects.get(project)
        return own.over(self.defaults) if own is not None else self.defaults


def caps_of(task: Task, settings: BudgetSettings) -> Caps:
    """Return the caps a task runs under: its own, else its project's default per task."""
    return task_caps(task).over(settings.of(task.project).task)


# States whose spending the board warns about: a turn runs, or waits on a person.
_WARNED = LIVE_STATES | {TaskState.PAUSED, TaskState.NEEDS_INPUT}


def budget_warning(task: Task, settings: BudgetSettings, now: float) -> Reach | None:
    """Return how near `task` is to its cap if 80 % or more is spent, for the board."""
    caps = caps_of(task, settings)
    if task.state not in _WARNED or not caps.any():
        return None
    return reach(caps, spent_by(task, settings.prices, now))


def batch_hold(
    task: Task, tasks: Iterable[Task], settings: BudgetSettings, now: float
) -> str | None:
    """Say why a queued task must wait for its group's or project's budget, else None."""
    budget = settings.of(task.project)
    mine = [t for t in tasks if t.project == task.project]
    checks = [(budget.project, mine, f"project {task.project}")]
    if task.group is not None:
        group = [t for t in mine if t.group == task.group]
        checks.insert(0, (budget.group, group, "its group"))
    for caps, batch, whose in checks:
        if not caps.any():
            continue
        total = sum((spent_by(t, settings.prices, now) for t in batch), Spent())
        found = reach(caps, total)
        if found is not None and found.level is Level.REACHED:
            return f"{whose} {found.text('its')}: raise the cap in config.toml to start more"
    return None


def review_hold(project: str, tasks: Iterable[Task], capacity: int | None) -> str | None:
    """Say why a project's queued tasks wait for the person's reviews, else None."""
    if capacity is None:
        return None
    waiting = sum(1 for t in tasks if t.project == project and t.state in REVIEW_STATES)
    if waiting < capacity:
        return None
    tasks_wait = "task waits" if waiting == 1 else "tasks wait"
    return f"{waiting} {tasks_wait} for your review in {project}: dispatching more does not help"


CONTINUE_PROMPT = (
    "Your budget was raised. Continue where you left off: finish the task you were given."
)
