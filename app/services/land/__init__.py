"""Review and land: diffs, checks, test gate, merge, compare, forecast, follow-ups, PRs, discard."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.services.land import archive as archive
    from app.services.land import attempts as attempts
    from app.services.land import cars as cars
    from app.services.land import compare as compare
    from app.services.land import followup as followup
    from app.services.land import forecast as forecast
    from app.services.land import pullrequest as pullrequest
    from app.services.land import review as review
    from app.services.land.archive import archive_commit as archive_commit
    from app.services.land.archive import branch_head as branch_head
    from app.services.land.combine import combine_attempts as combine_attempts
    from app.services.land.drop import Dropped as Dropped
    from app.services.land.drop import drop_change as drop_change
    from app.services.land.drop import undo_drop as undo_drop
    from app.services.land.followup import UnsentComments as UnsentComments
    from app.services.land.followup import comments_to_drop as comments_to_drop
    from app.services.land.followup import send_followup as send_followup
    from app.services.land.landcheck import LandCheck as LandCheck
    from app.services.land.landcheck import check_land as check_land
    from app.services.land.landing import STRATEGIES as STRATEGIES
    from app.services.land.landing import LandRefused as LandRefused
    from app.services.land.landing import LandResult as LandResult
    from app.services.land.landing import conflict_followup_prompt as conflict_followup_prompt
    from app.services.land.landing import land_task as land_task
    from app.services.land.pullrequest import open_pull_request as open_pull_request
    from app.services.land.train import TrainRunner as TrainRunner
else:
    __getattr__ = lazy_exports(
        __name__,
        modules=(
            "archive",
            "attempts",
            "cars",
            "compare",
            "followup",
            "forecast",
            "pullrequest",
            "review",
        ),
        names={
            "archive": ("archive_commit", "branch_head"),
            "combine": ("combine_attempts",),
            "drop": ("Dropped", "drop_change", "undo_drop"),
            "followup": ("UnsentComments", "comments_to_drop", "send_followup"),
            "landcheck": ("LandCheck", "check_land"),
            "landing": (
                "LandRefused",
                "LandResult",
                "STRATEGIES",
                "conflict_followup_prompt",
                "land_task",
            ),
            "pullrequest": ("open_pull_request",),
            "train": ("TrainRunner",),
        },
    )
