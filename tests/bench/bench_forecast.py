"""Conflict forecast benchmark. Not run as a test.

    uv run python tests/bench/bench_forecast.py [--tasks 100] [--files 2000] [--runs 5]

A repository of ~2,000 files with 100 pending task branches (5-20 changed files each, some
files popular so tasks overlap), a few running tasks with uncommitted work in their worktrees,
and new commits on main since the tasks started. Prints, each beside a baseline measured in
the same run: the full forecast (goal <= 5 s) and one branch against its target (<= 100 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.naming import short_id  # noqa: E402
from app.core.states import TaskState  # noqa: E402
from app.core.task import Task  # noqa: E402
from app.services.config.settings import Home  # noqa: E402
from app.services.land import forecast as forecast_service  # noqa: E402
from app.services.orchard import Orchard  # noqa: E402
from tests.taskkit import make_task  # noqa: E402

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}
LINES = 60
HOT_FILES = 40  # a few files many tasks touch (routes, settings, a changelog)
HOT_SHARE = 0.12
RUNNING = 5


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, env=GIT_ENV, input=stdin, check=True, capture_output=True
    ).stdout.decode()


def _content(path: str, edits: dict[int, str]) -> bytes:
    return "".join(edits.get(n, f"{path} line {n}") + "\n" for n in range(1, LINES + 1)).encode()


def _blob(path: str, data: bytes) -> bytes:
    return f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"


def _commit(ref: str, parent: str | None, message: str, files: dict[str, bytes]) -> bytes:
    head = f"commit {ref}\ncommitter Bench <b@l> 1700000000 +0000\ndata {len(message)}\n{message}\n"
    head += f"from {parent}\n" if parent else ""
    return head.encode() + b"".join(_blob(p, d) for p, d in files.items()) + b"\n"


def _task_edits(rng: random.Random, paths: list[str]) -> dict[str, bytes]:
    chosen: set[str] = set()
    for _ in range(rng.randint(5, 20)):
        pool = paths[:HOT_FILES] if rng.random() < HOT_SHARE else paths[HOT_FILES:]
        chosen.add(rng.choice(pool))
    return {p: _content(p, {rng.randint(1, LINES): f"edit {rng.random()}"}) for p in sorted(chosen)}


def build(root: Path, tasks: int, files: int, seed: int = 7) -> tuple[Orchard, list[Task]]:
    """Make the repository, its task branches and worktrees, and the Orchard that knows them."""
    rng = random.Random(seed)
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    paths = [f"pkg{n % 40}/mod{n}.py" for n in range(files)]
    stream = _commit("refs/heads/main", None, "initial", {p: _content(p, {}) for p in paths})
    _git(repo, "fast-import", "--quiet", stdin=stream)
    base = _git(repo, "rev-parse", "main").strip()
    ids = [uuid.uuid4().hex for _ in range(tasks)]
    branches = [f"orchard/{short_id(i)}-bench" for i in ids]
    stream = b"".join(
        _commit(f"refs/heads/{b}", base, f"task {n}", _task_edits(rng, paths))
        for n, b in enumerate(branches)
    )
    for n in range(3):  # main moves on after the tasks started
        parent = base if n == 0 else None
        stream += _commit("refs/heads/main", parent, f"main {n}", _task_edits(rng, paths))
    _git(repo, "fast-import", "--quiet", stdin=stream)
    _git(repo, "reset", "-q", "--hard", "main")
    orchard = Orchard(Home(root / "home"))
    asyncio.run(orchard.add_project(str(repo)))
    made = [
        _task(root, repo, i, b, base, n < RUNNING, rng, paths)
        for n, (i, b) in enumerate(zip(ids, branches, strict=True))
    ]
    orchard.store.add_tasks(made)
    return orchard, made


def _task(
    root: Path,
    repo: Path,
    task_id: str,
    branch: str,
    base: str,
    running: bool,
    rng: random.Random,
    paths: list[str],
) -> Task:
    worktree = root / "wt" / short_id(task_id)
    if running:  # a live agent: a worktree with uncommitted edits
        _git(repo, "worktree", "add", "-q", str(worktree), branch)
        for path, data in _task_edits(rng, paths).items():
            (worktree / path).write_bytes(data)
    return make_task(
        id=task_id,
        project="repo",
        title="bench",
        prompt="bench",
        state=TaskState.RUNNING if running else TaskState.SUCCEEDED,
        branch=branch,
        worktree=str(worktree),
        base_commit=base,
        created_at=time.time(),
    )


def median_ms(fn: Callable[[], Awaitable[object]], runs: int, before: Callable[[], None]) -> float:
    """Return the median wall time of `fn` in milliseconds, `before` run untimed each time."""
    times = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        asyncio.run(fn())  # type: ignore[arg-type]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def naive_all_pairs_ms(repo: str, tips: list[str], sample: int) -> float:
    """Time merge-tree on a sample of all pairs (two at once, like the forecast) and extrapolate."""
    pairs = [(a, b) for i, a in enumerate(tips) for b in tips[i + 1 :]]
    chosen = random.Random(1).sample(pairs, sample)
    sem = asyncio.Semaphore(forecast_service.CONCURRENCY)

    async def one(a: str, b: str) -> None:
        async with sem:
            proc = await asyncio.create_subprocess_exec(
                "git", "merge-tree", "--write-tree", "--name-only", "--no-messages", a, b,
                cwd=repo, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await proc.wait()

    async def run() -> None:
        await asyncio.gather(*(one(a, b) for a, b in chosen))

    start = time.perf_counter()
    asyncio.run(run())
    return (time.perf_counter() - start) * 1000 * len(pairs) / sample


def single_merge_tree_ms(repo: str, a: str, b: str, runs: int) -> float:
    """Return the median time of one `git merge-tree` of `b` into `a`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            ["git", "merge-tree", "--write-tree", "--name-only", "--no-messages", a, b],
            cwd=repo,
            capture_output=True,
        )
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Build the repository, measure, print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orchard-forecast-bench-") as tmp:
        orchard, tasks = build(Path(tmp), args.tasks, args.files)
        repo = orchard.store.project("repo").path
        report(orchard, tasks, repo, args.runs)
        orchard.close()


def report(orchard: Orchard, tasks: list[Task], repo: str, runs: int) -> None:
    """Measure the forecast and its baselines and print them side by side."""
    cache = forecast_service.cache_of(orchard)

    def cold() -> None:
        cache.bases.clear()
        cache.changes.clear()
        cache.merges.clear()

    result = asyncio.run(forecast_service.forecast(orchard))
    pairs = len(cache.merges)
    clashes = sum(len(result.for_task(t.id)) for t in tasks)
    conflicts = sum(c.kind == "conflict" for t in tasks for c in result.for_task(t.id))
    full_cold = median_ms(lambda: forecast_service.forecast(orchard), runs, cold)
    full_warm = median_ms(lambda: forecast_service.forecast(orchard), runs, lambda: None)
    ended = [t for t in tasks if t.state is TaskState.SUCCEEDED]
    picks = iter(ended * runs * 4)
    one_cold = median_ms(
        lambda: forecast_service.forecast_task(orchard, next(picks).id), runs * 4, cold
    )
    tips = [_git(Path(repo), "rev-parse", t.branch).strip() for t in tasks]
    naive = naive_all_pairs_ms(repo, tips, 120)
    single = single_merge_tree_ms(repo, "main", ended[0].branch, runs * 4)
    print(
        f"{len(tasks)} pending tasks ({RUNNING} running with uncommitted work), "
        f"{len(tips) * (len(tips) - 1) // 2} pairs, {pairs} merge-tree runs after the path filter "
        f"(pairs sharing a path + tasks against main), {clashes // 1} clashes "
        f"({conflicts} conflicts) listed; git concurrency {forecast_service.CONCURRENCY}\n"
    )
    all_pairs = "merge-tree on all pairs (extrapolated)"
    rows = [
        ("full forecast, cold cache", full_cold, all_pairs, naive, 5000),
        ("full forecast, warm cache", full_warm, all_pairs, naive, 5000),
        ("one branch vs its target, cold", one_cold, "one bare `git merge-tree`", single, 100),
    ]
    print(f"{'figure':<34}{'orchard':>11}  {'baseline':<42}{'value':>11}{'goal':>10}  met")
    for name, value, base_name, base, goal in rows:
        met = "yes" if value <= goal else "NO"
        print(f"{name:<34}{value:>9.0f}ms  {base_name:<42}{base:>9.0f}ms{goal:>8}ms  {met}")


if __name__ == "__main__":
    main()
