"""Core's values cross the local API as JSON and come back as the same values."""

from __future__ import annotations

import dataclasses
import json

import pytest

from app.core.landing import Conflict, LandCheck, LandResult, TestRun
from app.core.states import TaskState
from app.core.task import Comment, Task
from app.core.wire import WireError, decode, encode


def _task(**changes: object) -> Task:
    base = Task(
        id="t" * 32,
        project="demo",
        title="Add coupons",
        prompt="add",
        agent="shell",
        state=TaskState.SUCCEEDED,
        branch="orchard/add",
        worktree="/w",
        base_ref="main",
        base_commit="c" * 40,
        created_at=1.5,
        cost_usd=0.25,
    )
    return dataclasses.replace(base, **changes)


def _through_json(value: object, hint: object = object) -> object:
    return decode(json.loads(json.dumps(encode(value))), hint)


def test_a_land_check_comes_back_equal_with_its_tuples_and_enums() -> None:
    check = LandCheck(
        task=_task(),
        repo="/r",
        target="main",
        target_commit="a" * 40,
        branch_head=None,
        tip="b" * 40,
        uncommitted=("x.py",),
        merged_tree=None,
        conflicts=(Conflict("a.py", ("<<<<<<< main\n=======\n>>>>>>> task",), ("binary",)),),
        ahead=2,
        behind=1,
        nothing_to_land=False,
        checkout="/r",
        dirty=(),
        busy=None,
        unsettled=None,
        worktree_missing=False,
        notes=("note",),
    )
    back = _through_json(check)
    assert back == check
    assert isinstance(back, LandCheck) and back.task.state is TaskState.SUCCEEDED
    assert back.problems() == check.problems()


def test_a_land_result_with_its_test_run_and_a_list_of_comments_come_back() -> None:
    result = LandResult(
        _task(state=TaskState.MERGED),
        "squash",
        "main",
        "a" * 40,
        "b" * 40,
        None,
        TestRun("pytest", True, 0, 1.25, "ok"),
        None,
        ("landed",),
    )
    assert _through_json(result) == result
    comments = [Comment("t", "a.py", 3, "why?", id=7), Comment("t", "b.py", 1, "ok", side="old")]
    assert _through_json(comments, list[Comment]) == comments
    pair = _through_json((_task(), True), tuple[Task, bool])
    assert pair == (_task(), True)


def test_only_the_listed_modules_classes_cross() -> None:
    @dataclasses.dataclass(frozen=True)
    class Stranger:
        x: int

    with pytest.raises(WireError, match="Stranger does not cross"):
        encode(Stranger(1))
    with pytest.raises(WireError, match="'Popen', which this Orchard does not know"):
        decode({"~": "Popen", "args": ["rm"]})
