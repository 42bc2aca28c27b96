"""Landing over real repositories: each strategy, each place the target can be, each refusal."""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.core.task import Task
from app.services.land.archive import archive_ref
from app.services.land.landcheck import check_land
from app.services.land.landing import LandRefused, conflict_followup_prompt, land_task
from app.services.orchard import Orchard, UserError
from tests.conftest import git
from tests.services.landkit import (
    commit,
    head,
    new_task,
    orchard,
    project,
    repo_state,
    run,
    show,
    task_commit,
    write,
)

__all__ = ["orchard", "project"]


def _set_test(orchard: Orchard, command: str | None) -> None:
    # The store has no "edit project"; set the test command in the database itself.
    with sqlite3.connect(orchard.home.db) as db:
        db.execute("UPDATE projects SET test = ? WHERE name = 'repo'", (command,))
    assert orchard.store.project("repo").test == command


@pytest.mark.parametrize("strategy", ["merge", "squash", "rebase"])
@pytest.mark.parametrize("checked_out", [True, False])
def test_clean_land(orchard: Orchard, project: Path, strategy: str, checked_out: bool) -> None:
    task = new_task(orchard)
    task_commit(task, {"feature.txt": "one\n"}, "first step")
    task_commit(task, {"feature.txt": "one\ntwo\n"}, "second step")
    old_main = commit(project, {"other.txt": "main moved\n"}, "meanwhile on main")
    if not checked_out:
        git(project, "checkout", "-q", "--detach")

    result = run(land_task(orchard, task.id, strategy=strategy))

    new_main = head(project, "main")
    assert result.commit == new_main and result.previous == old_main
    assert result.task.state is TaskState.MERGED and result.task.landed_commit == new_main
    assert show(project, "main:feature.txt") == b"one\ntwo\n"
    assert show(project, "main:other.txt") == b"main moved\n"
    parents = git(project, "rev-list", "--parents", "-n1", "main").split()[1:]
    if strategy == "merge":
        assert parents == [old_main, head(task.worktree)]
        assert git(project, "log", "-1", "--format=%s", "main").startswith("Merge task add feature")
    elif strategy == "squash":
        assert parents == [old_main]
        assert git(project, "log", "-1", "--format=%s", "main").strip() == "add feature"
    else:
        subjects = git(project, "log", "--format=%s", f"{old_main}..main").split("\n")[:2]
        assert subjects == ["second step", "first step"]
        assert head(task.worktree) != new_main  # the task branch keeps the agent's commits
    if checked_out:
        assert result.checkout == str(project) and head(project) == new_main
        assert git(project, "status", "--porcelain") == ""
        assert (project / "feature.txt").read_text() == "one\ntwo\n"
    else:
        assert result.checkout is None and head(project) == old_main


def test_conflict_is_refused_with_files_and_hunks_and_nothing_changes(
    orchard: Orchard, project: Path
) -> None:
    task = new_task(orchard)
    task_commit(task, {"src/app.py": "x = 2\n"})
    write(task.worktree, {"wip.txt": "uncommitted\n"})
    commit(project, {"src/app.py": "x = 3\n"}, "main edits the same line")
    git(project, "stash", "list")
    write(project, {"untracked-user-file.txt": "mine\n"})
    before = repo_state(project, task.worktree)

    with pytest.raises(LandRefused, match="conflicts with main") as refused:
        run(land_task(orchard, task.id, strategy="squash"))

    assert repo_state(project, task.worktree) == before
    check = refused.value.check
    assert check is not None and [c.path for c in check.conflicts] == ["src/app.py"]
    [hunk] = check.conflicts[0].hunks
    assert "x = 3" in hunk and "x = 2" in hunk and hunk.startswith("<<<<<<<")
    assert check.behind == 1
    prompt = conflict_followup_prompt(check, "main")
    assert "src/app.py" in prompt and "git rebase main" in prompt and "x = 2" in prompt
    assert orchard.task(task.id).state is TaskState.SUCCEEDED


def test_dirty_checked_out_target_is_refused_naming_files(orchard: Orchard, project: Path) -> None:
    task = new_task(orchard)
    task_commit(task, {"new.txt": "from the task\n"})
    write(project, {"README.md": "user edit\n", "new.txt": "user's own untracked\n"})
    write(project, {"harmless.txt": "untracked, not in the way\n"})
    git(project, "stash", "push", "-q", "--", "README.md")
    write(project, {"README.md": "user edit again\n"})
    before = repo_state(project, task.worktree)

    with pytest.raises(LandRefused) as refused:
        run(land_task(orchard, task.id))

    message = str(refused.value)
    assert "'README.md'" in message and "'new.txt'" in message and "harmless" not in message
    assert "commit or stash them" in message
    assert repo_state(project, task.worktree) == before


def test_target_moved_meanwhile_fails_cleanly(orchard: Orchard, project: Path) -> None:
    task = new_task(orchard)
    task_commit(task, {"new.txt": "x\n"})
    git(project, "checkout", "-q", "--detach")
    intruder = commit(project, {"intruder.txt": "y\n"}, "someone else")
    git(project, "checkout", "-q", "--detach", "main")
    # The test gate runs while the land is under way: let it move the target.
    _set_test(orchard, f"git -C '{project}' update-ref refs/heads/main {intruder}")

    with pytest.raises(LandRefused, match="main moved while landing"):
        run(land_task(orchard, task.id))

    assert head(project, "main") == intruder
    assert orchard.task(task.id).state is TaskState.SUCCEEDED


def test_target_deleted_is_named(orchard: Orchard, project: Path) -> None:
    git(project, "branch", "release")
    task = new_task(orchard, base="release")
    task_commit(task, {"new.txt": "x\n"})
    git(project, "branch", "-D", "release")
    with pytest.raises(UserError, match="'release' no longer exists"):
        run(land_task(orchard, task.id))
    with pytest.raises(UserError, match="no branch 'nope'"):
        run(land_task(orchard, task.id, into="nope"))
    assert run(land_task(orchard, task.id, into="main")).task.state is TaskState.MERGED


def test_check_reports_base_moved_and_dirty_nothing(orchard: Orchard, project: Path) -> None:
    task = new_task(orchard)
    task_commit(task, {"new.txt": "x\n"})
    commit(project, {"a.txt": "1\n"}, "a")
    commit(project, {"b.txt": "2\n"}, "b")
    check = run(check_land(orchard, task.id))
    assert (check.ahead, check.behind, check.problems()) == (1, 2, [])
    assert check.checkout == str(project) and check.dirty == ()


def test_test_gate_failure_moves_nothing_and_shows_output(orchard: Orchard, project: Path) -> None:
    task = new_task(orchard)
    task_commit(task, {"new.txt": "x\n"})
    _set_test(orchard, "echo checking; test -f new.txt && echo 'boom: it broke' >&2 && exit 3")
    before = repo_state(project, task.worktree)

    with pytest.raises(LandRefused, match=r"test command failed.*exit 3") as refused:
        run(land_task(orchard, task.id))

    assert refused.value.output == "checking\nboom: it broke"
    assert repo_state(project, task.worktree) == before
    assert orchard.scratch.paths(free=False) == []  # its scratch checkout given back
    orchard.scratch.close_now()
    assert not list((orchard.home.root / "scratch").iterdir())  # and removed with the pool
    _set_test(orchard, "test -f new.txt && echo fine")
    result = run(land_task(orchard, task.id))
    assert result.tests is not None and result.tests.ok and result.tests.output == "fine"
    skipped = new_task(orchard, "second")
    task_commit(skipped, {"other.txt": "x\n"})
    _set_test(orchard, "exit 1")
    assert run(land_task(orchard, skipped.id, run_tests=False)).tests is None


def test_nothing_to_land(orchard: Orchard) -> None:
    task = new_task(orchard)
    with pytest.raises(LandRefused, match="nothing to land"):
        run(land_task(orchard, task.id))


def test_uncommitted_work_lands_and_is_committed_on_the_branch(
    orchard: Orchard, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The land checks again and commits the work anew; fixed dates make that the same commit
    # as check.tip even when a second boundary falls between the two checks.
    for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(name, "2024-01-01T00:00:00Z")
    task = new_task(orchard)
    write(task.worktree, {"wip.txt": "not committed yet\n", "debug.log": "ignored\n"})
    check = run(check_land(orchard, task.id))
    assert check.uncommitted == ("wip.txt",)
    result = run(land_task(orchard, task.id, strategy="squash"))
    assert show(project, "main:wip.txt") == b"not committed yet\n"
    assert head(task.worktree) == check.tip
    assert git(Path(task.worktree), "status", "--porcelain", "--ignored") == "!! debug.log\n"
    assert any("committed the uncommitted work" in n for n in result.notes)


def test_odd_files_land_byte_identical(orchard: Orchard, project: Path) -> None:
    names = ["with space.txt", "naïve-ünïcode.txt", "new\nline.txt"]
    task = new_task(orchard)
    write(task.worktree, {n: f"{n}\n" for n in names})
    write(task.worktree, {"bin.dat": bytes(range(256)) * 100, "crlf.txt": "a\r\nb\r\n"})
    write(task.worktree, {"README.md": "hello\r\n"})  # LF -> CRLF
    os.symlink("bin.dat", Path(task.worktree, "link"))
    task_commit(task, {})
    result = run(land_task(orchard, task.id, strategy="rebase"))
    for name in names:
        assert (project / name).read_bytes() == f"{name}\n".encode()
    assert (project / "bin.dat").read_bytes() == bytes(range(256)) * 100
    assert (project / "crlf.txt").read_bytes() == b"a\r\nb\r\n"
    assert (project / "README.md").read_bytes() == b"hello\r\n"
    assert os.readlink(project / "link") == "bin.dat"
    assert result.commit == head(project) and git(project, "status", "--porcelain") == ""


def test_worktree_deleted_by_hand_lands_from_the_branch(orchard: Orchard, project: Path) -> None:
    task = new_task(orchard)
    task_commit(task, {"new.txt": "x\n"})
    shutil.rmtree(task.worktree)
    result = run(land_task(orchard, task.id, strategy="merge"))
    assert show(project, "main:new.txt") == b"x\n"
    assert any("was deleted" in n for n in result.notes)
    assert "was deleted" in result.task.last_event
    assert task.worktree not in git(project, "worktree", "list")  # pruned
    assert git(project, "branch", "--list", task.branch).strip()  # branch kept


def test_cleanup_archives_then_removes(orchard: Orchard, project: Path) -> None:
    task: Task = new_task(orchard)
    task_commit(task, {"new.txt": "x\n"})
    result = run(land_task(orchard, task.id, cleanup=True))
    assert result.task.state is TaskState.MERGED and result.archive
    assert not Path(task.worktree).exists()
    assert not git(project, "branch", "--list", task.branch)
    assert head(project, archive_ref(task.id)) == result.archive
    with pytest.raises(UserError, match="landed already"):
        run(land_task(orchard, task.id))


def test_running_task_is_refused(orchard: Orchard) -> None:
    task = new_task(orchard)
    orchard.store.update(task.id, state=TaskState.RUNNING)
    with pytest.raises(UserError, match="stop it first"):
        run(land_task(orchard, task.id))


def test_rebase_stopping_midway_is_refused_with_nothing_changed(
    orchard: Orchard, project: Path
) -> None:
    task = new_task(orchard)
    task_commit(task, {"src/app.py": "x = 2\n"}, "try two")
    task_commit(task, {"src/app.py": "x = 1\n", "new.txt": "n\n"}, "back to one")
    commit(project, {"src/app.py": "x = 3\n"}, "main sets three")
    assert run(check_land(orchard, task.id)).problems() == []  # the whole merges cleanly
    before = repo_state(project, task.worktree)
    with pytest.raises(
        LandRefused, match=r"rebasing onto main stops at a conflict in 'src/app.py'"
    ):
        run(land_task(orchard, task.id, strategy="rebase"))
    assert repo_state(project, task.worktree) == before
    assert "scratch" not in git(project, "worktree", "list")
    assert run(land_task(orchard, task.id, strategy="merge")).task.state is TaskState.MERGED


def test_land_never_overwrites_an_ignored_file_in_the_checkout(
    orchard: Orchard, project: Path
) -> None:
    task = new_task(orchard)
    write(task.worktree, {"settings.log": "from the agent\n"})
    git(Path(task.worktree), "add", "-f", "settings.log")
    git(Path(task.worktree), "commit", "-qm", "force-add an ignored file")
    write(project, {"settings.log": "the user's own\n"})
    before = head(project, "main")
    with pytest.raises(LandRefused):
        run(land_task(orchard, task.id, strategy="rebase"))
    assert (project / "settings.log").read_text() == "the user's own\n"
    assert head(project, "main") == before and orchard.task(task.id).state is TaskState.SUCCEEDED


def test_rebase_land_moves_no_other_branch(orchard: Orchard, project: Path) -> None:
    git(project, "config", "rebase.updateRefs", "true")
    task = new_task(orchard)
    middle = task_commit(task, {"a.txt": "a\n"}, "step one")
    git(Path(task.worktree), "branch", "side", middle)
    task_commit(task, {"b.txt": "b\n"}, "step two")
    commit(project, {"other.txt": "main moved\n"}, "meanwhile")
    run(land_task(orchard, task.id, strategy="rebase"))
    assert head(project, "side") == middle
    assert show(project, "main:b.txt") == b"b\n"


def test_land_refuses_a_worktree_mid_rebase(orchard: Orchard, project: Path) -> None:
    task = new_task(orchard)
    wt = Path(task.worktree)
    task_commit(task, {"a.txt": "a\n"}, "one")
    task_commit(task, {"a.txt": "a\nb\n"}, "two")
    stopped = subprocess.run(
        ["git", "-c", "core.editor=true", "rebase", "-q", "--exec", "false", "HEAD~1"],
        cwd=wt,
        capture_output=True,
    )
    assert stopped.returncode != 0
    before = head(project, "main")
    check = run(check_land(orchard, task.id))  # what `task merge --check` and the dialog show
    assert any("middle of a rebase" in p for p in check.problems())
    assert check.to_json()["unsettled"] == check.unsettled
    with pytest.raises(LandRefused, match=r"middle of a rebase; finish or abort"):
        run(land_task(orchard, task.id))
    git(wt, "rebase", "--abort")
    git(wt, "checkout", "-q", "--detach")
    with pytest.raises(LandRefused, match=r"not the task branch"):
        run(land_task(orchard, task.id))
    assert head(project, "main") == before


def test_land_refuses_when_the_task_is_queued_meanwhile(orchard: Orchard, project: Path) -> None:
    task = new_task(orchard)
    task_commit(task, {"a.txt": "a\n"})
    db = orchard.home.db
    script = (
        f"import sqlite3; c = sqlite3.connect({str(db)!r}); "
        f"c.execute(\"UPDATE tasks SET state = 'queued' WHERE id = '{task.id}'\"); c.commit()"
    )
    _set_test(orchard, f"python3 -c {shlex.quote(script)}")
    before = head(project, "main")
    with pytest.raises(LandRefused, match=r"nothing landed"):
        run(land_task(orchard, task.id))
    assert head(project, "main") == before and Path(task.worktree).exists()


def test_a_comment_added_while_the_tests_run_stops_the_land(
    orchard: Orchard, project: Path
) -> None:
    from app.services.land.followup import UnsentComments

    task = new_task(orchard)
    write(task.worktree, {"feature.txt": "new\n"})
    before = head(project)
    insert = (
        "INSERT INTO comments (task_id, path, line, text, side, quote, created_at) "
        f"VALUES ('{task.id}', 'feature.txt', 1, 'wait', 'new', '', 1.0)"
    )
    script = orchard.home.root / "comment_now.py"
    script.write_text(
        f"import sqlite3\nc = sqlite3.connect({str(orchard.home.db)!r})\n"
        f"c.execute({insert!r})\nc.commit()\n"
    )
    _set_test(orchard, f"python3 '{script}'")  # the person comments while the tests run
    with pytest.raises(UnsentComments, match="1 unsent comment"):
        run(land_task(orchard, task.id))
    assert head(project) == before  # nothing landed
    assert orchard.task(task.id).state is TaskState.SUCCEEDED
