"""After a crash or a hand edit: find what is out of step with git and the disk, repair it."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.services.recovery.reconciliation import reconcile as reconcile
    from app.services.recovery.repairs import REPAIRABLE as REPAIRABLE
    from app.services.recovery.repairs import StartUp as StartUp
    from app.services.recovery.repairs import repair as repair
    from app.services.recovery.repairs import start_up as start_up
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "reconciliation": ("reconcile",),
            "repairs": ("REPAIRABLE", "StartUp", "repair", "start_up"),
        },
    )
