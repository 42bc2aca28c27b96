"""Service benchmarks: the window as the service's client against today's in-process window.

    QT_QPA_PLATFORM=offscreen uv run python tests/bench/bench_service.py [--seconds 60] [--runs 3]

Figures (issue 19's goals), each beside its baseline from the same run:
- 100 agents each printing 2,000 JSON lines/s, one log on screen: the window's 16 ms timer late
  by at most 8 ms at p99 and 25 ms at worst; the window process at most 25% of one core; no
  line lost; every running task's log on disk within 1 s. Baseline: the window that supervises
  its own agents, as before the service.
- CPU per agent line, window plus service, at most 1.3 times the in-process window's.
- Queue to agent running, service up: within 300 ms plus `git worktree add`.
- Window start to an interactive board of 1,000 tasks with the service up: at most 500 ms.
- A read-only command with the service up (the installed `orchard` script): at most 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_window import _events, _lateness, _p, flood_home  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    """Return the CPU seconds process `pid` has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def flood(tmp: Path, service: bool, tasks: int, rate: int, seconds: float) -> dict[str, Any]:
    """Flood `tasks` agents under a window that is the service's client, or supervises."""
    from app.client import Operations, ServiceClient, stop_service
    from app.core.states import TaskState
    from app.main import build_service_window
    from app.qt.window import build_window
    from app.server.operations import local_call
    from app.services.config.settings import Home
    from app.services.orchard import Orchard
    from tests.conftest import make_repo

    name = "service-home" if service else "window-home"
    home = flood_home(tmp / name, tasks, rate, seconds)
    orchard = Orchard(Home(home))
    await orchard.add_project(str(make_repo(tmp / f"repo-{home.name}")), name="repo")
    if service:
        # The window has only the API; `orchard` here only reads, as a clock on the wall.
        window, controller = build_service_window(Home(home))
    else:
        window, controller = build_window(orchard, Operations(local_call(orchard)))
    window.show()
    runner = asyncio.ensure_future(controller.run())
    await asyncio.sleep(1.0)  # the service is up and the board streams
    idle = await _lateness(3)
    started = time.perf_counter()
    new_tasks = controller.ops.new_tasks
    ids = [t.id for _ in range(tasks) for t in await new_tasks("repo", "flood", "flood")]
    window.board.select_task(ids[0])
    waiting = (TaskState.QUEUED, TaskState.PREPARING)
    while any(orchard.task(i).state in waiting for i in ids):
        await asyncio.sleep(0.2)
    service_pid = ServiceClient(home).status()["pid"] if service else None
    cpu0, svc0 = time.process_time(), _cpu_of(service_pid) if service_pid else 0.0
    wall0 = time.perf_counter()
    stale = asyncio.ensure_future(_staleness(home, ids, orchard))
    busy = await _lateness(max(1.0, seconds - 2 - (time.perf_counter() - started)))
    stale.cancel()
    window_cpu = time.process_time() - cpu0
    service_cpu = (_cpu_of(service_pid) - svc0) if service_pid else 0.0
    wall = time.perf_counter() - wall0
    while any(orchard.task(i).state in (TaskState.RUNNING, TaskState.PREPARING) for i in ids):
        await asyncio.sleep(0.2)
    counts = [_events(home, i) for i in ids]
    states = {orchard.task(i).state for i in ids}
    controller.close()
    await runner
    orchard.close()
    if service:
        stop_service(home, force=True)
    sent = sum(max(s, 0) for s, _ in counts)
    return {
        "idle_p99": _p(idle, 99),
        "busy_p99": _p(busy, 99),
        "busy_max": max(busy or [0]),
        "window_core": 100 * window_cpu / wall,
        "cpu_per_line_us": 1e6 * (window_cpu + service_cpu) / max(1, sent * wall / seconds),
        "lost": sum(max(s - k, 0) for s, k in counts if s >= 0),
        "all_ok": states == {TaskState.SUCCEEDED},
        "stale_max": _STALE[-1],
        "sent": sent,
    }


_STALE = [0.0]


async def _staleness(home: Path, ids: list[str], orchard: Any) -> float:
    """Sample how old each running task's events file is; keep the worst, in seconds."""
    from app.core.states import TaskState

    def ages() -> list[float]:  # off the loop: its lateness is what is measured
        running = [i for i in ids if orchard.task(i).state is TaskState.RUNNING]
        now = time.time()
        return [now - (home / "logs" / i / "events.jsonl").stat().st_mtime for i in running]

    _STALE.append(0.0)
    while True:
        await asyncio.sleep(2.0)
        _STALE[-1] = max([_STALE[-1], *await asyncio.to_thread(ages)])


def queue_to_running(tmp: Path, runs: int) -> tuple[float, float, float]:
    """Median ms from queueing to the agent running: service up, foreground run, worktree add."""
    from app.client import stop_service
    from tests.conftest import git, make_repo

    repo = make_repo(tmp / "q-repo")
    home = tmp / "q-home"
    orchard = [sys.executable, "-m", "app", "--home", str(home)]
    env = {**os.environ, "ORCHARD_SERVICE": "on"}
    subprocess.run([*orchard, "project", "add", str(repo)], check=True, env=env, cwd=ROOT)
    subprocess.run([*orchard, "service", "start"], check=True, env=env, cwd=ROOT, stdout=-3)
    service = [_queued_to_ran(orchard, env) for _ in range(runs)]
    stop_service(home, force=True)
    off = {**env, "ORCHARD_SERVICE": "off"}  # today's way: queue, then `orchard run`
    inproc = [_queued_to_ran(orchard, off, then=[*orchard, "run"]) for _ in range(runs)]
    adds = []
    for n in range(runs):
        t0 = time.perf_counter()
        git(repo, "worktree", "add", "-q", "-b", f"bench{n}", str(tmp / f"wt{n}"))
        adds.append((time.perf_counter() - t0) * 1000)
    return statistics.median(service), statistics.median(inproc), statistics.median(adds)


def _queued_to_ran(orchard: list[str], env: dict[str, str], then: list[str] | None = None) -> float:
    import json

    out = subprocess.run(
        [*orchard, "task", "new", "q-repo", "date +%s.%N", "--agent", "shell", "--json"],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    task = json.loads(out)
    if then:
        subprocess.run(then, env=env, cwd=ROOT, check=True, stdout=-3, stderr=-3)
    for _ in range(400):
        shown = subprocess.run(
            [*orchard, "task", "logs", task["id"]],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
        numbers = [w for w in shown.split() if w.replace(".", "", 1).isdigit() and "." in w]
        if numbers:
            return (float(numbers[0]) - task["created_at"]) * 1000
        time.sleep(0.05)
    raise RuntimeError("the agent never ran")


def window_start(tmp: Path, n_tasks: int, runs: int) -> tuple[float, float]:
    """Median s from `python -m app` to an interactive board of `n_tasks`, the service up."""
    from app.client import ensure_service, stop_service
    from tests.bench.bench_window import cold_start

    home = tmp / "start-home"
    # cold_start fills the home and times the window; here its service is already running.
    ensure_service(home)
    try:
        _, warm, qt_import = cold_start(tmp, n_tasks)
    finally:
        stop_service(home, force=True)
    return warm, qt_import


def read_command(tmp: Path, runs: int) -> tuple[float, float]:
    """Median ms of `orchard task list` with the service up, and without (today's path)."""
    from app.client import ensure_service, stop_service

    script = Path(sys.executable).with_name("orchard")
    home = tmp / "start-home"
    argv = [str(script), "--home", str(home), "task", "list"]
    ensure_service(home)

    def timed(env: dict[str, str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        return (time.perf_counter() - t0) * 1000

    try:
        on = [timed({**os.environ, "ORCHARD_SERVICE": "on"}) for _ in range(runs)]
        off = [timed({**os.environ, "ORCHARD_SERVICE": "off"}) for _ in range(runs)]
    finally:
        stop_service(home, force=True)
    return statistics.median(on), statistics.median(off)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--tasks", type=int, default=100)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-flood", action="store_true")
    args = ap.parse_args()
    import qasync
    from PySide6.QtWidgets import QApplication

    tmp = Path(tempfile.mkdtemp(prefix="orchard-bench-service-"))
    floods: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    try:
        q_service, q_inproc, q_add = queue_to_running(tmp, 7)
        start, qt_import = window_start(tmp, 1000, 3)
        read_on, read_off = read_command(tmp, 15)
        if not args.no_flood:
            app = QApplication([])
            app.setQuitOnLastWindowClosed(False)
            loop = qasync.QEventLoop(app)
            asyncio.set_event_loop(loop)
            with loop:
                for n in range(args.runs):
                    for service in (True, False):
                        sub = tmp / f"flood-{n}-{service}"
                        sub.mkdir()
                        floods[service].append(
                            loop.run_until_complete(
                                flood(sub, service, args.tasks, args.rate, args.seconds)
                            )
                        )
                        shutil.rmtree(sub, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{'figure':<48} {'service':>14} {'baseline':>22} {'goal':>12}")
    _row(
        "queue to agent running (median of 7)",
        f"{q_service:.0f} ms",
        f"{q_inproc:.0f} ms new + run",
        f"<= {300 + q_add:.0f} ms",
    )
    _row("  of which git worktree add", f"{q_add:.0f} ms", "", "")
    _row(
        "window start, 1,000 tasks, service up",
        f"{start * 1000:.0f} ms",
        f"{qt_import * 1000:.0f} ms import Qt",
        "<= 500 ms",
    )
    _row(
        "`orchard task list`, installed script",
        f"{read_on:.0f} ms",
        f"{read_off:.0f} ms no service",
        "<= 150 ms",
    )
    if floods[True]:
        s, w = _medians(floods[True]), _medians(floods[False])
        print(
            f"\n{args.tasks} tasks x {args.rate:,} lines/s for {args.seconds:g} s, "
            f"median of {args.runs} runs each"
        )
        _row(
            "16 ms timer lateness p99, flooding",
            f"{s['busy_p99']:.1f} ms",
            f"{w['busy_p99']:.1f} ms in-process",
            "<= 8 ms",
        )
        _row(
            "16 ms timer lateness max, flooding",
            f"{s['busy_max']:.1f} ms",
            f"{w['busy_max']:.1f} ms in-process",
            "<= 25 ms",
        )
        _row(
            "window process CPU, % of one core",
            f"{s['window_core']:.0f} %",
            f"{w['window_core']:.0f} % in-process",
            "<= 25 %",
        )
        _row(
            "CPU per agent line, window + service",
            f"{s['cpu_per_line_us']:.1f} us",
            f"{w['cpu_per_line_us']:.1f} us in-process",
            f"<= {1.3 * w['cpu_per_line_us']:.1f} us",
        )
        _row("lines lost", f"{int(s['lost'])}", f"{int(w['lost'])} in-process", "0")
        _row(
            "oldest running task's log on disk",
            f"{s['stale_max']:.2f} s",
            f"{w['stale_max']:.2f} s in-process",
            "<= 1 s",
        )
        _row("lines the agents wrote", f"{int(s['sent']):,}", f"{int(w['sent']):,} in-process", "")
        _row(
            "every task succeeded",
            str(all(r["all_ok"] for r in floods[True])),
            str(all(r["all_ok"] for r in floods[False])),
            "True",
        )
    return 0


def _medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {k: statistics.median(float(r[k]) for r in runs) for k in runs[0]}


def _row(name: str, value: str, base: str, goal: str) -> None:
    print(f"{name:<48} {value:>14} {base:>22} {goal:>12}")


if __name__ == "__main__":
    raise SystemExit(main())
