"""Best-of-N's code over real attempts: what each changed, a file as each has it, two compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.diff import FileStatus, RowKind
from app.core.task import Task
from app.services.land import attempts, compare
from app.services.orchard import Orchard, UserError
from tests.services.test_compare import scenario

pytestmark = pytest.mark.timeout(120)


def test_each_attempts_changes_versions_and_a_diff_between_two(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        changes = await attempts.group_changes(orchard, tasks["good"].id)
        assert [a.number for a in changes.attempts] == [1, 2, 3]
        assert changes.paths() == ["README.md", "a.txt", "b.txt", "good.txt"]
        two, readme = tasks["two"].id, tasks["readme"].id
        b = changes.entry(two, "b.txt")
        assert b is not None and b.status is FileStatus.ADDED and b.insertions == 2
        assert changes.entry(readme, "b.txt") is None

        found = await attempts.file_versions(orchard, changes, "README.md")
        assert found.base == "hello\n"
        assert found.attempts[readme] == "hello\nmore\n"
        assert found.attempts[two] == "hello\n" and found.attempts[tasks["good"].id] == "hello\n"
        added = await attempts.file_versions(orchard, changes, "b.txt")
        assert added.base is None and added.attempts[two] == "b\nc\n"
        assert added.attempts[readme] is None

        # one attempt against another: "two" lacks the line "readme" added
        diff = await attempts.attempts_diff(orchard, changes, "README.md", readme, two)
        shown = [(r.kind, r.old_text) for r in diff.rows if r.kind is not RowKind.CONTEXT]
        assert shown[1:] == [(RowKind.DELETE, "more")] and shown[0][0] is RowKind.HUNK
        number = next(a.number for a in changes.attempts if a.task_id == two)  # slots race
        by_number = await attempts.attempts_diff(orchard, changes, "b.txt", "base", f"#{number}")
        assert [r.new_text for r in by_number.rows if r.kind is RowKind.ADD] == ["b", "c"]
        same = await attempts.attempts_diff(orchard, changes, "README.md", two, "base")
        assert same.rows == ()
        with pytest.raises(UserError, match="'#9' is not an attempt"):
            await attempts.attempts_diff(orchard, changes, "b.txt", "base", "#9")

    scenario(tmp_path, None, body)


def test_opening_a_group_reads_the_scoreboard_and_changes_together(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        board, changes = await attempts.open_group(orchard, tasks["two"].id)
        alone = await compare.load_scoreboard(orchard, tasks["two"].id)
        assert [(a.id, a.files_changed, a.insertions, a.deletions) for a in board.attempts] == [
            (a.id, a.files_changed, a.insertions, a.deletions) for a in alone.attempts
        ]
        assert {a.task_id for a in changes.attempts} == {a.id for a in board.attempts}

    scenario(tmp_path, None, body)
