"""Compare benchmark: opening the compare view of 3 attempts of a 500-file change. Not a test.

    uv run python tests/bench/bench_compare.py [--reps 7]

Builds a repository and three attempts of one prompt, each a worktree whose branch changes the
same 500 files differently (about 17,000 changed lines each). Opening the compare view asks the
scoreboard and every attempt's changed files at once; the figure is timed through the running
background service, as the window asks it, and printed beside plain git doing the same listing
(`git diff --numstat` of each attempt) in the same run. Medians of several repetitions.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from tests.bench.bench_review import git, git_job, median_of, say

N_FILES = 500
LINES = 100
ATTEMPTS = 3
GOAL = 0.300


def source(i: int, attempt: int) -> str:
    out = []
    for n in range(LINES):
        changed = attempt and n % (3 + attempt) == 0
        out.append(f"    value_{i}_{n} = compute({'v' + str(attempt) if changed else 'a'}, {n})\n")
    return "".join(out)


def build(root: Path) -> tuple[Path, str, list[Path]]:
    repo = root / "repo"
    (repo / "src").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for i in range(N_FILES):
        (repo / "src" / f"m{i:03d}.py").write_text(source(i, 0))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    worktrees = []
    for a in range(1, ATTEMPTS + 1):
        wt = root / f"attempt{a}"
        git(repo, "worktree", "add", "-q", "-b", f"task/attempt{a}", str(wt), base)
        for i in range(N_FILES):
            (wt / "src" / f"m{i:03d}.py").write_text(source(i, a))
        git(wt, "add", "-A")
        git(wt, "commit", "-qm", f"attempt {a}")
        worktrees.append(wt)
    return repo, base, worktrees


async def measure(root: Path, repo: Path, base: str, worktrees: list[Path], reps: int) -> None:
    from app.client import Operations, ServiceClient, client_call, ensure_service, stop_service
    from app.core.states import TaskState
    from app.core.task import Task
    from app.services.config import Home
    from app.services.land import attempts
    from app.services.orchard import Orchard

    home = root / "home"
    orchard = Orchard(Home(home))
    await orchard.add_project(str(repo), name="repo")
    tasks = [
        Task(
            f"{a:032x}",
            "repo",
            "Coupons",
            "prompt",
            "shell",
            TaskState.SUCCEEDED,
            f"task/attempt{a}",
            str(wt),
            "main",
            base,
            time.time() + a,
            group="g" * 32,
        )
        for a, wt in enumerate(worktrees, 1)
    ]
    orchard.store.add_tasks(tasks)
    changes = await attempts.group_changes(orchard, tasks[0].id)
    lines = sum(
        f.insertions + f.deletions for a in changes.attempts if a.snapshot for f in a.snapshot.files
    )
    say(f"{ATTEMPTS} attempts, {len(changes.paths())} files, {lines:,} changed lines in all")

    async def plain_git() -> None:
        await asyncio.gather(*(git_job(wt, "diff", "--numstat", base) for wt in worktrees))

    git_time = await median_of(reps, plain_git)

    async def in_process() -> None:
        await attempts.open_group(orchard, tasks[0].id)

    local = await median_of(reps, in_process)
    orchard.close()
    await asyncio.to_thread(ensure_service, home)
    try:
        ops = Operations(client_call(ServiceClient(home)))

        async def window() -> None:
            _, found = await ops.open_group(tasks[0].id)
            await ops.file_versions(found, found.paths()[0])

        await window()
        served = await median_of(reps, window)
    finally:
        await asyncio.to_thread(stop_service, home, False, True)
    print(f"\ncompare bench: medians of {reps}; ratio = orchard / plain git")
    print(f"{'figure':<52}{'orchard':>10}{'git':>10}{'ratio':>8}  goal")
    for name, value, goal in (
        ("open compare, 3 x 500 files, in process", local, None),
        ("open compare + first file's versions, via service", served, GOAL),
    ):
        met = "" if goal is None else f"<= {goal * 1000:.0f} ms {'yes' if value <= goal else 'NO'}"
        print(
            f"{name:<52}{value * 1000:>8.1f}ms{git_time * 1000:>8.1f}ms"
            f"{value / git_time:>7.2f}x  {met}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="orchard-bench-compare-"))
    try:
        say(f"building {ATTEMPTS} attempts of {N_FILES} files in {root} ...")
        repo, base, worktrees = build(root)
        asyncio.run(measure(root, repo, base, worktrees, args.reps))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
