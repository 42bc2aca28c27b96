"""Operations that land a task: the pre-flight check and the land itself."""

from __future__ import annotations

import os

from app.core.forecast import Forecast
from app.core.landing import LandCheck, LandResult, PullRequest
from app.server.operations.registry import Params, drop_choice, flag, operation, optional_text, text
from app.services.orchard import Orchard


@operation("land.check")
async def check_land(orchard: Orchard, params: Params) -> LandCheck:
    """Say what landing a task would do, and what is in its way."""
    from app.services.land import check_land

    return await check_land(orchard, text(params, "ref"), optional_text(params, "into"))


@operation("land.run")
async def land_task(orchard: Orchard, params: Params) -> LandResult:
    """Land a task: merge, squash or rebase, gated by the project's tests."""
    from app.services.land import land_task

    return await land_task(
        orchard,
        text(params, "ref"),
        text(params, "strategy", "merge"),
        optional_text(params, "into"),
        flag(params, "cleanup"),
        flag(params, "run_tests", True),
        drop_choice(params),
    )


@operation("pr.open")
async def open_pull_request(orchard: Orchard, params: Params) -> PullRequest:
    """Push a task's branch and open (or find) its pull request."""
    from app.services.land import open_pull_request

    token = optional_text(params, "github_token")  # the asking shell's, for this request only
    return await open_pull_request(
        orchard,
        text(params, "ref"),
        text(params, "remote", "origin"),
        optional_text(params, "base"),
        optional_text(params, "repo"),
        optional_text(params, "api_url"),
        flag(params, "draft"),
        env={**os.environ, "GITHUB_TOKEN": token} if token else None,
        drop_comments=drop_choice(params),
    )


@operation("forecast.all")
async def forecast(orchard: Orchard, params: Params) -> Forecast:
    """Forecast every pending task's clashes with the others and with its base branch."""
    from app.services.land import forecast

    return await forecast.forecast(orchard, optional_text(params, "project"))
