"""Operations through the real service: a land, a refusal that carries its check, and every
connected board seeing what another client did, at once."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from app.client import (
    Operations,
    Refused,
    ServiceClient,
    ServiceError,
    ServiceLink,
    client_call,
    link_call,
)
from app.core.states import TaskState
from tests.conftest import Cli, git, make_repo
from tests.server.conftest import task_state, wait_for


def _finished_task(on: Cli, project: str, script: str) -> str:
    task_id = on("task", "new", project, script, "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "succeeded", what="the agent to finish")
    return task_id


def test_a_land_through_the_service_reaches_every_board_at_once(
    on: Cli, project: str, home: Path, tmp_path: Path
) -> None:
    task_id = _finished_task(on, project, "echo coupons > coupons.txt")

    async def land_while_watching() -> TaskState:
        link = ServiceLink(home)
        seen: list[TaskState] = []

        async def watch() -> None:
            async for line in link.lines("/v1/board"):
                tasks = line.get("tasks", ())
                seen.extend(TaskState(t["state"]) for t in tasks if t["id"] == task_id)
                if TaskState.MERGED in seen:
                    return

        watcher = asyncio.ensure_future(watch())
        result = await Operations(client_call(ServiceClient(home))).land(task_id, "squash")
        assert result.task.state is TaskState.MERGED and result.strategy == "squash"
        await asyncio.wait_for(watcher, 10)
        await link.close()
        return seen[-1]

    assert asyncio.run(land_while_watching()) is TaskState.MERGED
    assert (tmp_path / "repo" / "coupons.txt").read_text() == "coupons\n"
    assert task_state(on, task_id) == "merged"


def test_a_refused_land_carries_its_check_and_changes_nothing(
    on: Cli, project: str, home: Path, tmp_path: Path
) -> None:
    task_id = _finished_task(on, project, "echo task > README.md")
    repo = tmp_path / "repo"
    (repo / "README.md").write_text("main moved\n")
    git(repo, "commit", "-qam", "main moved")
    before = git(repo, "rev-parse", "HEAD")

    async def land() -> Refused:
        ops = Operations(link_call(ServiceLink(home)))
        check = await ops.check_land(task_id)
        assert [c.path for c in check.conflicts] == ["README.md"] and check.behind == 1
        with pytest.raises(Refused) as refused:
            await ops.land(task_id)
        return refused.value

    refusal = asyncio.run(land())
    assert refusal.kind == "LandRefused" and "conflicts with main" in str(refusal)
    assert refusal.detail["check"].conflicts[0].path == "README.md"
    assert git(repo, "rev-parse", "HEAD") == before
    assert task_state(on, task_id) == "succeeded"


def test_bad_requests_are_refused_in_one_line(on: Cli, project: str, home: Path) -> None:
    on("service", "start")
    ops = Operations(client_call(ServiceClient(home)))
    with pytest.raises(Refused, match=r"no operation 'task\.explode'"):
        asyncio.run(ops.do("task.explode"))
    with pytest.raises(Refused, match="needs 'ref' as text"):
        asyncio.run(ops.do("task.retry", ref=7))
    with pytest.raises(Refused, match="is not a task id"):
        asyncio.run(ops.retry("nosuchtask"))
    with pytest.raises(ServiceError, match="must be a JSON object"):
        ServiceClient(home).request("POST", "/v1/do/task.get", ["not", "an", "object"])


def test_commands_act_through_the_service_so_every_board_sees_them(
    on: Cli, project: str, home: Path, tmp_path: Path
) -> None:
    landed = _finished_task(on, project, "echo one > one.txt")
    commented = _finished_task(on, project, "echo two > two.txt")

    async def watch_while(*commands: tuple[str, ...]) -> dict[str, str]:
        link, states = ServiceLink(home), {}

        async def watch() -> None:
            async for line in link.lines("/v1/board"):
                states.update({t["id"]: t["state"] for t in line.get("tasks", ())})
                if states.get(landed) == "merged" and states.get(commented) == "queued":
                    return

        watcher = asyncio.ensure_future(watch())
        await asyncio.sleep(0.3)  # the stream's first batch: every task as it is
        for command in commands:
            result = await asyncio.to_thread(on, *command)
            assert result.code == 0, result.err
        await asyncio.wait_for(watcher, 10)  # only the service tells the board
        await link.close()
        return states

    states = asyncio.run(
        watch_while(
            ("task", "merge", landed, "--strategy", "squash"),
            ("task", "comment", commented, "two.txt:1", "say three", "--send"),
        )
    )
    assert states[landed] == "merged" and states[commented] == "queued"
    assert (tmp_path / "repo" / "one.txt").exists()
    # The service ran the follow-up turn (a shell agent runs the comments as a script: it fails).
    wait_for(lambda: task_state(on, commented) in ("succeeded", "failed"), what="the turn")
    assert on("task", "show", commented, "--json").json()["turns"] == 2


def test_a_relative_path_is_the_askers_not_the_services(
    on: Cli, project: str, home: Path, tmp_path: Path
) -> None:
    on("service", "start")
    make_repo(tmp_path / "elsewhere" / "shop")
    added = on("project", "add", "shop", cwd=tmp_path / "elsewhere")
    assert added.code == 0, added.err
    assert f"{tmp_path / 'elsewhere' / 'shop'} (base main)" in added.out
    shutil.move(tmp_path / "elsewhere" / "shop", tmp_path / "moved")
    moved = on("project", "move", "shop", "moved", cwd=tmp_path)
    assert moved.code == 0, moved.err
    assert str(tmp_path / "moved") in moved.out


def test_the_tasks_an_answer_holds_are_found_without_walking_what_cannot_hold_one() -> None:
    from app.core.compare import Pick
    from app.core.diff import FileDiff, FileEntry, FileStatus, ReviewSnapshot, Row, RowKind
    from app.server.operations.registry import _may_hold_tasks, changed_tasks
    from tests.taskkit import make_task

    one, two = make_task(id="a" * 32), make_task(id="b" * 32)
    pick = Pick(one, [two], {"c": "busy"})
    assert changed_tasks(pick) == [one, two]
    assert changed_tasks({"x": [(1, pick)]}) == [one, two]
    entry = FileEntry("a.py", FileStatus.MODIFIED)
    assert not _may_hold_tasks(ReviewSnapshot) and not _may_hold_tasks(FileDiff)
    assert not _may_hold_tasks(Row) and _may_hold_tasks(Pick)
    rows = tuple(Row(RowKind.CONTEXT, i, "x", i, "x", 0) for i in range(3))
    assert changed_tasks([ReviewSnapshot("r", "b", "t", (entry,)), FileDiff(entry, rows)]) == []
