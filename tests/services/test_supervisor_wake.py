"""The supervisor can be woken from the window's worker threads."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from app.services.config.settings import Home
from app.services.orchard import Orchard

pytestmark = pytest.mark.timeout(30)  # a wake that never reaches the loop hangs


def test_wake_from_a_worker_thread_goes_through_the_loop(tmp_path: Path) -> None:
    async def scenario() -> None:
        asyncio.get_running_loop().set_debug(True)  # debug mode refuses cross-thread calls
        orchard = Orchard(Home(tmp_path / "home"))
        runner = asyncio.create_task(orchard.supervisor.run(until_idle=False))
        try:
            await asyncio.sleep(0.05)
            await asyncio.to_thread(orchard.supervisor.wake)
            await asyncio.sleep(0.05)
            assert not runner.done()
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            orchard.close()

    asyncio.run(scenario())
