"""Operations on the home's health: start-up recovery, what is out of step, safe repairs."""

from __future__ import annotations

from app.core.findings import Finding, StartUp
from app.core.wire import decode
from app.server.operations.registry import Params, flag, operation
from app.services.orchard import Orchard, UserError


@operation("health.start_up")
async def start_up(orchard: Orchard, params: Params) -> StartUp:
    """Rebuild a damaged database if one was set aside; with `reap`, reconcile too."""
    from app.services.recovery import start_up

    return await start_up(orchard, reap=flag(params, "reap"))


@operation("health.check")
async def check(orchard: Orchard, params: Params) -> list[Finding]:
    """Compare the database with git and the disk; return what is out of step."""
    from app.services.recovery import reconcile

    return await reconcile(orchard)


@operation("health.repair")
async def repair(orchard: Orchard, params: Params) -> str:
    """Apply the safe repair of one finding and say what it did."""
    from app.services.recovery import repair
    from app.services.repo import GitError

    finding = decode(params.get("finding"), Finding)
    if not isinstance(finding, Finding):
        raise UserError("the request needs 'finding' as a finding")
    try:
        return await repair(orchard, finding)
    except GitError as exc:  # one line, as any refusal
        raise UserError(str(exc)) from None


@operation("tasks.memory")
async def memory(orchard: Orchard, params: Params) -> dict[str, int]:
    """Return the resident memory (bytes) of each running task's agent, by task id."""
    import asyncio

    from app.core.states import ACTIVE_STATES
    from app.services.tasks import group_rss

    running = orchard.store.tasks(states=ACTIVE_STATES)
    groups = {t.pgid: t.id for t in running if t.pgid}
    sizes = await asyncio.to_thread(group_rss, list(groups)) if groups else {}
    return {groups[pgid]: size for pgid, size in sizes.items() if size}
