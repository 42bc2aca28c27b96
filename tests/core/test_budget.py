"""Budgets: caps, what a task spent, how near a cap it is, and why a batch waits."""

from __future__ import annotations

import dataclasses

import pytest

from app.core.budget import (
    DEFAULT_PRICES,
    BudgetSettings,
    Caps,
    Level,
    Measure,
    Price,
    ProjectBudget,
    Spent,
    batch_hold,
    budget_warning,
    caps_of,
    estimated_usd,
    price_for,
    reach,
    review_hold,
    spent_by,
)
from app.core.states import TaskState
from app.core.task import Task

TASK = Task(
    "a" * 32, "shop", "Add coupons", "add", "codex", TaskState.RUNNING, "orchard/add", "/w",
    "main", "b" * 40, 1.0, started_at=100.0,
)  # fmt: skip


def test_reach_names_the_most_spent_cap_from_80_percent() -> None:
    caps = Caps(tokens=1000, usd=2.0, minutes=30)
    assert reach(caps, Spent(700, 1.0, 10)) is None
    near = reach(caps, Spent(850, 1.0, 10))
    assert near is not None and (near.level, near.measure) == (Level.NEAR, Measure.TOKENS)
    assert near.text() == "used 85% of its cap of 1,000 tokens (850 tokens spent)"
    at = reach(caps, Spent(850, 2.03, 10))
    assert at is not None and at.level is Level.REACHED
    assert at.text() == "reached its cap of 2.00 USD (2.03 USD spent)"
    assert reach(Caps(), Spent(10**9, 10**6, 10**6)) is None


def test_raising_adds_the_amount_else_doubles() -> None:
    caps = Caps(tokens=1000, usd=2.0)
    assert caps.raised(Measure.TOKENS, None) == Caps(tokens=2000, usd=2.0)
    assert caps.raised(Measure.USD, 0.5) == Caps(tokens=1000, usd=2.5)
    assert Caps(minutes=30).raised(Measure.MINUTES, None).minutes == 60


def test_a_tasks_own_caps_win_over_its_projects_defaults() -> None:
    settings = BudgetSettings(
        ProjectBudget(task=Caps(usd=5.0, minutes=60)),
        {"shop": ProjectBudget(task=Caps(minutes=30))},
    )
    own = dataclasses.replace(TASK, budget_usd=1.0)
    assert caps_of(own, settings) == Caps(None, 1.0, 30)
    assert caps_of(dataclasses.replace(TASK, project="other"), settings) == Caps(None, 5.0, 60)


def test_bad_caps_are_named() -> None:
    assert Caps(usd=0).problem() == "--budget-usd must be above 0 (it is 0)"
    assert Caps(tokens=-5).problem() == "--budget-tokens must be above 0 (it is -5)"
    assert Caps(minutes=float("nan")).problem() is not None
    assert Caps(1, 0.5, 1).problem() is None


def test_cost_is_the_agents_report_else_the_price_table() -> None:
    task = dataclasses.replace(TASK, tokens_in=1_000_000, tokens_out=100_000)
    assert spent_by(task, DEFAULT_PRICES, 160.0) == Spent(1_100_000, 2.25, 1.0)
    reported = dataclasses.replace(task, cost_usd=0.4, state=TaskState.PAUSED, spent_seconds=90)
    assert spent_by(reported, DEFAULT_PRICES, 1e9) == Spent(1_100_000, 0.4, 1.5)
    assert price_for("claude-sonnet-4-5", DEFAULT_PRICES) == Price(3.0, 15.0)
    assert price_for("claude-opus-4-1", DEFAULT_PRICES) == Price(15.0, 75.0)
    assert price_for("odd", {"odd": Price(1, 1)}) == Price(1, 1)
    assert price_for("odd", {}) is None and estimated_usd(10, 10, None) == 0.0


def test_the_board_warns_from_80_percent_of_a_live_tasks_cap() -> None:
    settings = BudgetSettings(ProjectBudget(task=Caps(tokens=1000)))
    near = dataclasses.replace(TASK, tokens_in=800, tokens_out=10)
    assert budget_warning(near, settings, 101.0) is not None
    assert budget_warning(dataclasses.replace(near, tokens_in=700), settings, 101.0) is None
    ended = dataclasses.replace(near, state=TaskState.SUCCEEDED)
    assert budget_warning(ended, settings, 101.0) is None


def _done(n: int, group: str | None = "g", tokens: int = 600) -> Task:
    return dataclasses.replace(
        TASK, id=f"{n}" * 32, state=TaskState.SUCCEEDED, group=group, tokens_in=tokens
    )


def test_a_batch_at_its_cap_holds_its_queued_tasks() -> None:
    queued = dataclasses.replace(TASK, id="q" * 32, state=TaskState.QUEUED, group="g")
    tasks = [_done(1), _done(2, group=None), queued]
    group = BudgetSettings(ProjectBudget(group=Caps(tokens=1000)))
    assert batch_hold(queued, tasks, group, 0.0) is None  # the group spent 600
    assert batch_hold(queued, [*tasks, _done(3)], group, 0.0) == (
        "its group reached its cap of 1,000 tokens (1,200 tokens spent): "
        "raise the cap in config.toml to start more"
    )
    project = BudgetSettings(ProjectBudget(project=Caps(tokens=1000)))
    reason = batch_hold(queued, tasks, project, 0.0)
    assert reason is not None and reason.startswith("project shop reached its cap")


@pytest.mark.parametrize(("capacity", "waiting"), [(None, 9), (3, 2)])
def test_review_capacity_not_reached(capacity: int | None, waiting: int) -> None:
    assert review_hold("shop", [_done(n) for n in range(waiting)], capacity) is None


def test_review_capacity_reached_says_the_person_is_the_bottleneck() -> None:
    tasks = [_done(1), _done(2), dataclasses.replace(_done(3), project="other")]
    assert review_hold("shop", tasks, 2) == (
        "2 tasks wait for your review in shop: dispatching more does not help"
    )
