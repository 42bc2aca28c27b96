"""config.toml's [budget] and [prices]: read over the defaults, wrong values named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.budget import Caps, Price
from app.services.config.settings import ConfigError, Home, load_settings


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    home = Home(tmp_path).ensure()
    home.config.write_text(text)
    return load_settings(home).budget


def test_defaults_projects_and_prices_are_read(tmp_path: Path) -> None:
    budget = _load(
        tmp_path,
        """
[budget]
task_usd = 2
group_tokens = 500000
review_capacity = 3
[budget.projects.shop]
task_minutes = 30
review_capacity = 1
[prices]
"my-model" = { input = 1, output = 2.5 }
""",
    )
    assert budget.of("other").task == Caps(usd=2.0)
    shop = budget.of("shop")
    assert (shop.task, shop.group, shop.review_capacity) == (
        Caps(usd=2.0, minutes=30.0),
        Caps(tokens=500000),
        1,
    )
    assert budget.prices["my-model"] == Price(1.0, 2.5)
    assert "claude*" in budget.prices  # the built-in table stays under the config's


def test_no_config_means_no_caps(tmp_path: Path) -> None:
    budget = _load(tmp_path, "")
    assert not budget.of("any").task.any() and budget.of("any").review_capacity is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[budget]\ntask_usd = 0", "budget.task_usd must be a number above 0"),
        ("[budget]\ntask_usd = 'two'", "budget.task_usd must be a number above 0"),
        ("[budget]\ntask_dollars = 2", "budget.task_dollars is not a budget setting"),
        ("[budget.projects.shop]\nreview_capacity = 0", "review_capacity must be a whole number"),
        ('[prices]\n"m" = { input = 1 }', 'prices."m" must be { input = USD, output = USD }'),
    ],
)
def test_wrong_values_are_named(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert said in str(info.value) and "\n" not in str(info.value)
