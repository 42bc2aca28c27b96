"""Composition root: build the services, then the window; nothing else."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__
from app.installation import APP_ID, icon_file
from app.services.config import ConfigError, Home
from app.services.orchard import Orchard

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication


def run_window(home: str | None, demo: bool = False) -> int:
    """Open the window on Orchard's home (or a throwaway demo home) and run until it closes."""
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    brand(app)
    app.setQuitOnLastWindowClosed(False)  # the controller ends the app, after stopping agents
    loop = qasync.QEventLoop(app)
    # Plain threads for asyncio.to_thread: qasync's default QThread pool aborts the
    # process at exit if one of its threads is still alive.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=2, thread_name_prefix="orchard"))
    asyncio.set_event_loop(loop)
    try:
        with loop:
            return loop.run_until_complete(open_window(home, demo))
    except ConfigError as exc:
        print(f"orchard: {exc}", file=sys.stderr)
        return 1


def brand(app: QApplication) -> None:
    """Name the application, tie its windows to the desktop entry, and give them the icon."""
    from PySide6.QtGui import QIcon

    app.setApplicationName("Orchard")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(icon_file())))


async def open_window(home: str | None, demo: bool = False) -> int:
    """Build Orchard and its window, show it, and run until it closes.

    The agents run in the home's background service, which the window starts if need be.
    """
    from app.client import Operations, link_call
    from app.qt.shell import as_client
    from app.qt.window import build_window

    if demo:
        from app.server.operations import local_call  # the service's operations, in place

        # The demo's throwaway home is supervised by its window: nothing of it outlives it.
        root = Path(tempfile.mkdtemp(prefix="orchard-demo-"))
        orchard = Orchard(Home(root / "home"))
        window, controller = build_window(orchard, Operations(local_call(orchard)), demo=True)
    else:
        orchard = Orchard(Home.locate(home))
        remote = as_client(orchard)
        window, controller = build_window(
            orchard, Operations(link_call(remote.link)), remote=remote
        )
    window.show()
    try:
        if demo:
            controller.spawn(controller.projects.try_demo())
        await controller.run()
    finally:
        orchard.close()
    return 0
