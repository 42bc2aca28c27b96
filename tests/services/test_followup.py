"""Comments and follow-up turns over real repositories, real agents' processes and the store."""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.followup import compose_followup, fresh_prompt
from app.core.profiles import AgentProfile, OutputFormat
from app.core.states import TaskState
from app.core.task import Task
from app.services.config.settings import Home, Settings, default_profiles, load_settings
from app.services.config.settings_file import save_settings
from app.services.land.followup import (
    QUOTE_CHARS,
    QUOTE_SCAN_BYTES,
    add_comment,
    open_comments,
    send_followup,
)
from app.services.orchard import Orchard, UserError
from tests.conftest import git, make_repo

# Writes the prompt it is sent into the worktree, so the branch shows what each turn got.
RECORDER = AgentProfile(
    "recorder", ("sh", "-c", "cat >> prompts.txt; echo >> prompts.txt"), prompt_via="stdin"
)
# Reports a session like codex does; resumes it by running a different command.
THREAD = '{"type":"thread.started","thread_id":"sess-42"}'
RESUMER = AgentProfile(
    "resumer",
    ("sh", "-c", f"printf '%s\\n' '{THREAD}'; cat > first.txt"),
    OutputFormat.CODEX,
    prompt_via="stdin",
    resume_argv=(
        "sh",
        "-c",
        f"""printf '%s\\n' '{THREAD}'; cat > second.txt; echo "$1" > session.txt""",
        "sh",
        "{session_id}",
    ),
)


def run[T](coro: Awaitable[T]) -> T:
    """Run one coroutine to completion."""

    async def wrap() -> T:
        return await coro

    return asyncio.run(wrap())


def in_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body in one event loop, as the CLI and the window do."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


@pytest.fixture
def orchard(tmp_path: Path) -> Iterator[Orchard]:
    repo = make_repo(tmp_path / "repo", {"README.md": "hello\nworld\n", "src/app.py": "x = 1\n"})
    profiles = {**default_profiles(), "recorder": RECORDER, "resumer": RESUMER}
    o = Orchard(Home(tmp_path / "home"), settings=Settings(profiles=profiles))
    run(o.add_project(str(repo), name="repo"))
    yield o
    o.close()


async def _ran(orchard: Orchard, prompt: str, agent: str = "shell") -> Task:
    """Queue a task and run it to its end with the in-process supervisor."""
    [task] = await orchard.new_tasks("repo", prompt, agent=agent)
    await orchard.supervisor.run()
    return orchard.task(task.id)


def _events(orchard: Orchard, task: Task) -> list[dict[str, Any]]:
    path = orchard.home.logs / task.id / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def _show(task: Task, path: str) -> str:
    return git(Path(task.worktree), "show", f"{task.branch}:{path}")


@in_loop
async def test_shell_followup_runs_a_second_turn_in_the_same_worktree(orchard: Orchard) -> None:
    first = await _ran(orchard, "echo turn one; echo one > a.txt")
    assert (first.state, first.turns) == (TaskState.SUCCEEDED, 1)

    ask = "echo turn two; echo two >> a.txt; echo b > b.txt"
    queued = await send_followup(orchard, first.id, ask)
    assert (queued.state, queued.next_prompt) == (TaskState.QUEUED, ask)
    await orchard.supervisor.run()

    done = orchard.task(first.id)
    assert (done.state, done.turns, done.next_prompt) == (TaskState.SUCCEEDED, 2, None)
    assert done.worktree == first.worktree and done.branch == first.branch
    assert _show(done, "a.txt") == "one\ntwo\n" and _show(done, "b.txt") == "b\n"
    log = git(Path(done.worktree), "log", "--format=%s", f"{done.base_commit}..{done.branch}")
    assert log.splitlines() == [f"{done.title} (follow-up 1)", done.title]
    texts = [e.get("text", "") for e in _events(orchard, done)]
    assert (
        "follow-up turn 2 (a fresh run): echo turn two; echo two >> a.txt; echo b > b.txt" in texts
    )
    assert [t for t in texts if t.startswith("turn ")] == ["turn one", "turn two"]
    assert texts.count("state: succeeded") == 2
    raw = (orchard.home.logs / done.id / "raw.log").read_text()
    assert raw == "turn one\nturn two\n"


@in_loop
async def test_comments_reach_a_fresh_run_with_the_earlier_task(orchard: Orchard) -> None:
    first = await _ran(orchard, "Greet the world", agent="recorder")
    note = await add_comment(orchard, first.short_id, "README.md", 2, "  Say planet instead. ")
    assert (note.quote, note.text, note.side, note.sent_at) == (
        "world",
        "Say planet instead.",
        "new",
        None,
    )
    old = await add_comment(orchard, first.id, "src/app.py", 1, "Why 1?", side="old")
    assert old.quote == "x = 1"
    assert [c.id for c in open_comments(orchard, first.id)] == [note.id, old.id]

    await send_followup(orchard, first.id, "Keep it short.")
    assert open_comments(orchard, first.id) == []
    assert all(c.sent_at for c in orchard.store.comments(first.id))
    await orchard.supervisor.run()

    done = orchard.task(first.id)
    ask = compose_followup([note, old], "Keep it short.")
    assert "README.md, line 2 (your version):\n   > world\n   Say planet instead." in ask
    assert (
        _show(done, "prompts.txt") == f"Greet the world\n{fresh_prompt('Greet the world', ask)}\n"
    )
    assert (done.state, done.turns) == (TaskState.SUCCEEDED, 2)


@in_loop
async def test_followup_resumes_the_session_the_agent_reported(orchard: Orchard) -> None:
    first = await _ran(orchard, "first ask", agent="resumer")
    assert first.session_id == "sess-42" and first.state is TaskState.SUCCEEDED

    await send_followup(orchard, first.id, "second ask")
    await orchard.supervisor.run()

    done = orchard.task(first.id)
    assert (done.state, done.turns, done.session_id) == (TaskState.SUCCEEDED, 2, "sess-42")
    assert _show(done, "first.txt") == "first ask"
    assert _show(done, "second.txt") == "second ask"  # the ask alone: the session has the rest
    assert _show(done, "session.txt") == "sess-42\n"
    texts = [e.get("text", "") for e in _events(orchard, done)]
    assert "follow-up turn 2 (resuming session sess-42): second ask" in texts


@in_loop
async def test_two_sends_before_the_turn_starts_go_as_one(orchard: Orchard) -> None:
    first = await _ran(orchard, "echo a > a.txt")
    await send_followup(orchard, first.id, "echo b > b.txt")
    queued = await send_followup(orchard, first.id, "echo c > c.txt")
    assert queued.next_prompt == "echo b > b.txt\n\necho c > c.txt"
    await orchard.supervisor.run()
    done = orchard.task(first.id)
    assert (_show(done, "b.txt"), _show(done, "c.txt"), done.turns) == ("b\n", "c\n", 2)


@in_loop
async def test_a_followup_whose_setup_fails_is_kept_for_the_retry(
    orchard: Orchard, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "gated", {"README.md": "hi\n"})
    await orchard.add_project(str(repo), name="gated", setup="test ! -e .block")
    [task] = await orchard.new_tasks("gated", "Greet the world", agent="recorder")
    await orchard.supervisor.run()
    first = orchard.task(task.id)
    assert (first.state, first.turns) == (TaskState.SUCCEEDED, 1)
    await add_comment(orchard, first.id, "README.md", 1, "Say hello.")
    (Path(first.worktree) / ".block").write_text("")
    await send_followup(orchard, first.id, "Then wave.")
    await orchard.supervisor.run()

    failed = orchard.task(first.id)
    assert failed.state is TaskState.FAILED and "setup command failed" in (failed.error or "")
    assert failed.next_prompt is not None and failed.turns == 1
    assert "Say hello." in failed.next_prompt and failed.next_prompt.endswith("Then wave.")
    assert open_comments(orchard, first.id) == []  # sent, and still held by next_prompt

    (Path(first.worktree) / ".block").unlink()
    orchard.retry_task(first.id)
    await orchard.supervisor.run()
    done = orchard.task(first.id)
    assert (done.state, done.turns, done.next_prompt) == (TaskState.SUCCEEDED, 2, None)
    prompts = _show(done, "prompts.txt")
    assert prompts.count("Greet the world") == 2  # the first run, then the fresh run's context
    assert "Say hello." in prompts and "Then wave." in prompts
    log = git(Path(done.worktree), "log", "--format=%s", f"{done.base_commit}..{done.branch}")
    assert log.splitlines() == [f"{done.title} (follow-up 1)", done.title]


@in_loop
async def test_a_needs_input_task_takes_a_followup(orchard: Orchard) -> None:
    first = await _ran(orchard, "true")
    orchard.store.update(first.id, state=TaskState.NEEDS_INPUT, error="which file?")
    queued = await send_followup(orchard, first.id, "echo x > x.txt")
    assert (queued.state, queued.error) == (TaskState.QUEUED, None)


# refusals


async def _refused(coro: Awaitable[Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        await coro


@in_loop
async def test_nothing_to_send_is_refused_and_nothing_changes(orchard: Orchard) -> None:
    first = await _ran(orchard, "true")
    await _refused(send_followup(orchard, first.id, "   "), "nothing to send to task")
    assert orchard.task(first.id) == first


@in_loop
async def test_a_running_task_is_refused_until_it_ends(orchard: Orchard) -> None:
    [task] = await orchard.new_tasks("repo", "sleep 30", agent="shell")
    supervisor = asyncio.create_task(orchard.supervisor.run())
    while orchard.task(task.id).state is not TaskState.RUNNING:
        await asyncio.sleep(0.05)
    live = "is running; wait for it or stop it first"
    await _refused(send_followup(orchard, task.id, "echo late"), live)
    await orchard.stop_task(task.id)
    await supervisor
    assert orchard.task(task.id).state is TaskState.STOPPED
    assert orchard.task(task.id).next_prompt is None


@pytest.mark.parametrize("state", [TaskState.MERGED, TaskState.DISCARDED])
@in_loop
async def test_a_landed_or_discarded_task_is_refused(orchard: Orchard, state: TaskState) -> None:
    first = await _ran(orchard, "true")
    orchard.store.update(first.id, state=state)
    await _refused(send_followup(orchard, first.id, "echo x"), f"is {state}; a follow-up needs")
    await _refused(add_comment(orchard, first.id, "README.md", 1, "x"), "takes no more comments")


@in_loop
async def test_a_task_that_never_ran_is_refused(orchard: Orchard) -> None:
    [task] = await orchard.new_tasks("repo", "true", agent="shell")
    await _refused(send_followup(orchard, task.id, "echo x"), "has not started yet")


@in_loop
async def test_a_gone_worktree_is_refused_and_the_comments_stay_open(orchard: Orchard) -> None:
    first = await _ran(orchard, "true")
    await add_comment(orchard, first.id, "README.md", 1, "keep me")
    shutil.rmtree(first.worktree)
    await _refused(send_followup(orchard, first.id), "worktree of task .* is gone")
    assert [c.text for c in open_comments(orchard, first.id)] == ["keep me"]


@pytest.mark.parametrize(
    ("path", "line", "text", "side", "message"),
    [
        ("README.md", 1, "  ", "new", "the comment is empty"),
        ("README.md", 0, "x", "new", "line must be a number from 1 up"),
        ("README.md", 9, "x", "new", "README.md has 2 lines; there is no line 9"),
        ("nope.txt", 1, "x", "new", "nope.txt is not in the task's version"),
        ("nope.txt", 1, "x", "old", "nope.txt is not in the base version"),
        ("../repo/README.md", 1, "x", "new", "is not a path inside the task's worktree"),
        ("/etc/passwd", 1, "x", "new", "is not a path inside the task's worktree"),
        ("README.md", 1, "x", "left", "side must be 'new' or 'old'"),
    ],
)
@in_loop
async def test_bad_comments_are_refused(
    orchard: Orchard, path: str, line: int, text: str, side: str, message: str
) -> None:
    first = await _ran(orchard, "true")
    await _refused(add_comment(orchard, first.id, path, line, text, side), message)
    assert open_comments(orchard, first.id) == []


@in_loop
async def test_unknown_task_is_refused(orchard: Orchard) -> None:
    await _refused(add_comment(orchard, "ffffffff", "README.md", 1, "x"), "ffffffff")
    await _refused(send_followup(orchard, "ffffffff", "x"), "ffffffff")
    with pytest.raises(UserError):
        open_comments(orchard, "ffffffff")


@in_loop
async def test_a_given_quote_is_kept_even_for_a_line_not_on_disk(orchard: Orchard) -> None:
    first = await _ran(orchard, "true")
    comment = await add_comment(orchard, first.id, "gone.py", 40, "x", quote="def gone():")
    assert comment.quote == "def gone():"


@in_loop
async def test_a_quote_is_one_capped_line_and_a_line_past_the_scan_is_refused(
    orchard: Orchard,
) -> None:
    first = await _ran(orchard, "true")
    big = Path(first.worktree) / "big.txt"
    big.write_bytes(b"x" * (QUOTE_SCAN_BYTES + 10) + b"\nlast\n")
    comment = await add_comment(orchard, first.id, "big.txt", 1, "shorter")
    assert comment.quote == "x" * QUOTE_CHARS
    await _refused(add_comment(orchard, first.id, "big.txt", 2, "x"), "big.txt has 1 lines")
    crlf = Path(first.worktree) / "crlf.txt"
    crlf.write_bytes(b"one\r\ntwo\r\n")
    assert (await add_comment(orchard, first.id, "crlf.txt", 2, "x")).quote == "two"


def test_resume_settings_survive_a_settings_file_round_trip(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    mine = AgentProfile("mine", ("my", "{prompt}"), resume_argv=("my", "-r", "{session_id}"))
    codex = default_profiles()["codex"]
    edited = AgentProfile(
        "codex",
        ("codex", "app-server", "-c", 'model="o3"'),
        codex.output,
        prompt_via="stdin",
        resume_argv=codex.resume_argv,
        followup_context=False,
    )
    save_settings(home, 2, {**default_profiles(), "mine": mine, "codex": edited})
    loaded = load_settings(home).profiles
    assert loaded["mine"] == mine
    assert loaded["codex"].resume_argv == codex.resume_argv
    assert loaded["codex"].followup_context is False
