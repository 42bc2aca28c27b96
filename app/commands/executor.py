"""`orchard run --executor ray --address …`: where this run's agents run."""

from __future__ import annotations

from dataclasses import replace

from app.services.orchard import Orchard, UserError
from app.services.remote import executor_for


def choose_executor(orchard: Orchard, kind: str | None, address: str | None) -> None:
    """Run this process's tasks on `kind` at `address` instead of what config.toml says."""
    if kind is None and address is None:
        return
    settings = orchard.settings.executor
    kind = kind or settings.kind
    if address is not None and kind != "ray":
        raise UserError("--address names a Ray cluster: pass it with --executor ray")
    chosen = replace(settings, kind=kind, address=address or settings.address)
    orchard.supervisor.executor = executor_for(orchard.home, chosen)
