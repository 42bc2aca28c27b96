"""Best-of-N over real repositories: three shell-agent attempts, real test runs, real files."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from app.core.compare import outcome_text
from app.core.states import TaskState
from app.core.task import Task
from app.services.config.settings import Home
from app.services.land import compare
from app.services.orchard import Orchard, UserError
from tests.conftest import git, make_repo, process_alive

pytestmark = pytest.mark.timeout(120)


def prompt_for(slots: Path) -> str:
    """One prompt for every attempt; each claims a slot (mkdir is atomic) and acts on it."""
    return (
        f'for n in 1 2 3; do mkdir "{slots}/$n" 2>/dev/null && break; done; case $n in '
        "1) echo ok > good.txt;; "
        '2) echo a > a.txt; printf "b\\nc\\n" > b.txt;; '
        "3) echo more >> README.md;; esac"
    )


def role_of(task: Task) -> str:
    """Name an attempt by what it changed."""
    wt = Path(task.worktree)
    if (wt / "good.txt").exists():
        return "good"
    return "two" if (wt / "a.txt").exists() else "readme"


async def make_group(tmp_path: Path, test: str | None) -> tuple[Orchard, dict[str, Task]]:
    """Run a group of three shell attempts to the end; return them by role."""
    repo = make_repo(tmp_path / "repo")
    orchard = Orchard(Home(tmp_path / "home"))
    await orchard.add_project(str(repo), test=test)
    slots = tmp_path / "slots"
    slots.mkdir()
    await orchard.new_tasks("repo", prompt_for(slots), agent="shell", attempts=3)
    orchard.lock.acquire()
    await orchard.supervisor.run()
    tasks = {role_of(t): t for t in orchard.store.tasks()}
    assert sorted(tasks) == ["good", "readme", "two"]
    assert {t.state for t in tasks.values()} == {TaskState.SUCCEEDED}
    return orchard, tasks


def scenario(
    tmp_path: Path, test: str | None, body: Callable[[Orchard, dict[str, Task]], Awaitable[None]]
) -> None:
    async def main() -> None:
        orchard, tasks = await make_group(tmp_path, test)
        try:
            await body(orchard, tasks)
        finally:
            orchard.close()

    asyncio.run(main())


def test_tests_run_in_each_attempt_and_the_passing_one_ranks_first(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        seen: list[tuple[str, bool]] = []
        group = tasks["good"].group
        assert group is not None
        board, skipped = await compare.run_tests(
            orchard, group, on_result=lambda i, r: seen.append((i, r.passed))
        )
        assert skipped == {}
        assert sorted(seen) == sorted(
            [(tasks["good"].id, True), (tasks["two"].id, False), (tasks["readme"].id, False)]
        )
        assert board.attempts[0].id == tasks["good"].id
        by_id = {a.id: a for a in board.attempts}
        good, two, readme = (by_id[tasks[r].id] for r in ("good", "two", "readme"))
        assert (good.files_changed, good.insertions, good.deletions) == (1, 1, 0)
        assert (two.files_changed, two.insertions, two.deletions) == (2, 3, 0)
        assert (readme.files_changed, readme.insertions, readme.deletions) == (1, 1, 0)
        assert all(a.task.state is TaskState.SUCCEEDED for a in board.attempts)
        assert all(a.duration is not None and 0 <= a.duration < 30 for a in board.attempts)
        assert good.test is not None and good.test.passed and good.test.exit_code == 0
        assert two.test is not None and two.test.exit_code == 1 and not two.test.passed
        assert board.best["tests"] == {good.id}
        assert board.best["lines"] == {good.id, readme.id}
        assert board.best["files"] == {good.id, readme.id}
        head = git(Path(good.task.worktree), "rev-parse", "HEAD").strip()
        kept = json.loads(compare.result_path(orchard.home, good.id).read_text())
        assert kept["commit"] == head and kept["command"] == "test -f good.txt"

    scenario(tmp_path, "test -f good.txt", body)


def test_results_are_reused_and_marked_stale_when_the_worktree_changes(tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    command = f"echo run >> {counter}; test -f good.txt"

    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        good = tasks["good"]
        await compare.run_tests(orchard, good.id)
        assert len(counter.read_text().splitlines()) == 3
        board = await compare.load_scoreboard(orchard, good.id)
        assert len(counter.read_text().splitlines()) == 3  # shown, not run again
        assert board.attempt(good.id).fresh_pass and not board.attempt(good.id).stale
        extra = Path(good.worktree) / "later.txt"
        extra.write_text("changed after the tests\n")
        stale = (await compare.load_scoreboard(orchard, good.id)).attempt(good.id)
        assert stale.stale and stale.test is not None and stale.test.passed
        assert outcome_text(stale).endswith("(stale)")
        assert (await compare.load_scoreboard(orchard, good.id)).attempts[0].id == good.id
        extra.unlink()  # the same content again: the result holds again
        assert not (await compare.load_scoreboard(orchard, good.id)).attempt(good.id).stale
        (Path(good.worktree) / "good.txt").write_text("edited\n")
        git(Path(good.worktree), "commit", "-qam", "edit")
        assert (await compare.load_scoreboard(orchard, good.id)).attempt(good.id).stale

    scenario(tmp_path, command, body)


def test_a_hanging_test_is_killed_at_the_timeout(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    command = f'echo $$ > "{pids}/$(basename "$PWD")"; sleep 60'

    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        started = time.monotonic()
        board, _ = await compare.run_tests(orchard, tasks["good"].id, jobs=3, timeout=1.0)
        assert time.monotonic() - started < 10
        for attempt in board.attempts:
            assert attempt.test is not None and attempt.test.timed_out
            assert not attempt.test.passed and attempt.test.exit_code is None
            assert 0.9 < attempt.test.duration < 5
            assert outcome_text(attempt).startswith("timed out after")
        shells = [int(p.read_text()) for p in pids.iterdir()]
        assert len(shells) == 3
        assert not any(process_alive(pid) for pid in shells)

    scenario(tmp_path, command, body)


def test_at_most_jobs_test_runs_at_once(tmp_path: Path) -> None:
    spans = tmp_path / "spans"
    command = (
        f'echo "start $(date +%s.%N)" >> {spans}; sleep 0.6; echo "end $(date +%s.%N)" >> {spans}'
    )

    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        for jobs, expected in ((2, 2), (1, 1)):
            spans.unlink(missing_ok=True)
            await compare.run_tests(orchard, tasks["good"].id, jobs=jobs)
            assert _most_at_once(spans.read_text()) == expected

    scenario(tmp_path, command, body)


def _most_at_once(log: str) -> int:
    events = sorted(
        (float(t), 1 if kind == "start" else -1) for kind, t in map(str.split, log.splitlines())
    )
    level = most = 0
    for _, step in events:
        level += step
        most = max(most, level)
    return most


def test_group_is_found_by_group_task_or_prefix_and_bad_refs_say_so(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        group = tasks["good"].group
        assert group is not None
        ids = sorted(t.id for t in tasks.values())
        for ref in (group, group[:6], tasks["two"].id, tasks["two"].short_id):
            found, members = compare.group_tasks(orchard, ref)
            assert found == group and sorted(t.id for t in members) == ids
        with pytest.raises(UserError, match="no task or group 'zzzz'"):
            compare.group_tasks(orchard, "zzzz")

    scenario(tmp_path, None, body)


def test_no_test_command_and_unfinished_attempts_are_reported(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        with pytest.raises(UserError, match="has no test command"):
            await compare.run_tests(orchard, tasks["good"].id)
        board = await compare.load_scoreboard(orchard, tasks["good"].id)
        assert board.test_command is None
        assert all(a.test is None for a in board.attempts)

    scenario(tmp_path, None, body)

    async def queued() -> None:
        repo = make_repo(tmp_path / "repo2")
        orchard = Orchard(Home(tmp_path / "home2"))
        try:
            await orchard.add_project(str(repo), test="true")
            [first, _] = await orchard.new_tasks("repo2", "true", agent="shell", attempts=2)
            board, skipped = await compare.run_tests(orchard, first.id)
            assert set(skipped) == {t.id for t in board.attempts}
            assert all("queued" in why for why in skipped.values())
            assert all(a.test is None for a in board.attempts)
        finally:
            orchard.close()

    asyncio.run(queued())


def test_a_damaged_result_file_is_ignored(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        good = tasks["good"]
        await compare.run_tests(orchard, good.id)
        compare.result_path(orchard.home, good.id).write_text('{"command": 3')
        board = await compare.load_scoreboard(orchard, good.id)
        assert board.attempt(good.id).test is None
        assert board.attempt(tasks["two"].id).test is not None

    scenario(tmp_path, "test -f good.txt", body)


def test_pick_marks_one_winner_per_group(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        await compare.pick_winner(orchard, tasks["two"].id)
        await compare.pick_winner(orchard, tasks["good"].short_id)
        board = await compare.load_scoreboard(orchard, tasks["good"].id)
        assert [a.id for a in board.attempts if a.picked] == [tasks["good"].id]

    scenario(tmp_path, None, body)


def test_pick_needs_a_group(tmp_path: Path) -> None:
    async def main() -> None:
        repo = make_repo(tmp_path / "repo")
        orchard = Orchard(Home(tmp_path / "home"))
        try:
            await orchard.add_project(str(repo))
            [task] = await orchard.new_tasks("repo", "true", agent="shell")
            with pytest.raises(UserError, match="not part of a best-of-N group"):
                await compare.pick_winner(orchard, task.id)
        finally:
            orchard.close()

    asyncio.run(main())


def test_pick_with_discard_others(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        try:
            import app.services.land.archive  # noqa: F401
        except ImportError:
            with pytest.raises(UserError, match="cannot discard tasks yet"):
                await compare.pick_winner(orchard, tasks["good"].id, discard_others=True)
            board = await compare.load_scoreboard(orchard, tasks["good"].id)
            assert not any(a.picked for a in board.attempts)  # refused before marking
            return
        pick = await compare.pick_winner(orchard, tasks["good"].id, discard_others=True)
        assert pick.failed == {}
        assert sorted(t.id for t in pick.discarded) == sorted([tasks["two"].id, tasks["readme"].id])
        for role in ("two", "readme"):
            assert orchard.task(tasks[role].id).state is TaskState.DISCARDED
        assert orchard.task(tasks["good"].id).state is TaskState.SUCCEEDED
        assert Path(tasks["good"].worktree).is_dir()
        assert not Path(tasks["two"].worktree).exists()
        board = await compare.load_scoreboard(orchard, tasks["good"].id)
        assert board.attempts[0].id == tasks["good"].id
        assert board.attempts[0].picked
        assert {a.task.state for a in board.attempts[1:]} == {TaskState.DISCARDED}

    scenario(tmp_path, None, body)
