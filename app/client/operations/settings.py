"""Operations on the home's settings: save them, and check an agent where it will run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.client.operations.calls import Asker
from app.core.profiles import AgentCheck, AgentProfile
from app.core.wire import encode


class SettingsOperations(Asker):
    """Settings written and agents checked by the process that runs the agents."""

    async def save_settings(
        self, parallel: int, profiles: Mapping[str, AgentProfile], theme: str | None = None
    ) -> None:
        """Write the parallel limit, the agents and the theme to config.toml; they apply now."""
        await self.do(
            "settings.save", parallel=parallel, profiles=encode(dict(profiles)), theme=theme
        )

    async def save_more_settings(
        self, tables: Mapping[str, Mapping[str, Any]], secrets: Mapping[str, str] | None = None
    ) -> list[str]:
        """Write [triage], [github], [llm] and [settings] keys ("" drops one) and store secrets.

        Return where each secret went; a table Orchard could not read back is refused.
        """
        where: list[str] = await self.do(
            "settings.save_more",
            tables={k: dict(v) for k, v in tables.items()},
            secrets=dict(secrets or {}),
        )
        return where

    async def check_agent(self, profile: AgentProfile) -> AgentCheck:
        """Find the agent's program where the agents run and ask its version."""
        found: AgentCheck = await self.do("agent.check", AgentCheck, profile=encode(profile))
        return found

    async def reload_settings(self) -> None:
        """Have the supervising process read config.toml and the secrets again."""
        await self.do("settings.reload")
