"""Land train benchmark. Not run as a test.

    uv run python tests/bench/bench_train.py [--cars 10] [--sleep 10] [--overhead]

Ten tasks, each adding its own file, in a project whose test command is `sleep N`. Times the
train (the runner as the service runs it, from `land add` until the last car has left the
train) against ten manual lands one after the other (land_task with its test gate), both in
the same run on fresh copies of the same repository: with no failing car, then with one
failing car in the middle. Then the same with a CPU-bound test command (fixed work, so two
proofs at once on 2 cores take twice as long each), and the cost of one proof over its test
command in a repository of 20,000 files. The train proves speculatively as far as the home's
parallel limit (settings.parallel, 4 by default) allows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.states import TaskState  # noqa: E402
from app.core.train import ON_TRAIN, CarState  # noqa: E402
from app.services.config.settings import DEFAULT_PARALLEL, Home  # noqa: E402
from app.services.land import TrainRunner, cars, land_task  # noqa: E402
from app.services.land.proof import prove  # noqa: E402
from app.services.orchard import Orchard, UserError  # noqa: E402
from app.services.repo import git as gitsvc  # noqa: E402
from tests.conftest import git, make_repo  # noqa: E402

GATE = "test ! -e fail.flag"


async def _setup(
    root: Path, count: int, test: str, fail_at: int | None = None, files: int = 0
) -> tuple[Orchard, list[str]]:
    repo = make_repo(root / "repo", {"README.md": "hello\n"})
    if files:
        for n in range(files):
            folder = repo / f"d{n // 500}"
            folder.mkdir(exist_ok=True)
            (folder / f"f{n}.txt").write_text(f"{n}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "many files")
    orchard = Orchard(Home(root / "home"))
    await orchard.add_project(str(repo), name="repo", test=f"{test}\n{GATE}")
    ids = []
    for n in range(count):
        [task] = await orchard.new_tasks("repo", f"car {n}", agent="shell", title=f"car {n}")
        await gitsvc.add_worktree(str(repo), task.worktree, task.branch, task.base_commit)
        name = "fail.flag" if n == fail_at else f"car{n}.txt"
        Path(task.worktree, name).write_text(f"{n}\n")
        git(Path(task.worktree), "add", "-A")
        git(Path(task.worktree), "commit", "-qm", f"car {n}")
        orchard.store.update(task.id, state=TaskState.SUCCEEDED)
        ids.append(task.id)
    return orchard, ids


async def _train(root: Path, count: int, test: str, fail_at: int | None) -> float:
    orchard, ids = await _setup(root, count, test, fail_at)
    runner = TrainRunner(orchard)
    job = asyncio.create_task(runner.run())
    started = time.perf_counter()
    await cars.board(orchard, ids)
    runner.wake()
    while orchard.store.cars(states=ON_TRAIN):
        await asyncio.sleep(0.02)
    took = time.perf_counter() - started
    job.cancel()
    await asyncio.gather(job, return_exceptions=True)
    states = [orchard.store.cars(task_id=i)[0].state for i in ids]
    assert states.count(CarState.LANDED) == count - (fail_at is not None), states
    orchard.close()
    return took


async def _manual(root: Path, count: int, test: str, fail_at: int | None) -> float:
    orchard, ids = await _setup(root, count, test, fail_at)
    started = time.perf_counter()
    for task_id in ids:
        with contextlib.suppress(UserError):  # the failing car: red tests, nothing lands
            await land_task(orchard, task_id)
    took = time.perf_counter() - started
    orchard.close()
    return took


async def _proof_overhead(root: Path, files: int) -> tuple[float, float, float]:
    """Return (first proof, a later proof, the test command's own run) for one car.

    The first proof of a process makes its scratch checkout of `files` files; later ones (the
    train's steady state) switch a kept checkout to the next target, here one commit on.
    """
    orchard, [task_id] = await _setup(root, 1, "true", None, files)
    [car] = (await cars.board(orchard, [task_id])).joined
    repo = Path(orchard.store.project("repo").path)
    took = []
    for n in range(2):
        if n:
            (repo / "d0" / "f0.txt").write_text("moved\n")
            git(repo, "commit", "-qam", "the target moves on")
        base = git(repo, "rev-parse", "main").strip()
        started = time.perf_counter()
        proof = await prove(orchard, car, base)
        took.append(time.perf_counter() - started)
        assert proof.tests is not None and proof.tests.ok
    await orchard.scratch.close()
    orchard.close()
    began = time.perf_counter()
    os.system(f"sh -c 'true\n{GATE}'")
    return took[0], took[1], time.perf_counter() - began


def _compare(tmp: Path, label: str, count: int, test: str, fail_at: int | None, goal: str) -> None:
    manual = asyncio.run(_manual(tmp / f"manual-{label}", count, test, fail_at))
    train = asyncio.run(_train(tmp / f"train-{label}", count, test, fail_at))
    print(f"{label}: {count} cars, test command `{test}`")
    print(f"  manual lands one after the other: {manual:7.1f} s")
    print(f"  land train (speculative):         {train:7.1f} s")
    print(f"  train / manual:                   {train / manual:7.2f} ({goal})")


def _cpu_command(seconds: float) -> str:
    """Return a test command doing about `seconds` of CPU work, whatever else runs."""
    started = time.process_time()
    sum(i * i for i in range(2_000_000))
    per = time.process_time() - started
    loops = int(2_000_000 * seconds / max(per, 1e-3))
    return f"python3 -c 'sum(i * i for i in range({loops}))'"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cars", type=int, default=10)
    parser.add_argument("--sleep", type=float, default=10.0)
    parser.add_argument("--cpu", type=float, default=3.0, help="CPU seconds per test run")
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--overhead", action="store_true", help="the proof overhead only")
    args = parser.parse_args()
    n, middle = args.cars, args.cars // 2
    sleep = f"sleep {args.sleep:g}"
    print(f"parallel limit: {DEFAULT_PARALLEL} (the default), cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.overhead:
            return _overhead(tmp, args.files)
        _compare(tmp, "no failures", n, sleep, None, "goal: at most 0.6")
        _compare(tmp, "one failing car", n, sleep, middle, "goal: at most 0.8")
        _compare(tmp, "CPU-bound", n, _cpu_command(args.cpu), None, "2 cores cap speculation")
        _overhead(tmp, args.files)


def _overhead(tmp: Path, files: int) -> None:
    first, proof, command = asyncio.run(_proof_overhead(tmp / "big", files))
    print(f"proof of one car, {files} files, test command `true`:")
    print(f"  first proof of the process (makes its checkout): {first:.2f} s")
    print(f"  later proof {proof:.2f} s, command alone {command:.2f} s: ", end="")
    print(f"overhead {proof - command:.2f} s (goal: at most 1 s)")


if __name__ == "__main__":
    main()
