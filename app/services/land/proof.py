"""Prove a car of the land train: its change on what the target will really be, tested.

What the target will be is the target's commit plus every car ahead still on the train;
`prove` builds that in git objects (moving no ref) and runs the project's test command on the
result in a scratch worktree. It takes the cars ahead as a list so that several prefixes can
be proven at once (speculation); the train in order passes none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.core.landing import Conflict, LandCheck, TestRun
from app.core.train import Car, CarState
from app.core.words import counted
from app.services.land.landcheck import check_land, check_onto
from app.services.land.landing import LandRefused, build_land_commit
from app.services.land.testgate import TEST_LOG, TEST_TIMEOUT, run_test_gate
from app.services.orchard import Orchard, UserError
from app.services.repo import git


class Ejected(Exception):
    """The car cannot land as it is: `reason` in one line, and any test output."""

    def __init__(self, reason: str, output: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.output = output


@dataclass(frozen=True, slots=True)
class Step:
    """One car applied on the way: the commit before it and the one it made."""

    car: Car
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Proof:
    car: Car
    base: str  # the target's commit it was proven on
    commit: str  # what the target would move to
    check: LandCheck  # the car's check against the target (where it is checked out, dirt)
    tests: TestRun | None  # None: the project has no test command


async def prove(
    orchard: Orchard,
    car: Car,
    base: str,
    ahead: Sequence[Car] = (),
    timeout: float = TEST_TIMEOUT,
    stop_before_tests: bool = False,
) -> Proof:
    """Prove `car` on `base` plus the cars `ahead`; raise Ejected if it cannot land."""
    steps = await landed_steps(orchard, car)
    head = base
    for other in ahead:
        commit, _ = await apply_car(orchard, other, head, steps)
        steps.append(Step(other, head, commit))
        head = commit
    commit, check = await apply_car(orchard, car, head, steps)
    if stop_before_tests:
        return Proof(car, base, commit, check, None)
    tests = await run_tests(orchard, car, commit, timeout)
    if tests is not None and not tests.ok:
        raise failed(tests)
    return Proof(car, base, commit, check, tests)


async def run_tests(orchard: Orchard, car: Car, commit: str, timeout: float) -> TestRun | None:
    """Run the project's test command on `commit`; None when the project has none."""
    project = orchard.store.project(car.project)
    if not project.test:
        return None
    log = orchard.home.logs / car.task_id / TEST_LOG  # what `train.list` shows while it runs
    return await run_test_gate(orchard.scratch, project, commit, timeout, log)


def failed(tests: TestRun) -> Ejected:
    """Return why a car whose tests failed leaves the train."""
    return Ejected(f"the test command failed ({tests.summary})", tests.output)


async def apply_car(
    orchard: Orchard, car: Car, onto: str, steps: Sequence[Step] = ()
) -> tuple[str, LandCheck]:
    """Build the commit of `car`'s change on `onto` with its strategy; raise Ejected if not."""
    try:
        check = await check_land(orchard, car.task_id, car.target)
    except UserError as exc:
        raise Ejected(str(exc)) from None
    if check.unsettled:
        raise Ejected(check.unsettled)
    if onto != check.target_commit:
        check = await check_onto(check, onto)
    if check.nothing_to_land:
        raise Ejected(f"nothing to land: {car.target} already has all of this task's work")
    if check.conflicts:
        raise Ejected(await conflict_reason(check.repo, car, check.conflicts, steps))
    try:
        return await build_land_commit(orchard, check, car.strategy), check
    except LandRefused as exc:  # a rebase that stops at a conflict
        raise Ejected(str(exc), exc.output) from None


async def landed_steps(orchard: Orchard, car: Car) -> list[Step]:
    """Return what the train landed before `car` on its target, oldest first."""
    landed = orchard.store.cars(car.project, car.target, [CarState.LANDED])
    landed.sort(key=lambda c: c.updated_at)
    repo = orchard.store.project(car.project).path
    steps = []
    for other in landed:
        if other.landed_commit and other.task_id != car.task_id:
            parent = await git.git(repo, "rev-parse", f"{other.landed_commit}^1", check=False)
            if parent.returncode == 0:
                steps.append(Step(other, parent.text.strip(), other.landed_commit))
    return steps


async def conflict_reason(
    repo: str, car: Car, conflicts: Sequence[Conflict], steps: Sequence[Step]
) -> str:
    """Say which files conflict, and with which car (the latest that changed each)."""
    paths = [c.path for c in conflicts]
    blamed: dict[str, Car] = {}
    for step in reversed(steps):
        changed = await git.git(
            repo, "diff", "--name-only", "-z", "--no-renames", step.before, step.after, check=False
        )
        for path in changed.text.split("\0"):
            if path in paths and path not in blamed:
                blamed[path] = step.car
    by_car: dict[Car | None, list[str]] = {}
    for path in paths:
        by_car.setdefault(blamed.get(path), []).append(path)
    parts = []
    for other, files in by_car.items():
        names = ", ".join(repr(p) for p in files)
        parts.append(f"conflicts with {_who(car, other)} in {counted(len(files), 'file')}: {names}")
    return "; ".join(parts)


def _who(car: Car, other: Car | None) -> str:
    if other is None:
        return car.target
    how = "landed by the train" if other.state is CarState.LANDED else "a car ahead of it"
    return f"task {other.task_id[:8]} ({how})"
