"""Memory: MemAvailable, a process tree's resident memory, and the hold on new agents."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.services.config.settings import Home, load_settings
from app.services.tasks import memory

HOG = f"{sys.executable} -c 'x = bytearray(50_000_000); import time; time.sleep(30)'"


def _wait_rss(pgid: int, at_least: int) -> int:
    deadline = time.monotonic() + 20
    rss = 0
    while time.monotonic() < deadline and rss < at_least:
        time.sleep(0.2)
        rss = memory.process_tree_rss(pgid)
    return rss


def test_available_memory_matches_the_kernel() -> None:
    line = next(s for s in Path("/proc/meminfo").read_text().splitlines() if "MemAvailable" in s)
    kernel = int(line.split()[1]) * 1024
    available = memory.available_memory()
    assert available is not None
    assert abs(available - kernel) < 256 * memory.MB


def test_hold_reason_names_the_setting_and_the_numbers() -> None:
    assert memory.hold_reason(0) is None  # off
    assert memory.hold_reason(1) is None
    reason = memory.hold_reason(10**9)
    assert reason is not None
    assert "MB available, below the 1000000000 MB set by [settings] min_free_memory_mb" in reason
    assert memory.hold_reason(100, available=50 * memory.MB) is not None
    assert memory.hold_reason(100, available=150 * memory.MB) is None


def test_a_real_process_tree_is_measured_whole() -> None:
    proc = subprocess.Popen(["sh", "-c", f"{HOG} & sleep 30"], start_new_session=True)
    try:
        rss = _wait_rss(proc.pid, 50_000_000)
        assert 50_000_000 <= rss < 500_000_000
        tree = memory.group_rss([proc.pid, 999_999_999])
        assert tree[proc.pid] >= 50_000_000 and tree[999_999_999] == 0
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(0.2)
    assert memory.process_tree_rss(proc.pid) == 0


def test_a_child_that_left_the_group_still_counts(tmp_path: Path) -> None:
    pidfile = tmp_path / "hog.pid"
    hog = HOG.replace("x = ", f'import os; open("{pidfile}", "w").write(str(os.getpid())); x = ')
    proc = subprocess.Popen(["sh", "-c", f"setsid {hog} & sleep 30"], start_new_session=True)
    try:
        assert _wait_rss(proc.pid, 50_000_000) >= 50_000_000  # a descendant, not a member
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(int(pidfile.read_text()), signal.SIGKILL)


def test_polling_a_hundred_tasks_is_cheap() -> None:
    pgids = [os.getpgid(0), *range(10**8, 10**8 + 99)]
    memory.group_rss(pgids)
    started = time.perf_counter()
    for _ in range(5):
        memory.group_rss(pgids)
    per_poll = (time.perf_counter() - started) / 5
    assert per_poll < 0.25, f"one poll of 100 tasks took {per_poll * 1000:.0f} ms"


def test_min_free_memory_setting_is_read_and_checked(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    assert load_settings(home).min_free_memory_mb == 2048
    home.config.write_text("[settings]\nmin_free_memory_mb = 0\n")
    assert load_settings(home).min_free_memory_mb == 0
    home.config.write_text('[settings]\nmin_free_memory_mb = "lots"\n')
    with pytest.raises(ValueError, match="min_free_memory_mb must be a whole number"):
        load_settings(home)
