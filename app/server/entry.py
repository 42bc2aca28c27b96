"""The service's process: `python -m app.server --home DIR`, started by a client, detached."""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
from pathlib import Path

from aiohttp import web

from app.localsocket import SERVICE_FAILURE, SERVICE_LOG
from app.server.api import build_app
from app.server.service import Service, ServiceFailed, write_failure
from app.services.config import ConfigError, Home
from app.services.orchard import Orchard

LOG_BYTES = 1_000_000
LOG_BACKUPS = 3


def main(argv: list[str] | None = None) -> int:
    """Run the service for one home until it stops; return the exit code."""
    parser = argparse.ArgumentParser(prog="orchard-service")
    parser.add_argument("--home", required=True)
    parser.add_argument("--idle-exit-seconds", type=float, default=None)
    args = parser.parse_args(argv)
    # A frozen bundle reaches here through cli.main (`--run-module`), which already gave the
    # agents the user's library path back: a second restore would take it away again.
    root = Path(args.home)
    root.mkdir(parents=True, exist_ok=True)
    _log_to(root / SERVICE_LOG)
    try:
        return asyncio.run(serve(root, args.idle_exit_seconds))
    except (ServiceFailed, ConfigError, OSError) as exc:
        logging.getLogger(__name__).error("cannot start: %s", exc)
        write_failure(root, str(exc))
        return 1


async def serve(root: Path, idle_exit_seconds: float | None = None) -> int:
    """Take the home, listen on its socket, and supervise until told to stop."""
    log = logging.getLogger("app.server")
    orchard = Orchard(Home(root))
    service = Service(orchard, idle_exit_seconds)
    try:
        service.take_home()
        sock = service.listen()
        runner = web.AppRunner(
            build_app(service),
            handle_signals=False,
            handler_cancellation=True,
            access_log=None,
            shutdown_timeout=2.0,
        )
        await runner.setup()
        await web.SockSite(runner, sock).start()
        (root / SERVICE_FAILURE).unlink(missing_ok=True)
        log.info("serving %s on %s (pid %s)", root, service.socket, service.status()["pid"])
        try:
            request = await service.run()
        finally:
            await runner.cleanup()
        log.info("stopped: %s", request.reason)
    finally:
        service.close()
    service.start_successor()  # the home is free: a newer Orchard's service takes it
    return 0


def _log_to(path: Path) -> None:
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
