"""Tasks on a Ray cluster: the executor, each task's actor on its node, the reaping wrapper."""

# Ray is an optional extra (orchard[ray]): nothing here imports it until a Ray executor
# connects, so the desktop app runs without it.

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.services.remote.choice import executor_for as executor_for
    from app.services.remote.cluster import explain as explain
    from app.services.remote.cluster import namespace_for as namespace_for
    from app.services.remote.workspace import RayExecutor as RayExecutor
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "choice": ("executor_for",),
            "cluster": ("explain", "namespace_for"),
            "workspace": ("RayExecutor",),
        },
    )
