"""Composition root: build the services, then the window; nothing else."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__
from app.installation import APP_ID, icon_file
from app.services.config import ConfigError, Home

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from app.qt.shell import MainWindow, WindowController


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
    if demo:
        return await _run_demo_window()
    window, controller = build_service_window(Home.locate(home))
    window.show()
    await controller.run()
    return 0


def build_service_window(home: Home) -> tuple[MainWindow, WindowController]:
    """Return a window of `home`'s service: no database, no agents, only the API."""
    from app.client import Operations, ServiceClient, client_call, link_call
    from app.qt.shell import service_home
    from app.qt.window import build_window
    from app.services.config import load_settings

    found = home.ensure()
    served = service_home(found, load_settings(found))
    # Async: an operation waiting an hour (a land's tests) holds no thread, and closing the
    # window ends it at once. Only the board's reads go by the small stdlib client: short,
    # and the first one would otherwise wait on httpx's import (~100 ms of the window's start).
    start = served.supervisor.link.start
    quick, slow = client_call(ServiceClient(found.root), start), link_call(served.supervisor.link)

    async def call(name: str, params: dict[str, Any], on_progress: Any) -> dict[str, Any]:
        ask = quick if name == "tasks.list" else slow
        return await ask(name, params, on_progress)

    return build_window(served, Operations(call), remote=served.supervisor)


async def _run_demo_window() -> int:
    """Run the demo: its throwaway home is supervised by its window; nothing of it outlives it."""
    from app.client import Operations
    from app.qt.window import build_window
    from app.server.operations import local_call  # the service's operations, in place
    from app.services.orchard import Orchard

    root = Path(tempfile.mkdtemp(prefix="orchard-demo-"))
    orchard = Orchard(Home(root / "home"))
    window, controller = build_window(orchard, Operations(local_call(orchard)), demo=True)
    # The first write would import SQLModel (~300 ms) on the loop: a thread does it now.
    controller.spawn(asyncio.to_thread(orchard.store.prepare_writes))
    window.show()
    try:
        controller.spawn(controller.projects.try_demo())
        await controller.run()
    finally:
        orchard.close()
    return 0
