"""The conflict forecast over real repositories: exactly the overlapping pairs, and nothing lost."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.forecast import Clash, ClashKind, Forecast
from app.core.naming import short_id
from app.core.states import TaskState
from app.core.task import Task
from app.services.config.settings import Home
from app.services.land.forecast import cache_of, forecast, forecast_task
from app.services.orchard import Orchard, UserError
from tests.conftest import Cli, cli_for, git, make_repo
from tests.taskkit import make_task

F = "".join(f"f line {n}\n" for n in range(1, 31))
G = "".join(f"g line {n}\n" for n in range(1, 11))


def _edit(path: Path, line: int, text: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[line - 1] = text + "\n"
    path.write_text("".join(lines))


class Bench:
    """A project with tasks whose worktrees and branches are made by hand with git."""

    def __init__(self, root: Path) -> None:
        self.repo = make_repo(root / "repo", {"f.txt": F, "g.txt": G, "h.txt": "h\n"})
        self.orchard = Orchard(Home(root / "home"))
        asyncio.run(self.orchard.add_project(str(self.repo)))
        self.root = root

    def task(
        self,
        name: str,
        edits: dict[str, tuple[int, str]],
        state: TaskState,
        commit: bool = True,
        target: str = "main",
        group: str | None = None,
    ) -> Task:
        """Make a task branched from `target` whose worktree edits lines of files."""
        task_id = uuid.uuid4().hex
        worktree = self.root / "wt" / name
        branch = f"orchard/{short_id(task_id)}-{name}"
        base = git(self.repo, "rev-parse", target).strip()
        git(self.repo, "worktree", "add", "-q", "-b", branch, str(worktree), base)
        for file, (line, text) in edits.items():
            _edit(worktree / file, line, text)
        if commit and edits:
            git(worktree, "commit", "-qam", name)
        task = make_task(
            id=task_id,
            project="repo",
            title=name,
            prompt=name,
            state=state,
            branch=branch,
            worktree=str(worktree),
            base_ref=target,
            base_commit=base,
            created_at=time.time(),
            group=group,
        )
        self.orchard.store.add_tasks([task])
        return task


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    made = Bench(tmp_path)
    yield made
    made.orchard.close()


def _five(bench: Bench) -> dict[str, Task]:
    done = TaskState.SUCCEEDED
    tasks = {
        "A": bench.task("A", {"f.txt": (5, "A was here")}, done),
        "B": bench.task("B", {"f.txt": (5, "B was here")}, TaskState.NEEDS_INPUT),
        "C": bench.task("C", {"f.txt": (25, "C was here")}, TaskState.FAILED),
        "D": bench.task("D", {"g.txt": (2, "D was here")}, TaskState.STOPPED),
        "E": bench.task("E", {"g.txt": (8, "E was here")}, TaskState.RUNNING, commit=False),
        # neither landed nor discarded work, nor a task that has not started, is forecast
        "M": bench.task("M", {"f.txt": (5, "M landed")}, TaskState.MERGED),
        "Q": bench.task("Q", {}, TaskState.QUEUED),
    }
    _edit(bench.repo / "g.txt", 2, "main moved on")
    git(bench.repo, "commit", "-qam", "main after the tasks started")
    return tasks


def _summary(
    result: Forecast, tasks: dict[str, Task]
) -> set[tuple[str, str, str, tuple[str, ...]]]:
    names = {t.id: n for n, t in tasks.items()}
    return {
        (n, names.get(c.other or "", "main"), c.kind.value, c.paths)
        for n, t in tasks.items()
        for c in result.for_task(t.id)
    }


EXPECTED = {
    ("A", "B", "conflict", ("f.txt",)),
    ("B", "A", "conflict", ("f.txt",)),
    ("A", "C", "overlap", ("f.txt",)),
    ("C", "A", "overlap", ("f.txt",)),
    ("B", "C", "overlap", ("f.txt",)),
    ("C", "B", "overlap", ("f.txt",)),
    ("D", "E", "overlap", ("g.txt",)),
    ("E", "D", "overlap", ("g.txt",)),
    ("D", "main", "conflict", ("g.txt",)),
    ("E", "main", "overlap", ("g.txt",)),
}


def test_forecast_flags_exactly_the_overlapping_pairs(bench: Bench) -> None:
    tasks = _five(bench)
    status_before = git(Path(tasks["E"].worktree), "status", "--porcelain")
    result = asyncio.run(forecast(bench.orchard))
    assert _summary(result, tasks) == EXPECTED
    assert set(result.tasks) == {tasks[n].id for n in "ABCDE"}
    assert all(result.problem(t.id) is None for t in tasks.values())
    # the same lines: A and B both rewrote line 5; C's line 25 is far from both
    [ab] = [c for c in result.for_task(tasks["A"].id) if c.other == tasks["B"].id]
    [ac] = [c for c in result.for_task(tasks["A"].id) if c.other == tasks["C"].id]
    [d_main] = [c for c in result.for_task(tasks["D"].id) if c.other is None]
    assert (ab.lines, ac.lines, d_main.lines) == (("f.txt",), (), ("g.txt",))
    # the running task's uncommitted work was read without touching its index or branch
    assert git(Path(tasks["E"].worktree), "status", "--porcelain") == status_before == " M g.txt\n"
    assert git(bench.repo, "rev-parse", tasks["E"].branch) == tasks["E"].base_commit + "\n"


def test_tasks_for_other_targets_are_forecast_apart(bench: Bench) -> None:
    git(bench.repo, "branch", "release")
    tasks = _five(bench)
    r = bench.task("R", {"f.txt": (5, "R was here")}, TaskState.SUCCEEDED, target="release")
    s = bench.task("S", {"f.txt": (6, "S was here")}, TaskState.SUCCEEDED, target="release")
    result = asyncio.run(forecast(bench.orchard))
    assert _summary(result, tasks) == EXPECTED
    assert [(c.other, c.kind, c.lines) for c in result.for_task(r.id)] == [
        (s.id, ClashKind.CONFLICT, ("f.txt",))
    ]


def test_attempts_of_one_prompt_are_not_forecast_against_each_other(bench: Bench) -> None:
    done = TaskState.SUCCEEDED
    one = bench.task("one", {"f.txt": (5, "attempt 1")}, done, group="g")
    two = bench.task("two", {"f.txt": (5, "attempt 2")}, done, group="g")
    other = bench.task("other", {"f.txt": (5, "someone else")}, done)
    result = asyncio.run(forecast(bench.orchard))
    # one attempt lands, not all: they only clash with the other task
    assert {c.other for c in result.for_task(one.id)} == {other.id}
    assert {c.other for c in result.for_task(two.id)} == {other.id}
    assert {c.other for c in result.for_task(other.id)} == {one.id, two.id}


def test_conflicts_come_first_and_base_before_tasks(bench: Bench) -> None:
    tasks = _five(bench)
    result = asyncio.run(forecast(bench.orchard, project="repo"))
    a = result.for_task(tasks["A"].id)
    d = result.for_task(tasks["D"].id)
    assert [c.kind for c in a] == [ClashKind.CONFLICT, ClashKind.OVERLAP]
    assert d[0] == Clash(None, ClashKind.CONFLICT, ("g.txt",), ("g.txt",))


def test_a_repeated_forecast_reuses_every_answer(bench: Bench) -> None:
    tasks = _five(bench)
    first = asyncio.run(forecast(bench.orchard))
    cache = cache_of(bench.orchard)
    sizes = (len(cache.bases), len(cache.changes), len(cache.merges))
    assert sizes[2] == 6  # A-B, A-C, B-C, D-E, D-main, E-main
    second = asyncio.run(forecast(bench.orchard))
    assert second == first
    # the uncommitted work made the same snapshot commit, so nothing new was asked of git
    assert (len(cache.bases), len(cache.changes), len(cache.merges)) == sizes
    _edit(Path(tasks["E"].worktree) / "g.txt", 2, "E now conflicts with D and main")
    third = asyncio.run(forecast(bench.orchard))
    e = {(c.other, c.kind) for c in third.for_task(tasks["E"].id)}
    assert e == {(None, ClashKind.CONFLICT), (tasks["D"].id, ClashKind.CONFLICT)}


def test_a_branch_deleted_meanwhile_is_reported(bench: Bench) -> None:
    tasks = _five(bench)
    gone = tasks["C"]
    git(bench.repo, "worktree", "remove", "--force", gone.worktree)
    git(bench.repo, "branch", "-D", gone.branch)
    result = asyncio.run(forecast(bench.orchard))
    assert result.for_task(gone.id) == []
    assert f"branch {gone.branch} no longer exists" in (result.problem(gone.id) or "")
    assert {c.other for c in result.for_task(tasks["A"].id)} == {tasks["B"].id}
    one = asyncio.run(forecast_task(bench.orchard, gone.id))
    assert one.problem and "no longer exists" in one.problem


def test_a_deleted_target_is_reported_for_each_task(bench: Bench) -> None:
    tasks = _five(bench)
    git(bench.repo, "checkout", "-q", "--detach")
    git(bench.repo, "branch", "-D", "main")
    result = asyncio.run(forecast(bench.orchard))
    for name in "ABCDE":
        assert "target branch main no longer exists" in (result.problem(tasks[name].id) or "")


def test_one_task_against_its_target(bench: Bench) -> None:
    tasks = _five(bench)
    d = asyncio.run(forecast_task(bench.orchard, short_id(tasks["D"].id)))
    assert d.clashes == (Clash(None, ClashKind.CONFLICT, ("g.txt",), ("g.txt",)),)
    e = asyncio.run(forecast_task(bench.orchard, tasks["E"].id))
    assert [(c.kind, c.paths) for c in e.clashes] == [(ClashKind.OVERLAP, ("g.txt",))]
    assert asyncio.run(forecast_task(bench.orchard, tasks["A"].id)).clashes == ()
    merged = asyncio.run(forecast_task(bench.orchard, tasks["M"].id))
    assert merged.problem and "merged" in merged.problem


def test_one_task_into_another_branch(bench: Bench) -> None:
    tasks = _five(bench)
    git(bench.repo, "branch", "release", tasks["B"].branch)
    a = asyncio.run(forecast_task(bench.orchard, tasks["A"].id, into="release"))
    assert [(c.other, c.kind, c.paths) for c in a.clashes] == [
        (None, ClashKind.CONFLICT, ("f.txt",))
    ]
    with pytest.raises(UserError, match="'nosuch' is not a branch"):
        asyncio.run(forecast_task(bench.orchard, tasks["A"].id, into="nosuch"))


def test_unknown_project_is_a_user_error(bench: Bench) -> None:
    with pytest.raises(UserError, match="nosuch"):
        asyncio.run(forecast(bench.orchard, project="nosuch"))


def test_cli_lists_clashes(bench: Bench, tmp_path: Path) -> None:
    tasks = _five(bench)
    bench.orchard.close()
    cli: Cli = cli_for(tmp_path / "home")
    result = cli("task", "conflicts", "--json")
    assert result.code == 0, result.err
    by_task = {t["task"]: t for t in result.json()}
    d = by_task[tasks["D"].id]["clashes"]
    assert {(c["other"], c["kind"]) for c in d} == {
        (None, "conflict"),
        (tasks["E"].id, "overlap"),
    }
    text = cli("task", "conflicts")
    assert text.code == 0, text.err
    assert f"{tasks['A'].short_id} A" in text.out and "conflict with" in text.out
    one = cli("task", "conflicts", tasks["D"].short_id)
    assert one.code == 0 and "conflict with main: g.txt" in one.out
    bad = cli("task", "conflicts", "--project", "nosuch")
    assert bad.code == 1 and bad.err.startswith("orchard: ") and "Traceback" not in bad.err
