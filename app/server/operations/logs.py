"""Operations on the agents' logs: search across them."""

from __future__ import annotations

import asyncio
import threading

from app.core.events import SearchHit
from app.server.operations.registry import Params, number, operation, text
from app.services.orchard import Orchard, UserError


@operation("logs.search")
async def search(orchard: Orchard, params: Params) -> list[SearchHit]:
    """Return up to `limit` events of these tasks (newest first if not given) with `query`."""
    from app.services.store import search_logs

    ids = params.get("ids")
    found = await asyncio.to_thread(orchard.store.tasks)
    worktrees = {t.id: t.worktree for t in found if t.worktree}  # no hit in a task's own path
    if ids is None:
        ids = [t.id for t in sorted(found, key=lambda t: -t.created_at)]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise UserError("the request needs 'ids' as a list of task ids")
    cancel = threading.Event()  # a newer search (the client went away) stops this one
    try:
        return await asyncio.to_thread(
            search_logs,
            orchard.home.logs,
            ids,
            text(params, "query"),
            number(params, "limit", 1000),
            cancel,
            worktrees,
        )
    finally:
        cancel.set()
