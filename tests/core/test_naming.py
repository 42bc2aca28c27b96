"""Slugs, branch names, titles and commit messages Orchard derives from prompts."""

from __future__ import annotations

import re

import pytest

from app.core.naming import (
    SHORT_ID_LEN,
    branch_name,
    commit_message,
    short_id,
    slugify,
    title_from_prompt,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fix the login bug", "fix-the-login-bug"),
        ("  Fix   the   bug  ", "fix-the-bug"),
        ("Café crème brûlée", "cafe-creme-brulee"),
        ("Ünïcödé Straße", "unicode-strae"),
        ("naïve résumé", "naive-resume"),
        ("🚀 launch 🚀 it 🎉", "launch-it"),
        ('Don\'t "quote" me', "don-t-quote-me"),
        ("run $(rm -rf /) now", "run-rm-rf-now"),
        ("use `whoami` here", "use-whoami-here"),
        ("a;b|c&&d>e<f", "a-b-c-d-e-f"),
        ("../../etc/passwd", "etc-passwd"),
        ("snake_case and CamelCase", "snake-case-and-camelcase"),
        ("version 2.0.1", "version-2-0-1"),
        ("---leading and trailing---", "leading-and-trailing"),
        ("tab\there\nnewline", "tab-here-newline"),
        ("ﬁle", "file"),  # NFKD folds the ligature
    ],
)
def test_slugify(text: str, expected: str) -> None:
    assert slugify(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "🚀🎉", "日本語のタスク", "$()`'\"", "---", "\n\t"])
def test_slugify_falls_back_to_task(text: str) -> None:
    assert slugify(text) == "task"


def test_slugify_caps_length_without_trailing_dash() -> None:
    text = "word " * 50
    slug = slugify(text)
    assert len(slug) <= 40
    assert SLUG_RE.match(slug)
    # "word-" * 8 is exactly 40 chars; the cut lands on a dash and the dash is dropped.
    assert slug == "-".join(["word"] * 8)


def test_slugify_custom_max_len() -> None:
    assert slugify("abcdefghij", max_len=5) == "abcde"
    assert slugify("abcd efgh", max_len=5) == "abcd"
    assert slugify("a" * 100, max_len=40) == "a" * 40


@pytest.mark.parametrize(
    "text",
    [
        "x" * 200,
        "é" * 200,
        "🚀 " * 100 + "end",
        "a-" * 100,
        " $(echo `id`) " * 20,
        "Ωmega " * 30,
    ],
)
def test_slugify_output_is_always_a_safe_slug(text: str) -> None:
    slug = slugify(text)
    assert SLUG_RE.match(slug), slug
    assert len(slug) <= 40
    assert not slug.startswith("-")
    assert not slug.endswith("-")
    assert slug.isascii()


def test_short_id() -> None:
    assert SHORT_ID_LEN == 8
    assert short_id("0123456789abcdef") == "01234567"
    assert short_id("abc") == "abc"


def test_branch_name_format() -> None:
    task_id = "3f2a9c1be4d54f6e8a7b6c5d4e3f2a1b"
    assert branch_name(task_id, "Fix the login bug!") == "orchard/3f2a9c1b-fix-the-login-bug"


@pytest.mark.parametrize(
    "title", ["", "🚀", "$(rm -rf ~)", "x" * 300, "Café", "a/b\\c:d*e?f", "..", "@{-1}"]
)
def test_branch_name_is_a_safe_ref(title: str) -> None:
    task_id = "deadbeefcafef00d1234567890abcdef"
    name = branch_name(task_id, title)
    match = re.fullmatch(r"orchard/([0-9a-f]{8})-([a-z0-9-]+)", name)
    assert match, name
    assert match.group(1) == "deadbeef"
    assert SLUG_RE.match(match.group(2))
    assert ".." not in name
    assert "@{" not in name


def test_title_from_prompt_takes_first_nonblank_line() -> None:
    prompt = "\n\n   \n\t\n  Add a   retry   button  \nSecond line\n"
    assert title_from_prompt(prompt) == "Add a retry button"


def test_title_from_prompt_single_line() -> None:
    assert title_from_prompt("Fix it") == "Fix it"


@pytest.mark.parametrize("prompt", ["", "   ", "\n\n\n", " \t \r\n \n"])
def test_title_from_blank_prompt(prompt: str) -> None:
    assert title_from_prompt(prompt) == "untitled task"


def test_title_from_long_line_is_cut_with_ellipsis() -> None:
    title = title_from_prompt("y" * 200)
    assert len(title) == 60
    assert title == "y" * 59 + "…"


def test_title_exactly_at_limit_is_kept() -> None:
    assert title_from_prompt("z" * 60) == "z" * 60
    assert title_from_prompt("z" * 61) == "z" * 59 + "…"


def test_title_custom_max_len() -> None:
    assert title_from_prompt("hello world", max_len=5) == "hell…"


def test_title_handles_crlf_and_unicode() -> None:
    assert title_from_prompt("\r\n  Réparer l’écran 🚀\r\nmore") == "Réparer l’écran 🚀"


def test_commit_message_includes_prompt_body() -> None:
    msg = commit_message("Fix bug", "  Fix bug in the parser\nplease  \n")
    assert msg == "Fix bug\n\nOrchard task prompt:\n\nFix bug in the parser\nplease\n"


def test_commit_message_is_title_only_when_prompt_is_the_title() -> None:
    assert commit_message("Fix bug", "Fix bug") == "Fix bug"
    assert commit_message("Fix bug", "  Fix bug \n") == "Fix bug"


def test_commit_message_is_title_only_when_prompt_is_blank() -> None:
    assert commit_message("Fix bug", "") == "Fix bug"
    assert commit_message("Fix bug", " \n\t ") == "Fix bug"


def test_commit_message_truncates_long_prompts() -> None:
    prompt = "p" * 5000
    msg = commit_message("T", prompt)
    assert msg == "T\n\nOrchard task prompt:\n\n" + "p" * 4000 + "\n…\n"


def test_commit_message_keeps_prompt_at_limit() -> None:
    prompt = "q" * 4000
    assert commit_message("T", prompt) == f"T\n\nOrchard task prompt:\n\n{prompt}\n"


def test_commit_message_keeps_shell_metacharacters_verbatim() -> None:
    prompt = "run `id` and $(whoami); echo \"$HOME\" 'x'"
    assert commit_message("T", prompt).endswith(prompt + "\n")
