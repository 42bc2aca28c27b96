"""Operations on the home's health: start-up recovery, what is out of step, safe repairs."""

from __future__ import annotations

from app.client.operations.calls import Asker
from app.core.findings import Finding, StartUp
from app.core.wire import encode


class HealthOperations(Asker):
    """Recovery and repairs, done by the process that supervises the home."""

    async def start_up(self, reap: bool = False) -> StartUp:
        """Rebuild a damaged database if one was set aside; with `reap`, reconcile too."""
        found: StartUp = await self.do("health.start_up", StartUp, reap=reap)
        return found

    async def check_health(self) -> list[Finding]:
        """Return what is out of step between the database, git and the disk."""
        found: list[Finding] = await self.do("health.check", list[Finding])
        return found

    async def repair(self, finding: Finding) -> str:
        """Apply the safe repair of one finding; say what it did (Refused if there is none)."""
        return str(await self.do("health.repair", str, finding=encode(finding)))

    async def memory(self) -> dict[str, int]:
        """Return the resident memory (bytes) of each running task's agent, by task id."""
        found: dict[str, int] = await self.do("tasks.memory", dict[str, int])
        return found
