"""Operations on the agents' logs: search across them."""

from __future__ import annotations

from app.client.operations.calls import Asker
from app.core.events import SearchHit


class LogOperations(Asker):
    """Searching the logs the supervising process writes."""

    async def search_logs(
        self, query: str, ids: list[str] | None = None, limit: int = 1000
    ) -> list[SearchHit]:
        """Return up to `limit` events of these tasks (else all, newest first) with `query`."""
        found: list[SearchHit] = await self.do(
            "logs.search", list[SearchHit], query=query, ids=ids, limit=limit
        )
        return found
