"""The broker: the project's list answers first, a person answers the rest, nothing by default."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.core.inbox import DEFAULT_ALLOW, Answer, Ask, AskKind, Policy, Verdict
from app.services.errors import UserError
from app.services.inbox import Inbox, Rules, unreadable


def _command(command: str) -> Ask:
    return Ask("", "", "", AskKind.COMMAND, command=command)


def _rules(tmp_path: Path) -> Rules:
    return Rules(tmp_path, lambda project: "npm test" if project == "web" else None)


def _inbox(rules: Rules) -> Inbox:
    return Inbox(rules.policy, rules.remember)


async def _until(condition: object, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.001)


def test_the_list_answers_routine_commands_at_once(tmp_path: Path) -> None:
    async def go() -> None:
        inbox = _inbox(_rules(tmp_path))
        asker = inbox.asker_for("t1", "claude", "web", "/w/t1")
        answer = await asker(_command("bash -lc 'npm test'"))
        assert answer == Answer(Verdict.ALLOW, by="policy")
        assert (await asker(_command("git status"))).by == "policy"
        assert inbox.pending() == []

    asyncio.run(go())


def test_a_person_answers_what_the_list_does_not_and_ids_are_stable(tmp_path: Path) -> None:
    async def go() -> None:
        inbox = _inbox(_rules(tmp_path))
        changes: list[int] = []
        inbox.subscribe(lambda: changes.append(len(inbox.pending())))
        asker = inbox.asker_for("t1", "claude", "web", "/w/t1")
        first = asyncio.create_task(asker(_command("touch x")))
        second = asyncio.create_task(asker(_command("make build")))
        await _until(lambda: len(inbox.pending()) == 2)
        waiting = inbox.pending()
        assert [a.id for a in waiting] == ["t1-1", "t1-2"]
        assert waiting[0].agent == "claude" and waiting[0].cwd == "/w/t1"
        assert waiting[0].asked_at > 0 and not waiting[0].dangerous
        assert inbox.answer(["t1-2"], Answer(Verdict.DENY, "no builds")) == {"t1-2": ""}
        assert (await second) == Answer(Verdict.DENY, "no builds")
        assert inbox.answer(["t1-1"], Answer(Verdict.ALLOW)) == {"t1-1": ""}
        assert (await first).verdict is Verdict.ALLOW
        assert changes == [1, 2, 1, 0]
        again = inbox.answer(["t1-1", "t9-1"], Answer(Verdict.ALLOW))
        assert again == {"t1-1": "t1-1 was already answered", "t9-1": "t9-1: no such request waits"}

    asyncio.run(go())


def test_allow_for_the_task_covers_its_later_asks_only(tmp_path: Path) -> None:
    async def go() -> None:
        inbox = _inbox(_rules(tmp_path))
        one = inbox.asker_for("t1", "claude", "web", "/w/t1")
        two = inbox.asker_for("t2", "claude", "web", "/w/t2")
        job = asyncio.create_task(one(_command("make build")))
        await _until(lambda: inbox.pending())
        inbox.answer(["t1-1"], Answer(Verdict.ALLOW_TASK))
        assert (await job).verdict is Verdict.ALLOW_TASK
        assert (await one(_command("make build"))) == Answer(Verdict.ALLOW, by="task")
        other = asyncio.create_task(two(_command("make build")))
        await _until(lambda: inbox.pending())
        assert [a.task_id for a in inbox.pending()] == ["t2"]
        inbox.expire_task("t2")
        assert (await other).verdict is Verdict.EXPIRED

    asyncio.run(go())


def test_allow_in_the_project_is_recorded_and_answers_the_others_waiting(tmp_path: Path) -> None:
    async def go() -> None:
        rules = _rules(tmp_path)
        inbox = _inbox(rules)
        one = inbox.asker_for("t1", "claude", "web", "/w/t1")
        two = inbox.asker_for("t2", "codex", "web", "/w/t2")
        jobs = [asyncio.create_task(a(_command("make build"))) for a in (one, two)]
        await _until(lambda: len(inbox.pending()) == 2)
        inbox.answer(["t1-1"], Answer(Verdict.ALLOW_PROJECT))
        results = await asyncio.gather(*jobs)
        assert [r.verdict for r in results] == [Verdict.ALLOW_PROJECT, Verdict.ALLOW]
        assert "make build" in rules.policy("web").allow
        assert "make build" in Rules(tmp_path).policy("web").allow  # on disk
        assert inbox.pending() == []

    asyncio.run(go())


def test_dangerous_commands_always_ask_and_are_never_recorded(tmp_path: Path) -> None:
    async def go() -> None:
        rules = _rules(tmp_path)
        rules.set_policy("web", Policy(("*",), ()))
        inbox = _inbox(rules)
        asker = inbox.asker_for("t1", "claude", "web", "/w/t1")
        assert (await asker(_command("make build"))).by == "policy"
        for n, command in enumerate(["rm -rf build", "git push --force", "touch /etc/x"], 1):
            job = asyncio.create_task(asker(_command(command)))
            await _until(lambda: inbox.pending())
            assert inbox.pending()[0].dangerous
            assert inbox.answer_matching("*", Answer(Verdict.ALLOW)) == []  # never by pattern
            inbox.answer([f"t1-{n + 1}"], Answer(Verdict.ALLOW_PROJECT))
            assert (await job).verdict is Verdict.ALLOW  # allowed once: nothing to remember
        assert rules.policy("web").allow == ("*",)

    asyncio.run(go())


def test_answer_matching_takes_every_waiting_command_that_matches(tmp_path: Path) -> None:
    async def go() -> None:
        inbox = _inbox(_rules(tmp_path))
        jobs = []
        for n in range(5):
            asker = inbox.asker_for(f"t{n}", "shell", "web", f"/w/t{n}")
            jobs.append(asyncio.create_task(asker(_command(f"bash -lc 'make check-{n}'"))))
        other = asyncio.create_task(asker(_command("curl example.com")))
        await _until(lambda: len(inbox.pending()) == 6)
        answered = inbox.answer_matching("make check-*", Answer(Verdict.DENY, "later"))
        assert sorted(answered) == [f"t{n}-1" for n in range(5)]
        assert all(r.message == "later" for r in await asyncio.gather(*jobs))
        assert [a.command for a in inbox.pending()] == ["curl example.com"]
        other.cancel()
        await _until(lambda: not inbox.pending())

    asyncio.run(go())


def test_an_ended_task_refuses_answers_and_later_asks_in_one_line(tmp_path: Path) -> None:
    async def go() -> None:
        inbox = _inbox(_rules(tmp_path))
        asker = inbox.asker_for("t1", "claude", "web", "/w/t1")
        job = asyncio.create_task(asker(_command("make build")))
        await _until(lambda: inbox.pending())
        inbox.expire_task("t1")
        assert (await job).verdict is Verdict.EXPIRED
        refusal = inbox.answer(["t1-1"], Answer(Verdict.ALLOW))["t1-1"]
        assert refusal == "t1-1: task t1 has ended; its request can no longer be answered"
        assert (await asker(_command("make build"))).verdict is Verdict.EXPIRED
        # A new turn of the task asks again.
        again = inbox.asker_for("t1", "claude", "web", "/w/t1")
        job = asyncio.create_task(again(_command("make build")))
        await _until(lambda: inbox.pending())
        assert inbox.pending()[0].id == "t1-3"
        job.cancel()

    asyncio.run(go())


def test_answers_of_the_wrong_kind_are_refused(tmp_path: Path) -> None:
    async def go() -> None:
        inbox = _inbox(_rules(tmp_path))
        asker = inbox.asker_for("t1", "claude", "web", "/w/t1")
        job = asyncio.create_task(asker(_command("make build")))
        question = Ask("", "", "", AskKind.QUESTION, question="Which colour?")
        asked = asyncio.create_task(asker(question))
        await _until(lambda: len(inbox.pending()) == 2)
        assert inbox.answer(["t1-1"], Answer(Verdict.REPLY, "blue"))["t1-1"].endswith(
            "is not a question: allow or deny it"
        )
        assert inbox.answer(["t1-1"], Answer(Verdict.EXPIRED))["t1-1"]
        assert inbox.answer(["t1-2"], Answer(Verdict.ALLOW))["t1-2"].endswith(
            "is a question: reply to it, or deny it"
        )
        assert inbox.answer(["t1-2"], Answer(Verdict.REPLY, "blue")) == {"t1-2": ""}
        assert (await asked).message == "blue"
        job.cancel()

    asyncio.run(go())


def test_nothing_is_allowed_by_waiting(tmp_path: Path) -> None:
    async def go() -> None:
        inbox = _inbox(_rules(tmp_path))
        asker = inbox.asker_for("t1", "claude", "web", "/w/t1")
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await asker(_command("make build"))
        assert inbox.pending() == []  # the agent went away: its item with it

    asyncio.run(go())


def test_rules_default_to_reading_and_the_projects_test_command(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    assert rules.policy("web").allow == (*DEFAULT_ALLOW, "npm test")
    assert rules.policy("other").allow == DEFAULT_ALLOW
    saved = rules.set_policy("web", Policy(("npm  test*", "npm test*"), ("curl *",)))
    assert saved == Policy(("npm test*",), ("curl *",))
    assert Rules(tmp_path).policy("web") == saved
    assert Rules(tmp_path).policy("other").allow == DEFAULT_ALLOW
    with pytest.raises(UserError, match="too long"):
        rules.set_policy("web", Policy(("x" * 600,), ()))


def test_an_unreadable_list_answers_nothing_warns_once_and_is_never_overwritten(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    garbage = '[projects.web]\nallow = ["ls" \n'
    (tmp_path / "inbox.toml").write_text(garbage)
    rules = _rules(tmp_path)

    async def go() -> None:
        inbox = _inbox(rules)
        asker = inbox.asker_for("t1", "claude", "web", "/w/t1")
        asked = asyncio.create_task(asker(_command("ls")))  # the defaults would allow it
        await _until(lambda: len(inbox.pending()) == 1)
        assert inbox.answer(["t1-1"], Answer(Verdict.ALLOW)) == {"t1-1": ""}
        assert (await asked).by == "person"

    with caplog.at_level("WARNING", logger="app.services.inbox.rules"):
        asyncio.run(go())
        assert rules.policy("web") == Policy() and rules.policy("other") == Policy()
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "inbox.toml cannot be read" in warned[0]
    assert "\n" not in warned[0]
    with pytest.raises(UserError, match="cannot be read"):
        rules.remember("web", "make build")
    assert (tmp_path / "inbox.toml").read_text() == garbage
    assert unreadable(tmp_path) is not None and unreadable(tmp_path / "nowhere") is None


def test_an_ask_id_is_never_given_twice_across_processes(tmp_path: Path) -> None:
    """A restarted supervisor numbers on: a late answer for an old ask cannot hit a new one."""
    numbers = tmp_path / "asks.json"
    first = Inbox(numbers=numbers)
    assert [first.new_id("t1"), first.new_id("t1"), first.new_id("t2")] == ["t1-1", "t1-2", "t2-1"]
    again = Inbox(numbers=numbers)  # the next process of the same home
    assert again.new_id("t1") == "t1-3"
    assert again.new_id("t2") == "t2-2"
    numbers.write_text("not json")  # a damaged file: numbering goes on from what it holds
    assert Inbox(numbers=numbers).new_id("t3") == "t3-1"
