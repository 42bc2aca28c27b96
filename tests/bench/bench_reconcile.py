"""Start-up reconciliation benchmark. Not run as a test.

    uv run python tests/bench/bench_reconcile.py [--tasks 100] [--orphans 20] [--runs 5]

100 tasks in one project: half left "running" with recorded process groups that are dead,
20 with live orphan groups (real `sleep` processes in their own sessions), the rest ended
with worktrees on disk. Times the reaper (Supervisor.reconcile, which kills the 20) and the
comparison with git (find_faults), each beside a baseline measured in the same run: a plain
os.kill(pid, 0) loop over the same pids, and one `git worktree list` per task (what a
per-task check would cost). Goal: the whole reconciliation under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.findings import ORPHAN_KILLED  # noqa: E402
from app.core.states import TaskState  # noqa: E402
from app.services import process  # noqa: E402
from app.services.config.settings import Home  # noqa: E402
from app.services.orchard import Orchard  # noqa: E402
from app.services.recovery.reconciliation import find_faults  # noqa: E402
from tests.conftest import git, make_repo  # noqa: E402


def _dead_pid() -> tuple[int, int | None]:
    """Return the pid and start time of a process that has exited (its group is gone)."""
    p = subprocess.Popen(["true"], start_new_session=True)
    start = process.process_start_time(p.pid)
    p.wait()
    return p.pid, start


async def _build(
    root: Path, tasks: int, orphans: int
) -> tuple[Orchard, list[subprocess.Popen[bytes]]]:
    repo = make_repo(root / "repo")
    orchard = Orchard(Home(root / "home"))
    await orchard.add_project(str(repo))
    made = []
    for n in range(tasks):
        [task] = await orchard.new_tasks("repo", f"task {n} {uuid.uuid4().hex[:6]}", agent="shell")
        made.append(task)
    sleepers = []
    half = tasks // 2
    for n, task in enumerate(made):
        orchard.store.update(task.id, state=TaskState.PREPARING)
        if n < half:
            pid, start = _dead_pid()
        elif n < half + orphans:
            sleeper = subprocess.Popen(["sleep", "300"], start_new_session=True)
            sleepers.append(sleeper)
            pid, start = sleeper.pid, process.process_start_time(sleeper.pid)
        else:
            git(repo, "worktree", "add", "-q", "-b", task.branch, task.worktree)
            orchard.store.update(task.id, state=TaskState.FAILED, turns=1, error="bench")
            continue
        orchard.store.update(task.id, state=TaskState.RUNNING, pgid=pid, proc_start=start)
    return orchard, sleepers


def _baseline_kill_loop(pids: list[int]) -> float:
    started = time.perf_counter()
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, 0)
    return time.perf_counter() - started


async def _baseline_worktree_lists(repo: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await process.run(["git", "worktree", "list", "--porcelain"], cwd=repo)
    return time.perf_counter() - started


async def _once(tasks: int, orphans: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="orchard-bench-") as tmp:
        orchard, sleepers = await _build(Path(tmp), tasks, orphans)
        try:
            pids = [t.pgid for t in orchard.store.tasks() if t.pgid]
            orchard.lock.acquire()
            started = time.perf_counter()
            interrupted = orchard.supervisor.reconcile()
            reap = time.perf_counter() - started
            started = time.perf_counter()
            findings = await find_faults(orchard.home, orchard.store)
            compare = time.perf_counter() - started
            killed = [f for f in orchard.supervisor.findings if f.kind == ORPHAN_KILLED]
            assert len(interrupted) == tasks - (tasks - tasks // 2 - orphans) and findings == []
            assert len(killed) == orphans, killed
            for sleeper in sleepers:
                assert sleeper.wait(timeout=5) == -9
            repo = orchard.store.project("repo").path
            return {
                "reap": reap,
                "compare": compare,
                "total": reap + compare,
                "kill_loop": _baseline_kill_loop(pids),
                "worktree_lists": await _baseline_worktree_lists(repo, tasks),
            }
        finally:
            for sleeper in sleepers:
                sleeper.kill()
                sleeper.wait()
            orchard.close()


def main() -> None:
    """Run the benchmark and print medians beside their baselines."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--orphans", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = [asyncio.run(_once(args.tasks, args.orphans)) for _ in range(args.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    n = args.tasks
    print(
        f"reconcile {n} tasks ({n // 2} dead groups, {args.orphans} live orphans killed), "
        f"median of {args.runs}:"
    )
    print(
        f"  reaper (Supervisor.reconcile)     {med['reap'] * 1000:8.1f} ms"
        f"   baseline os.kill(pid, 0) x{len(range(n // 2 + args.orphans))}: "
        f"{med['kill_loop'] * 1000:.2f} ms"
    )
    print(
        f"  compare with git (find_faults)    {med['compare'] * 1000:8.1f} ms"
        f"   baseline `git worktree list` x{n}: {med['worktree_lists'] * 1000:.1f} ms"
    )
    verdict = "ok" if med["total"] < 1.0 else "TOO SLOW"
    print(
        f"  total                             {med['total'] * 1000:8.1f} ms   "
        f"goal < 1000 ms: {verdict}"
    )


if __name__ == "__main__":
    main()
