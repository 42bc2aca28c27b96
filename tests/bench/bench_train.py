"""Land train benchmark. Not run as a test.

    uv run python tests/bench/bench_train.py [--cars 10] [--sleep 10]

Ten tasks, each adding its own file, in a project whose test command is `sleep N`. Times the
train (the runner as the service runs it, from `land add` until the last car has landed)
against ten manual lands one after the other (land_task with its test gate), both in the same
run on fresh copies of the same repository. The train of this first part proves its cars
strictly in order, so the ratio is expected near 1.0; speculation is what brings it down.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.states import TaskState  # noqa: E402
from app.core.train import ON_TRAIN  # noqa: E402
from app.services.config.settings import Home  # noqa: E402
from app.services.land import TrainRunner, cars, land_task  # noqa: E402
from app.services.orchard import Orchard  # noqa: E402
from app.services.repo import git as gitsvc  # noqa: E402
from tests.conftest import git, make_repo  # noqa: E402


async def _setup(root: Path, count: int, sleep: float) -> tuple[Orchard, list[str]]:
    repo = make_repo(root / "repo", {"README.md": "hello\n"})
    orchard = Orchard(Home(root / "home"))
    await orchard.add_project(str(repo), name="repo", test=f"sleep {sleep}")
    ids = []
    for n in range(count):
        [task] = await orchard.new_tasks("repo", f"car {n}", agent="shell", title=f"car {n}")
        await gitsvc.add_worktree(str(repo), task.worktree, task.branch, task.base_commit)
        Path(task.worktree, f"car{n}.txt").write_text(f"{n}\n")
        git(Path(task.worktree), "add", "-A")
        git(Path(task.worktree), "commit", "-qm", f"car {n}")
        orchard.store.update(task.id, state=TaskState.SUCCEEDED)
        ids.append(task.id)
    return orchard, ids


async def _train(root: Path, count: int, sleep: float) -> float:
    orchard, ids = await _setup(root, count, sleep)
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
    assert all(orchard.store.task(i).state is TaskState.MERGED for i in ids)
    orchard.close()
    return took


async def _manual(root: Path, count: int, sleep: float) -> float:
    orchard, ids = await _setup(root, count, sleep)
    started = time.perf_counter()
    for task_id in ids:
        await land_task(orchard, task_id)
    took = time.perf_counter() - started
    orchard.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cars", type=int, default=10)
    parser.add_argument("--sleep", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        manual = asyncio.run(_manual(Path(tmp) / "manual", args.cars, args.sleep))
        train = asyncio.run(_train(Path(tmp) / "train", args.cars, args.sleep))
    tests = args.cars * args.sleep
    print(f"{args.cars} cars, test command `sleep {args.sleep:g}` ({tests:.0f} s of tests)")
    print(f"  manual lands one after the other: {manual:7.1f} s")
    print(f"  land train (in order):            {train:7.1f} s")
    print(f"  train / manual:                   {train / manual:7.2f} (goal: at most 0.6)")
    print(f"  overhead per car over its test:   {(train - tests) / args.cars:7.2f} s")


if __name__ == "__main__":
    main()
