"""Review benchmarks: the file list, the first file, a big file, word spans. Not run as tests.

    uv run python tests/bench/bench_review.py [--reps 7] [--keep DIR]

Builds a repository whose task branch changes 5,000 files and about 210,000 lines (one of them
a 20,000-line, 500 KB file with every line changed), checked out in a worktree that also has
uncommitted and untracked work. Each Orchard figure is a median over several repetitions,
printed beside the plain `git diff` doing the same job on the same change in the same run.
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
from collections.abc import Awaitable, Callable
from pathlib import Path

from app.core.diff import FileEntry, RowKind, unified_rows, word_spans
from app.services.land.review import ReviewSnapshot, changed_files, file_diff

N_FILES = 5_000
SMALL_LINES = 100  # lines per small file
SMALL_CHANGED = 17  # lines changed per small file: 17 insertions + 17 deletions
BIG_LINES = 20_000  # 25 bytes each: 500,000 bytes
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True, text=True
    ).stdout


def small_file(i: int, changed: bool) -> str:
    lines = []
    for n in range(SMALL_LINES):
        word = "gamma" if changed and n % 5 == 0 and n // 5 < SMALL_CHANGED else "alpha"
        lines.append(f"    value_{i}_{n} = compute({word}, beta, {n})  # step {n}\n")
    return "".join(lines)


def big_file(colour: str) -> str:
    return "".join(f"{n:08d} the quick {colour}\n" for n in range(BIG_LINES))


def build(root: Path) -> tuple[Path, str]:
    """Create the repository and the task's worktree; return (worktree, base commit)."""
    repo = root / "repo"
    (repo / "src").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for i in range(N_FILES - 1):
        (repo / "src" / f"mod_{i:04d}.py").write_text(small_file(i, False))
    (repo / "big.txt").write_text(big_file("brown"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    worktree = root / "worktree"
    git(repo, "worktree", "add", "-q", "-b", "task/bench", str(worktree), base)
    for i in range(N_FILES - 1):
        (worktree / "src" / f"mod_{i:04d}.py").write_text(small_file(i, True))
    (worktree / "big.txt").write_text(big_file("green"))
    git(worktree, "add", "-A")
    git(worktree, "commit", "-qm", "task work")
    (worktree / "src" / "mod_0000.py").write_text(small_file(0, True) + "uncommitted = 1\n")
    (worktree / "notes.txt").write_text("untracked\n")
    return worktree, base


async def median_of(reps: int, job: Callable[[], Awaitable[object]]) -> float:
    """Return the median wall time of `job` in seconds."""
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        await job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def git_job(cwd: Path, *args: str) -> bytes:
    proc = await asyncio.create_subprocess_exec(
        "git", *args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    out, _ = await proc.communicate()
    return out


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, figure: str, ours: float, base: float, goal: float | None, unit: str) -> None:
        scale = 1e6 if unit == "us" else 1e3
        met = "-" if goal is None else ("yes" if ours <= goal else "NO")
        goal_text = "-" if goal is None else f"<= {goal * scale:.0f} {unit}"
        self.rows.append(
            (
                figure,
                f"{ours * scale:.1f} {unit}",
                f"{base * scale:.1f} {unit}",
                f"{ours / base:.2f}x",
                goal_text,
                met,
            )
        )

    def print(self) -> None:
        head = ("figure", "orchard", "git diff", "ratio", "goal", "met")
        rows = [head, *self.rows]
        widths = [max(len(r[c]) for r in rows) for c in range(len(head))]
        for row in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


async def measure(worktree: Path, base: str, reps: int) -> Table:
    table = Table()
    snapshot = await changed_files(str(worktree), base)
    tree = snapshot.tree
    lines = sum(f.insertions + f.deletions for f in snapshot.files)
    say(f"change: {len(snapshot.files):,} files, {lines:,} changed lines")

    ours = await median_of(reps, lambda: changed_files(str(worktree), base))
    git_list = await median_of(reps, lambda: git_job(worktree, "diff", "--numstat", base, tree))
    # The goal is the list on screen: its +/- counts may fill in after it (the window does so).
    table.add("file list with its counts at once", ours, git_list, None, "ms")
    quick = await median_of(reps, lambda: changed_files(str(worktree), base, counts=False))
    table.add("file list shown (counts fill in after)", quick, git_list, 0.300, "ms")
    relist = await median_of(reps, lambda: _relist(snapshot))
    table.add("file list again (same snapshot)", relist, git_list, None, "ms")
    git_wt = await median_of(reps, lambda: git_job(worktree, "diff", "--numstat", base))
    table.add("  git diff --numstat BASE (worktree)", git_wt, git_list, None, "ms")

    first = next(f for f in snapshot.files if f.path.startswith("src/"))
    ours = await median_of(reps, lambda: file_diff(snapshot, first))
    git_one = await median_of(reps, lambda: git_job(worktree, "diff", base, tree, "--", first.path))
    table.add(
        f"first file rows ({first.insertions}+/{first.deletions}-)", ours, git_one, 0.150, "ms"
    )

    await blob_reads(table, worktree, snapshot, reps)

    big = next(f for f in snapshot.files if f.path == "big.txt")
    say(f"big file: {big.size:,} bytes, +{big.insertions:,} -{big.deletions:,}")

    async def big_rows() -> None:
        diff = await file_diff(snapshot, big)
        assert diff.placeholder is None, diff.placeholder
        unified_rows(diff)

    ours = await median_of(reps, big_rows)
    git_big = await median_of(reps, lambda: git_job(worktree, "diff", base, tree, "--", "big.txt"))
    table.add("20,000-line 500 KB file rows + unified", ours, git_big, 0.250, "ms")

    diff = await file_diff(snapshot, big)
    pairs = [(r.old_text or "", r.new_text or "") for r in diff.rows if r.kind is RowKind.CHANGE]
    small = await file_diff(snapshot, first)
    pairs += [(r.old_text or "", r.new_text or "") for r in small.rows if r.kind is RowKind.CHANGE]

    async def spans() -> None:
        for old, new in pairs:
            word_spans(old, new)

    ours = await median_of(reps, spans) / len(pairs)
    word = ("diff", "--word-diff=porcelain", base, tree, "--", "big.txt", first.path)
    git_words = await median_of(reps, lambda: git_job(worktree, *word)) / len(pairs)
    table.add(f"word spans per pair ({len(pairs):,} pairs)", ours, git_words, None, "us")
    await through_the_service(table, worktree, base, reps, first, git_list, git_one)
    return table


async def blob_reads(table: Table, worktree: Path, snapshot: ReviewSnapshot, reps: int) -> None:
    """Time 200 file texts (100 files, both sides) read through one persistent cat-file."""
    from app.services.repo import BlobReader

    files = [f for f in snapshot.files if f.path.startswith("src/")][:100]
    names = [n for f in files for n in (f"{snapshot.base}:{f.path}", f"{snapshot.tree}:{f.path}")]
    reader = BlobReader(str(worktree))
    try:
        await reader.read(names[0])  # the child's start is paid once per repository

        async def one_by_one() -> None:
            for name in names:
                assert await reader.read(name) is not None

        async def processes() -> None:
            for name in names:
                assert await git_job(worktree, "show", name)

        ours = await median_of(reps, lambda: reader.read_many(names))
        git_shows = await median_of(reps, processes)
        table.add("200 blobs, persistent cat-file (batch)", ours, git_shows, None, "ms")
        single = await median_of(reps, one_by_one)
        table.add("200 blobs, persistent cat-file (one at a time)", single, git_shows, None, "ms")
        table.add("  200 blobs, git show each", git_shows, git_shows, None, "ms")
    finally:
        reader.close()


async def through_the_service(
    table: Table, worktree: Path, base: str, reps: int, first: FileEntry, git_list: float,
    git_one: float,
) -> None:  # fmt: skip
    """Time the window's reads as the window asks them: operations of the running service."""
    from app.client import Operations, ServiceClient, client_call, ensure_service, stop_service
    from app.core.states import TaskState
    from app.core.task import Task
    from app.services.config import Home
    from app.services.orchard import Orchard

    home = worktree.parent / "home"
    shutil.rmtree(home, ignore_errors=True)  # a kept repository's home from an earlier run
    orchard = Orchard(Home(home))
    await orchard.add_project(str(worktree.parent / "repo"), name="repo")
    task = Task(
        "b" * 32, "repo", "bench", "bench", "shell", TaskState.SUCCEEDED, "task/bench",
        str(worktree), "main", base, time.time(),
    )  # fmt: skip
    orchard.store.add_tasks([task])
    orchard.close()
    await asyncio.to_thread(ensure_service, home)
    try:
        ops = Operations(client_call(ServiceClient(home)))
        quick = await ops.review_files(task.id, counts=False)
        listed = await median_of(reps, lambda: ops.review_files(task.id, counts=False))
        table.add("service: file list shown (counts after)", listed, git_list, 0.300, "ms")
        counted = await median_of(reps, lambda: ops.review_counts(quick))
        table.add("service: then the counts", counted, git_list, None, "ms")
        one = await median_of(reps, lambda: ops.review_file(quick, first))
        table.add(f"service: first file rows ({first.insertions}+)", one, git_one, 0.150, "ms")
        second = next(f for f in quick.files if f.path.startswith("src/") and f != first)
        two = await median_of(reps, lambda: ops.review_file(quick, second))
        table.add("service: next file rows", two, git_one, 0.050, "ms")
    finally:
        await asyncio.to_thread(stop_service, home, False, True)


async def _relist(snapshot: ReviewSnapshot) -> None:
    from app.services.land.review import list_files

    await list_files(snapshot)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--keep", help="build the repository here and keep it")
    args = parser.parse_args()
    root = Path(args.keep or tempfile.mkdtemp(prefix="orchard-bench-review-"))
    try:
        worktree = root / "worktree"
        if (worktree / ".git").exists():
            base = git(root / "repo", "rev-parse", "main").strip()
        else:
            say(f"building {N_FILES:,} files in {root} ...")
            worktree, base = build(root)
        table = asyncio.run(measure(worktree, base, args.reps))
        print(f"\nreview bench: medians of {args.reps}; ratio = orchard / git diff")
        table.print()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
