"""Qt tests run offscreen and fail if a test leaks a thread, a running timer or a window."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _active_timers() -> dict[int, Any]:
    """Return the running QTimers owned by the application or by any top-level widget."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    owners = [QApplication.instance(), *QApplication.topLevelWidgets()]
    return {id(t): t for o in owners for t in o.findChildren(QTimer) if t.isActive()}


@pytest.fixture(autouse=True)
def no_leaks(qapp: object) -> Iterator[None]:
    """Fail the test if it leaves a visible window, a running timer or a new thread behind."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    threads_before = {t.ident for t in threading.enumerate()}
    windows_before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
    timers_before = set(_active_timers())
    yield
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)  # deleteLater()s
    leaked_windows = [
        w for w in QApplication.topLevelWidgets() if w.isVisible() and id(w) not in windows_before
    ]
    for w in leaked_windows:
        w.close()
    leaked_timers = [t for i, t in _active_timers().items() if i not in timers_before]
    leaked_names = [
        f"{t.parent().__class__.__name__}/{t.objectName() or 'QTimer'}" for t in leaked_timers
    ]
    for t in leaked_timers:
        t.stop()
    leaked_threads = [
        t
        for t in threading.enumerate()
        if t.ident not in threads_before and t.is_alive() and not t.daemon
    ]
    assert not leaked_windows, f"windows left open: {leaked_windows}"
    assert not leaked_timers, f"timers left running: {leaked_names}"
    assert not leaked_threads, f"threads left running: {leaked_threads}"


@pytest.fixture
def app_look(qapp: Any) -> Iterator[Any]:
    """Give the app back its style, palette and theme after a test that changes them."""
    from PySide6.QtGui import QPalette

    from app.qt.shell.theme import apply_theme

    style, colours = qapp.style().name(), QPalette(qapp.palette())
    yield qapp
    apply_theme("system")
    qapp.setStyle(style)
    qapp.setPalette(colours)


@pytest.fixture
def loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop on the test's QApplication, with plain threads for to_thread.

    qasync's own default executor is a pool of QThreads that aborts the process if one
    outlives the loop; the app sets the same plain executor (app/main.py).
    """
    import qasync

    qapp.setQuitOnLastWindowClosed(False)  # the controller decides when the app ends

    class Loop(qasync.QEventLoop):  # type: ignore[misc]
        def run_until_complete(self, future: Awaitable[Any]) -> Any:
            """Run until `future` is done, and no further.

            qasync's own then processes Qt events once more with no loop running: a task
            stepped in that pass (a supervisor's git call) failed with 'no running event
            loop', and left a 'coroutine was never awaited' warning.
            """
            task = asyncio.ensure_future(future, loop=self)
            task.add_done_callback(self._stop_now)
            try:
                self.run_forever()
            finally:
                task.remove_done_callback(self._stop_now)
            if not task.done():
                raise RuntimeError("the loop stopped before the future was done")
            return task.result()

        def _stop_now(self, _: object) -> None:
            self.stop()

    loop = Loop(qapp, already_running=False)
    threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="test-io")
    loop.set_default_executor(threads)
    asyncio.set_event_loop(loop)
    yield loop
    _settle(loop)
    # Not loop.close(): a closed qasync loop leaves deleted notifiers behind that crash
    # the next test's loop on the same QApplication.
    threads.shutdown(wait=True, cancel_futures=True)
    asyncio.set_event_loop(None)
    _LOOPS.append(loop)


_LOOPS: list[asyncio.AbstractEventLoop] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """End the tasks of the test's loop as soon as the test returns.

    pytest-qt processes Qt events right after each test, before any fixture's teardown
    (which may still use the loop, so it is settled only then).
    """
    try:
        return (yield)
    finally:
        loop = getattr(item, "funcargs", {}).get("loop")
        if isinstance(loop, asyncio.AbstractEventLoop):
            _end_tasks(loop)


def _end_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a test left running on its loop, and wait for it to end.

    A task left pending was otherwise stepped by pytest-qt's event processing, with no
    loop running.
    """
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=10))


def _settle(loop: asyncio.AbstractEventLoop) -> None:
    """End a test's loop for good: its tasks, its fd notifiers and its Qt timers.

    A notifier left enabled on a file descriptor number that the next test's loop reuses
    (a child's pidfd) kept Qt from watching it for the new loop: the child's exit went
    unseen and the test hung.
    """
    _end_tasks(loop)
    for name in ("_read_notifiers", "_write_notifiers"):
        notifiers = getattr(loop, name, {})
        for notifier in notifiers.values():
            notifier.setEnabled(False)
        notifiers.clear()
    # Whatever a last callback scheduled is dropped: a later test's event processing fires
    # this loop's Qt timers, and a stopped timer kills them instead of running them.
    loop._timer.stop()  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def close_loops_at_the_end() -> Iterator[None]:
    """Close every test's loop once no test needs the QApplication any more.

    Otherwise each one is closed by its finalizer at exit, after Qt has deleted the
    objects it would disconnect, and prints a RuntimeError per loop.
    """
    yield
    for loop in _LOOPS:
        loop.close()
    _LOOPS.clear()


async def until(check: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    """Poll `check` on the running loop until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.02)
    return value


def run(loop: asyncio.AbstractEventLoop, scenario: Callable[[], Awaitable[None]]) -> None:
    """Run one async test scenario on the qasync loop."""
    loop.run_until_complete(scenario())


def walked(root: object) -> int:
    """Return how many references a full collection follows in the containers under `root`.

    Follows lists, tuples, dicts, sets and Orchard's own objects, as long as they are
    tracked: an untracked one (a tuple of strings after its first collection) is not walked.
    """
    total, todo, seen = 0, [root], set()
    while todo:
        obj = todo.pop()
        if id(obj) in seen or not gc.is_tracked(obj):
            continue
        seen.add(id(obj))
        referents = [r for r in gc.get_referents(obj) if not isinstance(r, type)]
        total += len(referents)
        todo += [r for r in referents if _walkable(r)]
    return total


def _walkable(obj: object) -> bool:
    return isinstance(obj, list | tuple | dict | set) or type(obj).__module__.startswith("app.")
