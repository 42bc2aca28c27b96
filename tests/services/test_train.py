"""The land train: real repositories, real test commands, the runner as the service runs it."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.core.task import Task
from app.core.train import ON_TRAIN, Car, CarState
from app.services.config.settings import Home
from app.services.land import TrainRunner, cars
from app.services.orchard import Orchard
from tests.conftest import git, make_repo
from tests.services.landkit import new_task as make_task
from tests.services.landkit import run, task_commit

# The project's test command: fails while fail.flag exists.
CHECK = "if [ -e fail.flag ]; then echo 'fail.flag is here'; exit 1; fi\necho 'all good'\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo", {"README.md": "hello\n", "shared.txt": "one\n", "check.sh": CHECK}
    )


@pytest.fixture
def orchard(tmp_path: Path, project: Path) -> Iterator[Orchard]:
    o = Orchard(Home(tmp_path / "home"))
    run(o.add_project(str(project), name="repo", test="sh check.sh"))
    yield o
    o.close()


def new_task(orchard: Orchard, title: str, files: dict[str, str]) -> Task:
    task = make_task(orchard, title)
    if files:
        task_commit(task, files, title)
    return task


def drive(orchard: Orchard, until: Callable[[], bool], timeout: float = 90.0) -> TrainRunner:
    """Run the train's runner until `until()` holds; return it, with its record of proofs."""
    runner = TrainRunner(orchard, test_timeout=60)

    async def go() -> None:
        job = asyncio.create_task(runner.run())
        deadline = time.monotonic() + timeout
        try:
            while not until():
                assert time.monotonic() < deadline, "the train did not get there in time"
                assert not job.done(), job.exception()
                await asyncio.sleep(0.05)
        finally:
            job.cancel()
            await asyncio.gather(job, return_exceptions=True)

    asyncio.run(go())
    return runner


def settled(orchard: Orchard) -> bool:
    riding = orchard.store.cars(states=ON_TRAIN)
    return not riding or any(orchard.store.train_paused(c.project, c.target) for c in riding)


def first_parents(repo: Path, since: str, branch: str = "main") -> list[str]:
    return git(repo, "rev-list", "--first-parent", "--reverse", f"{since}..{branch}").split()


def passes_tests(repo: Path, commit_id: str, tmp: Path) -> bool:
    where = tmp / f"at-{commit_id[:10]}"
    git(repo, "worktree", "add", "-q", "--detach", str(where), commit_id)
    done = subprocess.run(["sh", "check.sh"], cwd=where, capture_output=True)
    return done.returncode == 0


def test_five_cars_three_land_in_order_and_two_leave_with_reasons(
    orchard: Orchard, project: Path, tmp_path: Path
) -> None:
    start = git(project, "rev-parse", "main").strip()
    tasks = [
        new_task(orchard, "first", {"one.txt": "1\n"}),
        new_task(orchard, "second", {"shared.txt": "two\n"}),
        new_task(orchard, "third", {"fail.flag": "broken\n"}),
        new_task(orchard, "fourth", {"shared.txt": "four\n"}),
        new_task(orchard, "fifth", {"five.txt": "5\n"}),
    ]
    boarded = run(cars.board(orchard, [t.id for t in tasks]))
    assert len(boarded.joined) == 5 and not boarded.refused
    drive(orchard, lambda: settled(orchard))
    landed = first_parents(project, start)
    assert len(landed) == 3
    ids = [t.id for t in tasks]
    for commit_id, task_id in zip(landed, [ids[0], ids[1], ids[4]], strict=True):
        assert orchard.store.task(task_id).landed_commit == commit_id
        assert orchard.store.task(task_id).state is TaskState.MERGED
        assert passes_tests(project, commit_id, tmp_path)
    third, fourth = (orchard.store.cars(task_id=ids[i])[0] for i in (2, 3))
    assert third.state is CarState.EJECTED and "test command failed" in third.reason
    assert "fail.flag is here" in third.output
    assert fourth.state is CarState.EJECTED
    assert "'shared.txt'" in fourth.reason and ids[1][:8] in fourth.reason
    for i in (2, 3):
        task = orchard.store.task(ids[i])
        assert task.state is TaskState.SUCCEEDED and "left the land train" in task.last_event
    assert (project / "one.txt").exists()  # the clean checkout of main was updated
    assert git(project, "status", "--porcelain").strip() == ""


def test_a_target_moved_by_someone_else_is_proven_again(
    orchard: Orchard, project: Path, tmp_path: Path
) -> None:
    git(project, "branch", "release")  # checked out nowhere: the train moves it by update-ref
    marker = tmp_path / "moved"
    # The first test run of the second car moves release behind the train's back.
    hook = (
        f'if grep -q second second.txt 2>/dev/null && [ ! -e "{marker}" ]; then touch "{marker}"; '
        f'c=$(git -C "{project}" commit-tree -p release -m "someone else" '
        f'"$(git -C "{project}" rev-parse release^{{tree}})"); '
        f'git -C "{project}" update-ref refs/heads/release "$c"; fi\n'
    )
    run_sql(orchard, "UPDATE projects SET test = ? WHERE name = 'repo'", hook + "sh check.sh")
    first = new_task(orchard, "first", {"first.txt": "first\n"})
    second = new_task(orchard, "second", {"second.txt": "second\n"})
    run(cars.board(orchard, [first.id, second.id], into="release"))
    runner = drive(orchard, lambda: settled(orchard))
    assert marker.exists()
    history = git(project, "log", "--first-parent", "--format=%s", "release").splitlines()
    # The second car's test runs while the first is proven (speculation), so the move lands
    # under both: whichever car's compare-and-swap found release moved was proven again on it.
    assert "someone else" in history[:3]
    assert {f"Merge task first ({first.branch})", f"Merge task second ({second.branch})"} <= set(
        history[:3]
    )
    assert any(p.outcome == "thrown away: the target moved" for p in runner.proofs)
    for task in (first, second):
        car = orchard.store.cars(task_id=task.id)[0]
        assert car.state is CarState.LANDED
        assert car.landed_commit is not None and passes_tests(project, car.landed_commit, tmp_path)
        assert_proven_on_what_landed(orchard, project, car)
    landed = [orchard.store.cars(task_id=t.id)[0] for t in (first, second)]
    later = max(landed, key=lambda c: c.updated_at)
    assert git(project, "rev-parse", "release").strip() == later.landed_commit


def assert_proven_on_what_landed(orchard: Orchard, project: Path, car: Car) -> None:
    """The landed commit sits on exactly what its proof assumed: the cars ahead, on proven_on."""
    parent = git(project, "rev-parse", f"{car.landed_commit}^1").strip()
    if not car.ahead:
        assert parent == car.proven_on
        return
    [last] = [c for c in orchard.store.cars(task_id=car.ahead[-1]) if c.landed_commit]
    assert parent == last.landed_commit
    assert_proven_on_what_landed(orchard, project, last)


def test_a_dirty_checkout_pauses_the_train_and_names_the_files(
    orchard: Orchard, project: Path
) -> None:
    task = new_task(orchard, "first", {"first.txt": "first\n"})
    (project / "README.md").write_text("my own edit\n")
    run(cars.board(orchard, [task.id]))
    drive(orchard, lambda: settled(orchard))
    paused = orchard.store.train_paused("repo", "main")
    assert paused is not None and "'README.md'" in paused
    [car] = orchard.store.cars(task_id=task.id)
    assert car.state is CarState.WAITING
    assert orchard.store.task(task.id).state is TaskState.SUCCEEDED
    assert (project / "README.md").read_text() == "my own edit\n"
    git(project, "checkout", "--", "README.md")
    cars.pause(orchard, None)
    drive(orchard, lambda: settled(orchard))
    assert orchard.store.task(task.id).state is TaskState.MERGED


def test_refusals_are_a_line_each_and_the_rest_join(orchard: Orchard, project: Path) -> None:
    ready = new_task(orchard, "ready", {"a.txt": "a\n"})
    running = orchard.store.update(new_task(orchard, "busy", {}).id, state=TaskState.RUNNING)
    merged = orchard.store.update(new_task(orchard, "done", {}).id, state=TaskState.MERGED)
    failed = orchard.store.update(new_task(orchard, "failed", {}).id, state=TaskState.FAILED)
    elsewhere = new_task(orchard, "elsewhere", {"b.txt": "b\n"})
    boarded = run(cars.board(orchard, [running.id, ready.id, merged.id, failed.id, "zzzz"]))
    assert [c.task_id for c in boarded.joined] == [ready.id]
    assert len(boarded.refused) == 4
    assert all("\n" not in line for line in boarded.refused)
    again = run(cars.board(orchard, [ready.id]))
    assert "already" in again.refused[0]
    nowhere = run(cars.board(orchard, [elsewhere.id], into="no-such-branch"))
    assert "no branch 'no-such-branch'" in nowhere.refused[0]


def test_a_car_left_testing_is_proven_again_after_a_restart(
    orchard: Orchard, project: Path
) -> None:
    task = new_task(orchard, "first", {"first.txt": "first\n"})
    [car] = run(cars.board(orchard, [task.id])).joined
    before = git(project, "rev-parse", "main").strip()
    orchard.store.update_car(car.id, state=CarState.TESTING, proven_on=before)
    drive(orchard, lambda: settled(orchard))
    assert orchard.store.car(car.id).state is CarState.LANDED
    assert git(project, "rev-parse", "main^1").strip() == before


def run_sql(orchard: Orchard, sql: str, *params: object) -> None:
    with orchard.store._engine.begin() as conn:
        conn.exec_driver_sql(sql, params)


def test_an_ejected_car_sent_back_rejoins_when_its_fix_succeeds(
    orchard: Orchard, project: Path
) -> None:
    task = new_task(orchard, "broken", {"fail.flag": "broken\n"})
    [car] = run(cars.board(orchard, [task.id], send_back=True)).joined
    drive(orchard, lambda: orchard.store.car(car.id).sent_back_turns is not None)
    queued = orchard.store.task(task.id)
    assert queued.state is TaskState.QUEUED
    assert queued.next_prompt and "fail.flag is here" in queued.next_prompt
    git(Path(task.worktree), "rm", "-q", "fail.flag")  # the agent's fix, as its turn would do
    task_commit(task, {"fixed.txt": "fixed\n"}, "fix")
    orchard.store.update(task.id, state=TaskState.SUCCEEDED, turns=queued.turns + 1)
    drive(orchard, lambda: orchard.store.task(task.id).state is TaskState.MERGED)
    again = orchard.store.cars(task_id=task.id)
    assert [c.state for c in again] == [CarState.EJECTED, CarState.LANDED]
    assert not (project / "fail.flag").exists() and (project / "fixed.txt").exists()


def test_the_forecast_proposes_the_fewest_conflicts_first(orchard: Orchard) -> None:
    a = new_task(orchard, "a", {"shared.txt": "a\n"})
    b = new_task(orchard, "b", {"shared.txt": "b\n"})
    c = new_task(orchard, "c", {"c.txt": "c\n"})
    run(cars.board(orchard, [a.id, b.id, c.id]))
    [proposal] = run(cars.order(orchard))
    assert [car.task_id for car in proposal.cars] == [c.id, a.id, b.id]
    assert [car.task_id for car in cars.trains(orchard)[0].waiting] == [a.id, b.id, c.id]
    run(cars.order(orchard, apply=True))
    assert [car.task_id for car in cars.trains(orchard)[0].waiting] == [c.id, a.id, b.id]


def test_when_the_first_car_fails_the_proofs_behind_it_are_thrown_away(
    orchard: Orchard, project: Path
) -> None:
    start = git(project, "rev-parse", "main").strip()
    # The second car's test sleeps, so it is still running when the first car's fails.
    slow = "if [ -e two.txt ]; then sleep 2; fi\nsh check.sh"
    run_sql(orchard, "UPDATE projects SET test = ? WHERE name = 'repo'", slow)
    first = new_task(orchard, "first", {"fail.flag": "broken\n"})
    second = new_task(orchard, "second", {"two.txt": "2\n"})
    third = new_task(orchard, "third", {"three.txt": "3\n"})
    run(cars.board(orchard, [first.id, second.id, third.id]))
    runner = drive(orchard, lambda: settled(orchard))
    seen = [(p.task_id, p.ahead, p.outcome) for p in runner.proofs]
    # At first: the first car alone, the second behind it, the third behind both, at once.
    assert {(t, ahead) for t, ahead, _ in seen[:3]} == {
        (first.id, ()), (second.id, (first.id,)), (third.id, (first.id, second.id))
    }  # fmt: skip
    assert (first.id, (), "failed") in seen
    failed = f"thrown away: task {first.id[:8]} failed"
    assert (second.id, (first.id,), failed) in seen
    assert (third.id, (first.id, second.id), failed) in seen
    # Then the second alone and the third behind it, which land.
    assert (second.id, (), "landed") in seen
    assert (third.id, (second.id,), "landed") in seen
    assert orchard.store.cars(task_id=first.id)[0].state is CarState.EJECTED
    landed = first_parents(project, start)
    assert landed == [orchard.store.task(t.id).landed_commit for t in (second, third)]
    assert git(project, "rev-parse", f"{landed[0]}^1").strip() == start


def test_a_parallel_limit_of_one_proves_one_car_at_a_time(orchard: Orchard) -> None:
    orchard.supervisor.parallel_override = 1
    tasks = [new_task(orchard, n, {f"{n}.txt": n}) for n in ("a", "b", "c")]
    run(cars.board(orchard, [t.id for t in tasks]))
    runner = drive(orchard, lambda: settled(orchard))
    assert [(p.task_id, p.ahead, p.outcome) for p in runner.proofs] == [
        (t.id, (), outcome) for t in tasks for outcome in ("passed", "landed")
    ]


def test_a_car_under_test_shows_what_its_test_command_wrote_so_far(orchard: Orchard) -> None:
    slow = "echo 'halfway there'; sleep 60; sh check.sh"
    run_sql(orchard, "UPDATE projects SET test = ? WHERE name = 'repo'", slow)
    task = new_task(orchard, "slow", {"one.txt": "1\n"})
    run(cars.board(orchard, [task.id]))

    def shown() -> str:
        [train] = cars.trains(orchard)
        [car] = train.cars
        return car.output if car.state is CarState.TESTING else ""

    drive(orchard, lambda: "halfway there" in shown(), timeout=30)
    assert shown() == "halfway there"  # the stopped runner leaves it `testing`, to re-prove
