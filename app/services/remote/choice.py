"""Which executor a home's settings ask for."""

from __future__ import annotations

from app.services.config import ExecutorSettings, Home
from app.services.tasks import Executor, LocalExecutor


def executor_for(home: Home, settings: ExecutorSettings) -> Executor:
    """Return the executor `[executor]` names: this machine, or a Ray cluster."""
    if settings.kind == "ray":
        from app.services.remote.workspace import RayExecutor

        return RayExecutor(home, settings)
    return LocalExecutor()
