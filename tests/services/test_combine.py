"""Combining a group's attempts over real repositories: three shell attempts, real git."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from app.client import Operations, Refused
from app.core.compare import Take
from app.core.states import TaskState
from app.core.task import Task
from app.server.operations import local_call
from app.server.operations.registry import perform
from app.services.config.settings import Home
from app.services.land import land_task
from app.services.land.combine import combine_attempts
from app.services.land.review import review_base
from app.services.orchard import Orchard, UserError
from tests.conftest import git, make_repo

pytestmark = pytest.mark.timeout(120)

BASE = "".join(f"line {n}\n" for n in range(1, 31))
FILES = {"README.md": "hello\n", "src/a.py": BASE, "notes.txt": "n1\nn2\nn3\nn4\n"}


def prompt_for(slots: Path) -> str:
    """One prompt for every attempt; each claims a slot (mkdir is atomic) and edits by it.

    "one" changes lines 3 and 25 of src/a.py (two hunks) and adds one.txt; "two" changes
    lines 3 and 12 (its hunk 1 overlaps one's hunk 1); "three" changes the README, adds a
    binary file and renames notes.txt.
    """
    return (
        f'for n in 1 2 3; do mkdir "{slots}/$n" 2>/dev/null && break; done; case $n in '
        "1) sed -i 's/^line 3$/one 3/; s/^line 25$/one 25/' src/a.py; echo one > one.txt;; "
        "2) sed -i 's/^line 3$/two 3/; s/^line 12$/two 12/' src/a.py;; "
        "3) echo more >> README.md; printf 'a\\000b' > blob.bin; mv notes.txt notes.md;; esac"
    )


def role_of(task: Task) -> str:
    """Name an attempt by what it changed."""
    text = (Path(task.worktree) / "src/a.py").read_text()
    return "one" if "one 3" in text else "two" if "two 3" in text else "three"


async def make_group(tmp_path: Path, test: str | None = None) -> tuple[Orchard, dict[str, Task]]:
    """Run a group of three shell attempts to the end; return them by role."""
    repo = make_repo(tmp_path / "repo", FILES)
    orchard = Orchard(Home(tmp_path / "home"))
    await orchard.add_project(str(repo), test=test)
    slots = tmp_path / "slots"
    slots.mkdir()
    await orchard.new_tasks("repo", prompt_for(slots), agent="shell", title="Fix", attempts=3)
    orchard.lock.acquire()
    await orchard.supervisor.run()
    tasks = {role_of(t): t for t in orchard.store.tasks()}
    assert sorted(tasks) == ["one", "three", "two"]
    assert {t.state for t in tasks.values()} == {TaskState.SUCCEEDED}
    return orchard, tasks


def scenario(
    tmp_path: Path,
    body: Callable[[Orchard, dict[str, Task]], Awaitable[None]],
    test: str | None = None,
) -> None:
    async def main() -> None:
        orchard, tasks = await make_group(tmp_path, test)
        try:
            await body(orchard, tasks)
        finally:
            orchard.close()

    asyncio.run(main())


def number(orchard: Orchard, task: Task) -> int:
    """Return the attempt's number in its group: #1 is the oldest."""
    ids = [t.id for t in sorted(orchard.store.tasks(), key=lambda t: t.created_at)]
    return ids.index(task.id) + 1


def made(orchard: Orchard, repo: Path) -> tuple[object, ...]:
    """Return what a combine would make: tasks, branches, worktrees, log folders."""
    return (
        sorted(t.id for t in orchard.store.tasks()),
        git(repo, "branch", "--format=%(refname)"),
        git(repo, "worktree", "list", "--porcelain"),
        sorted(os.listdir(orchard.home.logs)),
        sorted(p.name for p in (orchard.home.worktrees / "repo").iterdir()),
    )


def changed_lines(repo: Path, base: str, what: str, *paths: str) -> set[str]:
    """Return the removed and added lines of `what` against `base`, each with its path."""
    diff = git(repo, "diff", "-U0", "--no-renames", base, what, "--", *paths)
    out, path = set(), ""
    for line in diff.splitlines():
        if line.startswith("+++ "):
            path = line[6:]
        elif line[:1] in "+-" and not line.startswith("--- "):
            out.add(f"{path} {line}")
    return out


def test_two_attempts_combine_into_exactly_the_chosen_hunks(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        one, two, three = tasks["one"], tasks["two"], tasks["three"]
        repo = Path(orchard.store.project("repo").path)
        base = await review_base(str(repo), one)
        takes = [
            Take(one.short_id, "src/a.py", 2),  # line 25
            Take(two.id, "src/a.py", 2),  # line 12
            Take(one.id, "one.txt"),
            Take(one.id, "src/a.py", 2),  # the same take twice is harmless
        ]
        combined = await combine_attempts(orchard, two.id, takes)
        task = combined.task
        assert task.state is TaskState.SUCCEEDED and task.group == one.group
        assert task.base_commit == base and task.turns == 1
        assert orchard.task(task.id) == task
        n1, n2 = number(orchard, one), number(orchard, two)
        assert task.title == f"Fix (combined from #{min(n1, n2)}, #{max(n1, n2)})"
        assert [t.label() for t in combined.takes] == [
            f"hunk 2 of src/a.py in #{n1} ({one.id[:8]})",
            f"hunk 2 of src/a.py in #{n2} ({two.id[:8]})",
            f"one.txt in #{n1} ({one.id[:8]})",
        ]
        assert all(t.label() in task.prompt for t in combined.takes)
        assert three.id not in task.prompt
        wt = Path(task.worktree)
        expected = BASE.replace("line 12\n", "two 12\n").replace("line 25\n", "one 25\n")
        assert (wt / "src/a.py").read_text() == expected
        assert (wt / "one.txt").read_text() == "one\n"
        assert (wt / "README.md").read_text() == "hello\n"
        assert not (wt / "blob.bin").exists() and (wt / "notes.txt").exists()
        assert git(wt, "status", "--porcelain") == ""
        assert git(wt, "rev-parse", "HEAD").strip() == combined.commit
        assert git(wt, "rev-parse", "HEAD~1").strip() == base
        assert git(repo, "rev-parse", task.branch).strip() == combined.commit
        # the combined diff is the union of the chosen hunks, and nothing else
        chosen = {line for line in changed_lines(repo, base, one.branch) if "25" in line}
        chosen |= {line for line in changed_lines(repo, base, two.branch) if "12" in line}
        assert chosen == {
            "src/a.py -line 25", "src/a.py +one 25", "src/a.py -line 12", "src/a.py +two 12"
        }  # fmt: skip
        chosen |= changed_lines(repo, base, one.branch, "one.txt")
        assert changed_lines(repo, base, combined.commit) == chosen
        assert (task.files_changed, task.insertions, task.deletions) == (2, 3, 2)
        message = git(wt, "log", "-1", "--format=%B")
        assert message.startswith(task.title) and combined.takes[1].label() in message
        # the attempts are untouched
        assert "two 3" in (Path(two.worktree) / "src/a.py").read_text()

    scenario(tmp_path, body)


def test_overlapping_hunks_are_refused_naming_both_and_nothing_is_made(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        one, two = tasks["one"], tasks["two"]
        repo = Path(orchard.store.project("repo").path)
        before = made(orchard, repo)
        n1, n2 = number(orchard, one), number(orchard, two)
        takes = [Take(one.id, "one.txt"), Take(one.id, "src/a.py", 1), Take(two.id, "src/a.py", 1)]
        with pytest.raises(UserError) as caught:
            await combine_attempts(orchard, one.id, takes)
        assert str(caught.value) == (
            f"hunk 1 of src/a.py in #{n1} ({one.id[:8]}) overlaps "
            f"hunk 1 of src/a.py in #{n2} ({two.id[:8]}); nothing was made"
        )
        whole = [Take(two.id, "src/a.py", 2), Take(one.id, "src/a.py")]
        with pytest.raises(UserError, match=rf"hunk 2 of src/a.py in #{n2} .* overlaps src/a.py"):
            await combine_attempts(orchard, one.id, whole)
        assert made(orchard, repo) == before

    scenario(tmp_path, body)


def test_bad_takes_are_refused_before_anything_is_made(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        one, three = tasks["one"], tasks["three"]
        repo = Path(orchard.store.project("repo").path)
        before = made(orchard, repo)
        n1, n3 = number(orchard, one), number(orchard, three)

        async def refused(group: str, *takes: Take) -> str:
            with pytest.raises(UserError) as caught:
                await combine_attempts(orchard, group, list(takes))
            return str(caught.value)

        missing = await refused(one.group or "", Take(one.id, "src/a.py", 5))
        assert missing == f"src/a.py has 2 hunks in attempt #{n1} ({one.id[:8]}); no hunk 5"
        unchanged = await refused(one.id, Take(three.id, "src/a.py"))
        assert (
            unchanged == f"attempt #{n3} ({three.id[:8]}) did not change src/a.py; nothing to take"
        )
        folder = await refused(one.id, Take(one.id, "src"))
        assert folder == "src is a folder; take one file at a time"
        outside = await refused(one.id, Take(one.id, "../etc/passwd"))
        assert "is not a path inside" in outside
        hunk = await refused(one.id, Take(three.id, "blob.bin", 1))
        assert hunk.startswith("blob.bin has no hunks in") and hunk.endswith(":blob.bin")
        for path in ("notes.md", "notes.txt"):
            renamed = await refused(one.id, Take(three.id, path))
            assert renamed == (
                f"{path} is part of a rename in attempt #{n3} ({three.id[:8]}) "
                "(notes.txt → notes.md); a combine cannot take a renamed file"
            )
        assert "choose at least one part" in await refused(one.id)
        assert "no task or group 'beef'" in await refused("beef", Take(one.id, "one.txt"))
        [single] = await orchard.new_tasks("repo", "echo hi", agent="shell", title="Other")
        stranger = await refused(one.id, Take(single.id, "x.txt"))
        assert stranger.startswith(f"task {single.short_id} is not an attempt of group")
        alone = await refused(single.id, Take(single.id, "x.txt"))
        assert "is a single attempt" in alone
        queued = await orchard.new_tasks("repo", "echo hi", agent="shell", attempts=2)
        waiting = await refused(queued[0].id, Take(queued[1].id, "x.txt"))
        assert waiting.endswith("is queued; wait for it to finish before combining it")
        orchard.store.update(three.id, state=TaskState.RUNNING)
        running = await refused(one.id, Take(three.id, "README.md"))
        assert running.startswith(f"attempt #{n3} ({three.id[:8]}) is running; wait for it")
        orchard.store.update(three.id, state=TaskState.SUCCEEDED)
        tasks_now = sorted(t.id for t in orchard.store.tasks())
        assert made(orchard, repo)[1:] == before[1:]
        assert set(tasks_now) - set(before[0]) == {single.id, *(t.id for t in queued)}

    scenario(tmp_path, body)


def test_attempts_on_different_bases_are_refused(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        one, two = tasks["one"], tasks["two"]
        repo = Path(orchard.store.project("repo").path)
        (repo / "late.txt").write_text("late\n")
        git(repo, "add", "late.txt")
        git(repo, "commit", "-qm", "later on main")
        git(Path(two.worktree), "merge", "-q", "--no-edit", "main")  # two is brought up to date
        with pytest.raises(UserError, match="start from different commits"):
            await combine_attempts(
                orchard, one.id, [Take(one.id, "one.txt"), Take(two.id, "src/a.py", 2)]
            )

    scenario(tmp_path, body)


def test_a_combined_task_lands_through_the_test_gate(tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    command = f'echo "$(pwd)" >> {ran}; grep -q "two 12" src/a.py && test -f one.txt'

    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        one, two = tasks["one"], tasks["two"]
        takes = [Take(one.id, "one.txt"), Take(two.id, "src/a.py", 2)]
        combined = await combine_attempts(orchard, one.id, takes, title="Best of both")
        assert combined.task.title == "Best of both"
        result = await land_task(orchard, combined.task.id)
        assert result.tests is not None and result.tests.ok and result.tests.exit_code == 0
        assert ran.read_text().strip()  # the gate ran the command, in its own checkout
        assert orchard.task(combined.task.id).state is TaskState.MERGED
        repo = Path(orchard.store.project("repo").path)
        assert "two 12" in git(repo, "show", "main:src/a.py")
        assert git(repo, "show", "main:one.txt") == "one\n"

    scenario(tmp_path, body, test=command)


def test_a_failure_midway_leaves_nothing_half_made(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        one, two = tasks["one"], tasks["two"]
        repo = Path(orchard.store.project("repo").path)
        before = made(orchard, repo)
        # A hook that refuses to move any existing branch: the new branch is made, its commit
        # is refused, after the worktree and the applied hunks are already there.
        hooks = tmp_path / "hooks"
        hooks.mkdir()
        hook = hooks / "reference-transaction"
        hook.write_text(
            '#!/bin/sh\n[ "$1" = prepared ] || exit 0\n'
            f"zero={'0' * 40}\n"
            'while read old new ref; do case "$ref" in refs/heads/*) '
            '[ "$old" != $zero ] && [ "$new" != $zero ] && exit 1;; esac; done; exit 0\n'
        )
        hook.chmod(0o755)
        git(repo, "config", "core.hooksPath", str(hooks))
        takes = [Take(one.id, "one.txt"), Take(two.id, "src/a.py", 2)]
        with pytest.raises(UserError, match=r"could not make the combined task: .*hook"):
            await combine_attempts(orchard, one.id, takes)
        assert made(orchard, repo) == before

    scenario(tmp_path, body)


def test_the_operation_takes_plain_json_and_refuses_in_one_line(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        one, two = tasks["one"], tasks["two"]
        n1 = number(orchard, one)
        ops = Operations(local_call(orchard))
        combined = await ops.combine_attempts(one.group or "", [Take(one.short_id, "one.txt")])
        assert combined.takes == (Take(one.id, "one.txt", None, n1),)
        assert combined.task == orchard.task(combined.task.id)
        assert combined.task.state is TaskState.SUCCEEDED
        with pytest.raises(Refused, match="overlaps"):
            await ops.combine_attempts(
                one.id, [Take(one.id, "src/a.py", 1), Take(two.id, "src/a.py", 1)]
            )
        for params, why in [
            ({"group": one.id}, "the request needs 'takes' as a list"),
            ({"group": one.id, "takes": ["x"]}, 'each take needs to be {"task"'),
            ({"group": one.id, "takes": [{"task": one.id, "path": "a", "hunk": "2"}]}, "hunk"),
            ({"group": one.id, "takes": [{"task": one.id, "hunk": 2}]}, "'path' as text"),
        ]:
            refused = await perform(orchard, "compare.combine", params)
            assert why in refused["error"] and "\n" not in refused["error"]

    scenario(tmp_path, body)


def test_a_binary_file_is_taken_whole(tmp_path: Path) -> None:
    async def body(orchard: Orchard, tasks: dict[str, Task]) -> None:
        one, three = tasks["one"], tasks["three"]
        takes = [Take(three.id, "blob.bin"), Take(one.id, "src/a.py", 1)]
        combined = await combine_attempts(orchard, one.id, takes)
        wt = Path(combined.task.worktree)
        assert (wt / "blob.bin").read_bytes() == b"a\0b"
        assert (wt / "src/a.py").read_text() == BASE.replace("line 3\n", "one 3\n")
        assert (wt / "README.md").read_text() == "hello\n"

    scenario(tmp_path, body)
