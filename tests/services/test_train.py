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
from app.core.train import ON_TRAIN, CarState
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


def drive(orchard: Orchard, until: Callable[[], bool], timeout: float = 90.0) -> None:
    """Run the train's runner until `until()` holds."""

    async def go() -> None:
        runner = TrainRunner(orchard, test_timeout=60)
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
    drive(orchard, lambda: settled(orchard))
    assert marker.exists()
    history = git(project, "log", "--first-parent", "--format=%s", "release").splitlines()
    assert history[:3] == [f"Merge task second ({second.branch})", "someone else",
                           f"Merge task first ({first.branch})"]  # fmt: skip
    car = orchard.store.cars(task_id=second.id)[0]
    assert car.state is CarState.LANDED
    assert car.proven_on == git(project, "rev-parse", "release^1").strip()


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
