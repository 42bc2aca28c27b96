"""Qt tests run offscreen and fail if a test leaks a thread, a timer-owning window or a window."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def no_leaks(qapp: object) -> Iterator[None]:
    """Fail the test if it leaves a visible top-level window or a new thread behind."""
    from PySide6.QtWidgets import QApplication

    threads_before = {t.ident for t in threading.enumerate()}
    windows_before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
    yield
    QApplication.processEvents()
    leaked_windows = [
        w for w in QApplication.topLevelWidgets() if w.isVisible() and id(w) not in windows_before
    ]
    for w in leaked_windows:
        w.close()
    leaked_threads = [
        t
        for t in threading.enumerate()
        if t.ident not in threads_before and t.is_alive() and not t.daemon
    ]
    assert not leaked_windows, f"windows left open: {leaked_windows}"
    assert not leaked_threads, f"threads left running: {leaked_threads}"
