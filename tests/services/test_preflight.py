"""Pre-flight at queue time: a task its agent could not start is refused with nothing made."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.profiles import MAX_ARG_STRLEN, AgentProfile
from app.core.states import TaskState
from app.services.config.settings import Home, Settings, default_profiles
from app.services.orchard import Orchard
from app.services.tasks import AgentMissing, PromptTooLong
from tests.conftest import git, make_repo

GHOST = AgentProfile(
    "ghost",
    ("orchard-no-such-agent-xyz", "{prompt}"),
    install_hint="install it with: npm install -g ghost-agent",
)
# Takes a short prompt as an argument, a long one on stdin; writes how it came and its size.
SPLIT = AgentProfile(
    "split",
    ("sh", "-c", 'printf "argv %s" "${#1}" > how.txt', "sh", "{prompt}"),
    stdin_argv=("sh", "-c", 'printf "stdin %s" "$(wc -c)" > how.txt'),
)
BIG = "x" * 393 * 1024  # the 393 KB prompt that once failed at spawn


@pytest.fixture
def orchard(tmp_path: Path) -> Iterator[Orchard]:
    repo = make_repo(tmp_path / "repo")
    profiles = {**default_profiles(), "ghost": GHOST, "split": SPLIT}
    o = Orchard(Home(tmp_path / "home"), settings=Settings(profiles=profiles))
    asyncio.run(o.add_project(str(repo), name="repo"))
    yield o
    o.close()


def _nothing_made(orchard: Orchard) -> None:
    repo = Path(orchard.store.project("repo").path)
    assert orchard.store.tasks() == []
    assert git(repo, "branch", "--list", "orchard/*") == ""
    assert not any(orchard.home.worktrees.glob("*/*"))


def test_an_agent_that_is_not_installed_is_refused_with_how_to_install_it(
    orchard: Orchard,
) -> None:
    with pytest.raises(AgentMissing) as refused:
        asyncio.run(orchard.new_tasks("repo", "do it", agent="ghost", attempts=2))
    message = str(refused.value)
    assert "orchard-no-such-agent-xyz" in message and "npm install -g ghost-agent" in message
    assert "--anyway" in message
    _nothing_made(orchard)


def test_queue_anyway_takes_a_task_for_an_agent_not_installed_yet(orchard: Orchard) -> None:
    [task] = asyncio.run(orchard.new_tasks("repo", "do it", agent="ghost", anyway=True))
    assert orchard.task(task.id).state is TaskState.QUEUED


def test_a_prompt_too_long_for_an_argv_only_agent_is_refused_before_anything_is_made(
    orchard: Orchard,
) -> None:
    with pytest.raises(PromptTooLong) as refused:
        asyncio.run(orchard.new_tasks("repo", BIG, agent="shell"))
    assert "393 KB" in str(refused.value) and "stdin" in str(refused.value)
    _nothing_made(orchard)


def test_a_prompt_too_long_for_the_command_line_goes_on_stdin_where_the_agent_can(
    orchard: Orchard,
) -> None:
    async def body() -> list[str]:
        short = await orchard.new_tasks("repo", "hi", agent="split")
        long = await orchard.new_tasks("repo", BIG, agent="split")
        await orchard.supervisor.run()
        done = [orchard.task(t.id) for t in (*short, *long)]
        assert [t.state for t in done] == [TaskState.SUCCEEDED] * 2, [t.error for t in done]
        return [(Path(t.worktree) / "how.txt").read_text() for t in done]

    assert asyncio.run(body()) == ["argv 2", f"stdin {len(BIG)}"]


def test_render_keeps_a_prompt_that_fits_in_argv_and_moves_one_that_does_not() -> None:
    gemini = default_profiles()["gemini"]
    argv, stdin = gemini.render("fix it", "/w", "t1")
    assert argv[-2:] == ["-p", "fix it"] and stdin is None
    long = "y" * MAX_ARG_STRLEN
    argv, stdin = gemini.render(long, "/w", "t1")
    assert "-p" not in argv and long not in argv and stdin == long.encode()
