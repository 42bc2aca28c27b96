"""Follow-up prompts from review comments, and what the next turn runs."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from app.core.followup import Turn, compose_followup, fresh_prompt, merge_followups, plan_turn
from app.core.profiles import BUILTIN_PROFILES, OutputFormat, ProfileError, profile_from_table
from app.core.states import TaskState
from app.core.task import Comment
from tests.taskkit import make_task

TASK = make_task(
    title="Add hello",
    prompt="Create hello.txt",
    agent="codex",
    branch="orchard/tttttttt-add-hello",
    worktree="/wt",
    base_commit="0" * 40,
    turns=1,
)


def _comment(path: str, line: int, text: str, quote: str = "", side: str = "new") -> Comment:
    return Comment(TASK.id, path, line, text, side, quote)


def test_comments_carry_file_line_quote_and_remark_in_order() -> None:
    prompt = compose_followup(
        [
            _comment("src/app.py", 12, "Use a constant here.", "x = 1"),
            _comment("README.md", 3, "Typo.", "teh end", side="old"),
        ],
        "Then run the tests.",
    )
    assert prompt == (
        "Review comments on your changes; please address each one:\n\n"
        "1. src/app.py, line 12 (your version):\n"
        "   > x = 1\n"
        "   Use a constant here.\n\n"
        "2. README.md, line 3 (the base version):\n"
        "   > teh end\n"
        "   Typo.\n\n"
        "Then run the tests."
    )


def test_multiline_quote_and_remark_stay_indented() -> None:
    prompt = compose_followup([_comment("a.py", 1, "one\ntwo", "def f():\n    pass")])
    assert prompt.endswith(
        "1. a.py, line 1 (your version):\n   > def f():\n   >     pass\n   one\n   two"
    )


def test_text_alone_is_sent_as_is() -> None:
    assert compose_followup([], "  echo again > b.txt \n") == "echo again > b.txt"


def test_a_comment_without_quote_has_no_quote_line() -> None:
    assert ">" not in compose_followup([_comment("a.py", 4, "why?")])


def test_merge_keeps_the_queued_followup_first() -> None:
    assert merge_followups(None, "b") == "b"
    assert merge_followups("a", "b") == "a\n\nb"


def test_fresh_prompt_names_the_earlier_task_then_the_new_ask() -> None:
    text = fresh_prompt("Create hello.txt\n", "Now add a line.")
    assert text.index("Create hello.txt") < text.index("Now add a line.")
    assert "committed on the current branch" in text


def test_first_run_sends_the_task_prompt() -> None:
    task = replace(TASK, turns=0, state=TaskState.QUEUED)
    turn = plan_turn(task, BUILTIN_PROFILES["codex"])
    assert turn == Turn(1, "Create hello.txt")
    assert turn.note() is None


def test_followup_resumes_the_session_when_the_agent_can() -> None:
    task = replace(TASK, next_prompt="Fix it.", session_id="sess-1")
    turn = plan_turn(task, BUILTIN_PROFILES["codex"])
    assert turn == Turn(2, "Fix it.", "Fix it.", "sess-1")
    assert turn.note() == "follow-up turn 2 (resuming session sess-1): Fix it."


def test_followup_without_session_runs_fresh_with_context() -> None:
    task = replace(TASK, next_prompt="Fix it.\nAnd more.", turns=2)
    turn = plan_turn(task, BUILTIN_PROFILES["claude"])
    assert (turn.number, turn.session_id, turn.ask) == (3, None, "Fix it.\nAnd more.")
    assert turn.prompt == fresh_prompt("Create hello.txt", "Fix it.\nAnd more.")
    assert turn.note() == "follow-up turn 3 (a fresh run): Fix it. …"


def test_followup_for_an_agent_without_resume_ignores_the_session() -> None:
    task = replace(TASK, next_prompt="Fix it.", session_id="sess-1")
    turn = plan_turn(task, BUILTIN_PROFILES["gemini"])
    assert turn.session_id is None and "Create hello.txt" in turn.prompt


def test_shell_followup_runs_the_command_without_context() -> None:
    task = replace(TASK, agent="shell", next_prompt="echo two > b.txt")
    assert plan_turn(task, BUILTIN_PROFILES["shell"]).prompt == "echo two > b.txt"


def test_a_task_from_before_turns_were_counted_becomes_turn_two() -> None:
    task = replace(TASK, turns=0, next_prompt="again")
    assert plan_turn(task, BUILTIN_PROFILES["shell"]).number == 2


# resuming profiles


def test_codex_resumes_in_its_conversation_and_takes_the_prompt_there() -> None:
    argv, stdin = BUILTIN_PROFILES["codex"].render("fix {worktree}", "/wt", "tid", "sess-1")
    assert argv == ["codex", "app-server"]  # the driver sends thread/resume with sess-1
    assert stdin == b"fix {worktree}"


def test_an_argv_written_for_codex_exec_is_read_as_exec_output() -> None:
    base = BUILTIN_PROFILES["codex"]
    old = profile_from_table("codex", {"argv": ["codex", "exec", "--json", "-"]}, base)
    assert old.output is OutputFormat.CODEX
    mine = profile_from_table("codex", {"argv": ["codex", "app-server", "-c", "x=1"]}, base)
    assert mine.output is OutputFormat.CODEX_APP


def test_claude_resume_puts_the_id_before_the_variadic_tool_list() -> None:
    argv, stdin = BUILTIN_PROFILES["claude"].render("fix", "/wt", "tid", "sess-2")
    assert argv[:4] == ["claude", "-p", "--resume", "sess-2"]
    assert argv[4:] == list(BUILTIN_PROFILES["claude"].argv[2:])
    assert stdin == b"fix"


def test_without_a_session_the_normal_argv_runs() -> None:
    prof = BUILTIN_PROFILES["codex"]
    assert prof.render("p", "/wt", "tid", None)[0] == list(prof.argv)
    assert prof.render("p", "/wt", "tid", "")[0] == list(prof.argv)


def test_only_codex_and_claude_resume_built_in() -> None:
    resumable = {n for n, p in BUILTIN_PROFILES.items() if p.can_resume}
    assert resumable == {"codex", "claude"}
    assert not BUILTIN_PROFILES["shell"].followup_context


def test_config_resume_argv_renders_every_placeholder() -> None:
    prof = profile_from_table(
        "mine",
        {"argv": ["my", "{prompt}"], "resume_argv": ["my", "--resume={session_id}", "{prompt}"]},
        None,
    )
    assert prof.render("go", "/wt", "tid", "s9")[0] == ["my", "--resume=s9", "go"]
    assert prof.render("go", "/wt", "tid")[0] == ["my", "go"]


def test_overriding_argv_drops_the_inherited_resume_unless_given() -> None:
    base = BUILTIN_PROFILES["codex"]
    assert not profile_from_table("codex", {"argv": ["codex", "exec", "-"]}, base).can_resume
    assert profile_from_table("codex", {"timeout": 60}, base).resume_argv == base.resume_argv
    off = profile_from_table("codex", {"resume_argv": []}, base)
    assert not off.can_resume and off.argv == base.argv


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"resume_argv": ["my", "--resume"]}, "must name the program and contain {session_id}"),
        ({"resume_argv": ["", "{session_id}"]}, "must name the program"),
        ({"resume_argv": "my {session_id}"}, "resume_argv must be a list of strings"),
        ({"resume_argv": ["my", 3]}, "resume_argv must be a list of strings"),
        ({"argv": ["my", "{session_id}"]}, "{session_id} belongs in resume_argv, not argv"),
        ({"followup_context": "no"}, "followup_context must be true or false"),
    ],
)
def test_bad_resume_settings_are_refused(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError, match=re.escape(message)):
        profile_from_table("mine", {"argv": ["my", "{prompt}"], **table}, None)


def test_followup_context_can_be_switched_off() -> None:
    prof = profile_from_table("mine", {"argv": ["my"], "followup_context": False}, None)
    assert prof.followup_context is False
