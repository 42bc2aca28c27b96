"""Operations that land a task: the pre-flight check, the land, a pull request."""

from __future__ import annotations

from app.client.operations.calls import Asker
from app.client.operations.tasks import DropChoice
from app.core.forecast import Forecast
from app.core.landing import LandCheck, LandResult, PullRequest


class LandOperations(Asker):
    """Landing a task, or opening its pull request."""

    async def check_land(self, ref: str, into: str | None = None) -> LandCheck:
        """Say what landing a task would do, and what is in its way."""
        found: LandCheck = await self.do("land.check", LandCheck, ref=ref, into=into)
        return found

    async def land(
        self,
        ref: str,
        strategy: str = "merge",
        into: str | None = None,
        cleanup: bool = False,
        run_tests: bool = True,
        drop_comments: DropChoice = False,
    ) -> LandResult:
        """Land a task by merge, squash or rebase; raise Refused (kind LandRefused) if not."""
        found: LandResult = await self.do(
            "land.run",
            LandResult,
            ref=ref,
            strategy=strategy,
            into=into,
            cleanup=cleanup,
            run_tests=run_tests,
            drop_comments=drop_comments,
        )
        return found

    async def open_pull_request(
        self,
        ref: str,
        remote: str = "origin",
        base: str | None = None,
        repo: str | None = None,
        api_url: str | None = None,
        draft: bool = False,
        github_token: str | None = None,
        drop_comments: DropChoice = False,
    ) -> PullRequest:
        """Push a task's branch and open (or find) its pull request."""
        found: PullRequest = await self.do(
            "pr.open",
            PullRequest,
            ref=ref,
            remote=remote,
            base=base,
            repo=repo,
            api_url=api_url,
            draft=draft,
            github_token=github_token,
            drop_comments=drop_comments,
        )
        return found

    async def forecast(self, project: str | None = None) -> Forecast:
        """Forecast every pending task's clashes with the others and with its base branch."""
        found: Forecast = await self.do("forecast.all", Forecast, project=project)
        return found
