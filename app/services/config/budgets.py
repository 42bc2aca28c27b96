"""config.toml's [budget] and [prices]: caps per task, group and project, review capacity.

[budget]                      # every project's defaults
task_usd = 2.0                # task_tokens, task_minutes likewise
group_usd = 6.0               # a best-of-N group together: group_tokens, group_minutes
project_usd = 50.0            # every task of a project together
review_capacity = 3           # at most this many tasks wait for review
[budget.projects.shop]        # one project's own values over the defaults
task_minutes = 30
[prices]                      # USD per million tokens, by model (a glob) or agent name
"claude*sonnet*" = { input = 3.0, output = 15.0 }
"""

from __future__ import annotations

from typing import Any

from app.core.budget import DEFAULT_PRICES, BudgetSettings, Caps, Price, ProjectBudget

_SCOPES = ("task", "group", "project")
_MEASURES = ("tokens", "usd", "minutes")
_KEYS = frozenset(f"{s}_{m}" for s in _SCOPES for m in _MEASURES) | {"review_capacity"}


class BudgetConfigError(ValueError):
    """A [budget] or [prices] value is wrong; the message names it."""


def budget_from(data: dict[str, Any]) -> BudgetSettings:
    """Read [budget] and [prices] from config.toml's parsed `data`."""
    table = data.get("budget", {})
    if not isinstance(table, dict):
        raise BudgetConfigError("[budget] must be a table")
    projects = table.get("projects", {})
    if not isinstance(projects, dict) or not all(isinstance(v, dict) for v in projects.values()):
        raise BudgetConfigError("[budget.projects] must hold one table per project")
    own = {
        str(name): _project_budget(values, f"budget.projects.{name}")
        for name, values in projects.items()
    }
    defaults = _project_budget({k: v for k, v in table.items() if k != "projects"}, "budget")
    return BudgetSettings(defaults, own, {**DEFAULT_PRICES, **_prices(data.get("prices", {}))})


def _project_budget(table: dict[str, Any], where: str) -> ProjectBudget:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        known = ", ".join(sorted(_KEYS))
        raise BudgetConfigError(f"{where}.{unknown[0]} is not a budget setting (known: {known})")
    caps = {s: Caps(*(_cap(table, f"{s}_{m}", where) for m in _MEASURES)) for s in _SCOPES}
    review = table.get("review_capacity")
    whole = isinstance(review, int) and not isinstance(review, bool)
    if review is not None and (not whole or review < 1):
        raise BudgetConfigError(f"{where}.review_capacity must be a whole number of at least 1")
    return ProjectBudget(caps["task"], caps["group"], caps["project"], review)


def _cap(table: dict[str, Any], key: str, where: str) -> Any:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise BudgetConfigError(f"{where}.{key} must be a number above 0")
    return int(value) if key.endswith("_tokens") else float(value)


def _prices(table: Any) -> dict[str, Price]:
    if not isinstance(table, dict):
        raise BudgetConfigError("[prices] must be a table of models")
    prices: dict[str, Price] = {}
    for model, value in table.items():
        got = [value.get(k) for k in ("input", "output")] if isinstance(value, dict) else []
        numbers = [n for n in got if isinstance(n, int | float) and not isinstance(n, bool)]
        if len(numbers) != 2 or any(n < 0 for n in numbers):
            raise BudgetConfigError(
                f'prices."{model}" must be {{ input = USD, output = USD }} per million tokens'
            )
        prices[str(model)] = Price(float(numbers[0]), float(numbers[1]))
    return prices
