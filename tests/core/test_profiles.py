"""Agent profiles: built-ins, argv rendering, and config.toml overrides."""

from __future__ import annotations

import math
from typing import Any

import pytest

from app.core.profiles import (
    BUILTIN_PROFILES,
    PLACEHOLDERS,
    AgentProfile,
    OutputFormat,
    ProfileError,
    profile_from_table,
)

WT = "/tmp/orchard/worktrees/abc"
TID = "abc123def456"

NASTY_PROMPTS = {
    "quotes": "it's \"quoted\" and 'single'",
    "newlines": "line one\nline two\r\n\nline four\n",
    "subshell": "$(rm -rf /) and ${HOME} and $PATH",
    "backticks": "run `id` then `whoami`",
    "non_ascii": "Réparer l’écran 日本語 🚀 \u200b",
    "braces": "{prompt} {worktree} {task_id} {other} {{worktree}}",
    "dashes": "--help -rf --output-format=text",
    "semicolons": "a; b && c || d | e > f < g & h",
    "huge": "0123456789abcdef" * (100 * 1024 // 16),
    "empty": "",
}


def test_builtin_profiles_exist() -> None:
    assert set(BUILTIN_PROFILES) == {"codex", "claude", "gemini", "opencode", "aider", "shell"}
    for name, prof in BUILTIN_PROFILES.items():
        assert prof.name == name
        assert prof.argv, name
        assert prof.prompt_via in ("argv", "stdin")


@pytest.mark.parametrize(
    ("name", "output", "prompt_via", "program"),
    [
        ("codex", OutputFormat.CODEX_APP, "stdin", "codex"),
        ("claude", OutputFormat.CLAUDE, "stdin", "claude"),
        ("gemini", OutputFormat.GEMINI, "argv", "gemini"),
        ("opencode", OutputFormat.OPENCODE, "argv", "opencode"),
        ("aider", OutputFormat.TEXT, "argv", "aider"),
        ("shell", OutputFormat.TEXT, "argv", "sh"),
    ],
)
def test_builtin_profile_shape(
    name: str, output: OutputFormat, prompt_via: str, program: str
) -> None:
    prof = BUILTIN_PROFILES[name]
    assert prof.output is output
    assert prof.prompt_via == prompt_via
    assert prof.argv[0] == program
    if prompt_via == "argv":
        assert "{prompt}" in prof.argv
    else:
        assert all("{prompt}" not in a for a in prof.argv)


def test_builtin_install_hints() -> None:
    assert "@openai/codex" in BUILTIN_PROFILES["codex"].install_hint
    assert "@anthropic-ai/claude-code" in BUILTIN_PROFILES["claude"].install_hint
    assert "@google/gemini-cli" in BUILTIN_PROFILES["gemini"].install_hint
    assert "opencode-ai" in BUILTIN_PROFILES["opencode"].install_hint
    assert "aider-chat" in BUILTIN_PROFILES["aider"].install_hint


def test_codex_is_talked_to_through_its_app_server() -> None:
    """The prompt goes in the turn the driver starts, a resumed thread in its thread/resume."""
    codex = BUILTIN_PROFILES["codex"]
    assert codex.render("do it", WT, TID) == (["codex", "app-server"], b"do it")
    assert codex.render("again", WT, TID, "thread-1") == (["codex", "app-server"], b"again")
    assert codex.can_resume and codex.resume_argv == codex.argv


def test_an_exec_profile_without_resume_argv_cannot_resume() -> None:
    exec_profile = AgentProfile("x", ("codex", "exec", "--json", "-"), OutputFormat.CODEX)
    assert not exec_profile.can_resume


def test_claude_uses_stream_json() -> None:
    argv, stdin = BUILTIN_PROFILES["claude"].render("do it", WT, TID)
    assert argv[:4] == ["claude", "-p", "--output-format", "stream-json"]
    assert "--verbose" in argv
    assert stdin == b"do it"


def test_shell_profile_renders() -> None:
    argv, stdin = BUILTIN_PROFILES["shell"].render("echo hi", WT, TID)
    assert argv == ["sh", "-c", "echo hi"]
    assert stdin is None


def test_placeholders() -> None:
    assert PLACEHOLDERS == ("prompt", "worktree", "task_id")


def test_render_substitutes_every_placeholder() -> None:
    prof = AgentProfile(
        "x", ("tool", "--cwd={worktree}", "--id", "{task_id}", "{prompt}", "{worktree}/{task_id}")
    )
    argv, stdin = prof.render("hello", WT, TID)
    assert argv == ["tool", f"--cwd={WT}", "--id", TID, "hello", f"{WT}/{TID}"]
    assert stdin is None


def test_render_leaves_unknown_braces_alone() -> None:
    prof = AgentProfile("x", ("tool", "{unknown}", "{", "}", "{{prompt}}", "{ prompt }"))
    argv, _ = prof.render("P", WT, TID)
    assert argv == ["tool", "{unknown}", "{", "}", "{P}", "{ prompt }"]


def test_render_is_single_pass() -> None:
    prof = AgentProfile("x", ("tool", "{prompt}", "--in", "{worktree}"))
    prompt = "write to {worktree} for task {task_id} then {prompt}"
    argv, _ = prof.render(prompt, WT, TID)
    assert argv == ["tool", prompt, "--in", WT]


def test_render_single_pass_within_one_argument() -> None:
    prof = AgentProfile("x", ("tool", "{prompt}@{worktree}"))
    argv, _ = prof.render("{worktree}", "/wt", TID)
    assert argv == ["tool", "{worktree}@/wt"]


def test_worktree_with_placeholder_text_is_not_expanded() -> None:
    prof = AgentProfile("x", ("tool", "{worktree}", "{prompt}"))
    argv, _ = prof.render("P", "/a/{task_id}/b", TID)
    assert argv == ["tool", "/a/{task_id}/b", "P"]


def test_backslashes_in_values_are_not_regex_escapes() -> None:
    prof = AgentProfile("x", ("tool", "{prompt}", "{worktree}"))
    argv, _ = prof.render(r"\1 \g<0> \n", r"C:\work\tree", TID)
    assert argv == ["tool", r"\1 \g<0> \n", r"C:\work\tree"]


@pytest.mark.parametrize("key", list(NASTY_PROMPTS))
@pytest.mark.parametrize("profile", ["gemini", "opencode", "aider", "shell"])
def test_argv_prompt_stays_one_element_verbatim(profile: str, key: str) -> None:
    prompt = NASTY_PROMPTS[key]
    prof = BUILTIN_PROFILES[profile]
    argv, stdin = prof.render(prompt, WT, TID)
    assert len(argv) == len(prof.argv)
    assert argv[prof.argv.index("{prompt}")] == prompt
    assert stdin is None


@pytest.mark.parametrize("key", list(NASTY_PROMPTS))
@pytest.mark.parametrize("profile", ["codex", "claude"])
def test_stdin_prompt_is_sent_verbatim(profile: str, key: str) -> None:
    prompt = NASTY_PROMPTS[key]
    prof = BUILTIN_PROFILES[profile]
    argv, stdin = prof.render(prompt, WT, TID)
    assert argv == list(prof.argv)
    assert stdin == prompt.encode("utf-8")
    assert stdin is not None
    assert stdin.decode("utf-8") == prompt


def test_render_does_not_mutate_profile() -> None:
    prof = BUILTIN_PROFILES["gemini"]
    prof.render("hello", WT, TID)
    assert prof.argv == ("gemini", "--output-format", "stream-json", "--yolo", "-p", "{prompt}")
    assert "{prompt}" in prof.argv


# --- profile_from_table ---


def test_new_profile_needs_argv() -> None:
    with pytest.raises(ProfileError, match=r"agent 'mine' in config\.toml needs an argv list"):
        profile_from_table("mine", {"format": "text"}, None)


def test_new_profile_from_table_defaults() -> None:
    prof = profile_from_table("mine", {"argv": ["my-agent", "{prompt}"]}, None)
    assert prof == AgentProfile("mine", ("my-agent", "{prompt}"))
    assert prof.output is OutputFormat.TEXT
    assert prof.prompt_via == "argv"
    assert prof.timeout is None
    assert dict(prof.env) == {}
    assert prof.install_hint == ""


def test_new_profile_with_every_field() -> None:
    table = {
        "argv": ["my-agent", "--json"],
        "env": {"A": "1"},
        "format": "codex-jsonl",
        "timeout": 90,
        "prompt_via": "stdin",
        "install_hint": "pip install my-agent",
    }
    prof = profile_from_table("mine", table, None)
    assert prof.argv == ("my-agent", "--json")
    assert dict(prof.env) == {"A": "1"}
    assert prof.output is OutputFormat.CODEX
    assert prof.timeout == 90.0
    assert isinstance(prof.timeout, float)
    assert prof.prompt_via == "stdin"
    assert prof.install_hint == "pip install my-agent"
    argv, stdin = prof.render("hi", WT, TID)
    assert (argv, stdin) == (["my-agent", "--json"], b"hi")


def test_empty_table_over_base_keeps_everything_but_name() -> None:
    base = BUILTIN_PROFILES["codex"]
    prof = profile_from_table("codex-fast", {}, base)
    assert prof.name == "codex-fast"
    assert prof.argv == base.argv
    assert prof.output is base.output
    assert prof.prompt_via == base.prompt_via
    assert prof.install_hint == base.install_hint


@pytest.mark.parametrize(
    ("table", "field", "expected"),
    [
        ({"argv": ["codex", "exec", "-"]}, "argv", ("codex", "exec", "-")),
        ({"format": "text"}, "output", OutputFormat.TEXT),
        ({"timeout": 12.5}, "timeout", 12.5),
        ({"timeout": 0}, "timeout", None),
        ({"prompt_via": "argv"}, "prompt_via", "argv"),
        ({"install_hint": "brew install codex"}, "install_hint", "brew install codex"),
    ],
)
def test_override_changes_only_one_field(table: dict[str, Any], field: str, expected: Any) -> None:
    base = AgentProfile(
        "codex",
        ("codex", "exec", "--json", "-"),
        OutputFormat.CODEX,
        env={"K": "v"},
        timeout=30.0,
        prompt_via="stdin",
        install_hint="npm i codex",
    )
    prof = profile_from_table("codex", table, base)
    assert getattr(prof, field) == expected
    for other in ("argv", "output", "env", "timeout", "prompt_via", "install_hint"):
        if other != field:
            assert getattr(prof, other) == getattr(base, other), other


def test_env_merges_over_base_env() -> None:
    base = AgentProfile("a", ("a",), env={"KEEP": "1", "OVERRIDE": "old"})
    prof = profile_from_table("a", {"env": {"OVERRIDE": "new", "ADD": "x"}}, base)
    assert dict(prof.env) == {"KEEP": "1", "OVERRIDE": "new", "ADD": "x"}
    assert dict(base.env) == {"KEEP": "1", "OVERRIDE": "old"}


def test_timeout_none_clears() -> None:
    base = AgentProfile("a", ("a",), timeout=5.0)
    assert profile_from_table("a", {"timeout": None}, base).timeout is None


def test_every_format_value_is_accepted() -> None:
    for fmt in OutputFormat:
        prof = profile_from_table("a", {"argv": ["a"], "format": fmt.value}, None)
        assert prof.output is fmt


@pytest.mark.parametrize(
    "argv", [[], "codex exec", ("codex",), ["codex", 1], ["codex", None], [["nested"]], None, 5]
)
def test_bad_argv_is_rejected(argv: Any) -> None:
    with pytest.raises(
        ProfileError, match=r"agent 'bad': argv must be a non-empty list of strings"
    ):
        profile_from_table("bad", {"argv": argv}, None)


@pytest.mark.parametrize("env", [["A=1"], "A=1", 5, None])
def test_bad_env_is_rejected(env: Any) -> None:
    with pytest.raises(ProfileError, match=r"agent 'bad': env must be a table of strings"):
        profile_from_table("bad", {"argv": ["x"], "env": env}, None)


@pytest.mark.parametrize("value", [["a", "b"], {"nested": "table"}, True, False, None])
def test_env_values_must_be_strings(value: Any) -> None:
    with pytest.raises(ProfileError, match=r"agent 'bad': env must be a table of strings"):
        profile_from_table("bad", {"argv": ["x"], "env": {"A": "ok", "B": value}}, None)


def test_numeric_env_values_become_strings() -> None:
    prof = profile_from_table("a", {"argv": ["x"], "env": {"N": 3, "F": 1.5, "S": "s"}}, None)
    assert dict(prof.env) == {"N": "3", "F": "1.5", "S": "s"}


@pytest.mark.parametrize("fmt", ["json", "CODEX-JSONL", "", 5, None, "codex"])
def test_bad_format_is_rejected(fmt: Any) -> None:
    with pytest.raises(ProfileError) as info:
        profile_from_table("bad", {"argv": ["x"], "format": fmt}, None)
    message = str(info.value)
    assert message.startswith("agent 'bad': format must be one of ")
    for choice in OutputFormat:
        assert choice.value in message


@pytest.mark.parametrize("timeout", [-1, -0.5, "30", "", [30]])
def test_bad_timeout_is_rejected(timeout: Any) -> None:
    with pytest.raises(ProfileError, match=r"agent 'bad': timeout must be a number of seconds"):
        profile_from_table("bad", {"argv": ["x"], "timeout": timeout}, None)


@pytest.mark.parametrize("timeout", [True, False])
def test_boolean_timeout_is_rejected(timeout: bool) -> None:
    with pytest.raises(ProfileError, match=r"agent 'bad': timeout must be a number of seconds"):
        profile_from_table("bad", {"argv": ["x"], "timeout": timeout}, None)


@pytest.mark.parametrize("timeout", [math.inf, -math.inf, math.nan])
def test_non_finite_timeout_is_rejected(timeout: float) -> None:
    with pytest.raises(ProfileError, match=r"agent 'bad': timeout must be a number of seconds"):
        profile_from_table("bad", {"argv": ["x"], "timeout": timeout}, None)


@pytest.mark.parametrize("timeout", [0, 0.0, None])
def test_zero_or_none_timeout_means_no_limit(timeout: Any) -> None:
    assert profile_from_table("a", {"argv": ["x"], "timeout": timeout}, None).timeout is None


@pytest.mark.parametrize("via", ["ARGV", "file", "", None, 1, "stdin "])
def test_bad_prompt_via_is_rejected(via: Any) -> None:
    with pytest.raises(ProfileError, match=r"agent 'bad': prompt_via must be 'argv' or 'stdin'"):
        profile_from_table("bad", {"argv": ["x"], "prompt_via": via}, None)


def test_unknown_keys_are_rejected_and_listed() -> None:
    with pytest.raises(ProfileError) as info:
        profile_from_table("bad", {"argv": ["x"], "zeta": 1, "alpha": 2, "output": "text"}, None)
    assert str(info.value) == "agent 'bad': unknown keys alpha, output, zeta"


def test_unknown_keys_are_rejected_with_a_base_too() -> None:
    with pytest.raises(ProfileError, match="unknown keys name"):
        profile_from_table("codex", {"name": "other"}, BUILTIN_PROFILES["codex"])


def test_profile_error_is_a_value_error() -> None:
    assert issubclass(ProfileError, ValueError)


def test_builtin_profiles_are_not_changed_by_overrides() -> None:
    before = BUILTIN_PROFILES["claude"]
    profile_from_table("claude", {"argv": ["other"], "env": {"X": "1"}}, before)
    assert BUILTIN_PROFILES["claude"] is before
    assert BUILTIN_PROFILES["claude"].argv[0] == "claude"
    assert dict(BUILTIN_PROFILES["claude"].env) == {}
