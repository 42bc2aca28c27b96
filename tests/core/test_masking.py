"""Masking secrets: secret-named variables, known values, token shapes, split chunks."""

from __future__ import annotations

import json

import pytest

from app.core.masking import HOLD_LIMIT, Masker, StreamMasker, is_secret_name, secret_values

GHP = "ghp_" + "A1b2C3d4" * 5
SK = "sk-proj-" + "x9Y8z7W6" * 3
PAT = "github_pat_" + "11ABCDEFG0" * 3


@pytest.mark.parametrize(
    "name",
    [
        "MY_API_KEY",
        "API_KEY",
        "GITHUB_TOKEN",
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "DB_PASSWORD",
        "PASSWORD_FILE_CONTENT",
        "client_secret",
        "GH_PAT",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["PATH", "HOME", "KEYBOARD_LAYOUT", "TOKENIZERS_PARALLELISM", "SSH_AUTH_SOCK", "LANG"]
)
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


def test_short_values_are_not_masked() -> None:
    env = {"DEBUG_KEY": "1", "MY_TOKEN": "true", "MY_API_KEY": "s3cr3t-value"}
    assert secret_values(env) == ["s3cr3t-value"]
    masker = Masker.build(env)
    assert masker.mask("level 1 is true, key s3cr3t-value") == "level 1 is true, key ***"


def test_env_values_and_known_secrets_masked_in_text_and_bytes() -> None:
    masker = Masker.build({"MY_API_KEY": "s3cr3t-value", "PATH": "/usr/bin"}, ["stored-token-42"])
    text = "key=s3cr3t-value path=/usr/bin stored-token-42!"
    assert masker.mask(text) == "key=*** path=/usr/bin ***!"
    assert masker.mask_bytes(text.encode()) == b"key=*** path=/usr/bin ***!"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Authorization: Bearer abcdef123456", "Authorization: Bearer ***"),
        ('curl -H "authorization: bearer abc.def-123_456"', 'curl -H "authorization: bearer ***"'),
        (f"token {GHP} used", "token *** used"),
        (f"OPENAI={SK}", "OPENAI=***"),
        (f"pat: {PAT}.", "pat: ***."),
    ],
)
def test_token_shapes_masked_without_knowing_them(text: str, masked: str) -> None:
    assert Masker.build({}).mask(text) == masked
    assert Masker.build({}).mask_bytes(text.encode()) == masked.encode()


def test_ordinary_text_left_alone() -> None:
    text = "the task-list on disk-usage; bearer of news; ghp_short; sk-abc"
    assert Masker.build({"X_KEY": "abcdefgh"}).mask(text) == text
    data = text.encode()
    assert Masker.build({}).mask_bytes(data) is data  # clean bytes are not even copied


def test_json_escaped_value_masked_in_a_json_line() -> None:
    secret = 'pa"ss\\word\n42'
    masker = Masker.build({"DB_PASSWORD": secret})
    line = json.dumps({"text": f"connecting with {secret}"}).encode()
    assert secret.encode() not in masker.mask_bytes(line)
    assert json.dumps(secret)[1:-1].encode() not in masker.mask_bytes(line)
    assert json.loads(masker.mask_bytes(line))["text"] == "connecting with ***"


def test_longer_secret_containing_a_shorter_one_masked_whole() -> None:
    masker = Masker.build({"A_KEY": "abcdef", "B_KEY": "abcdefghijkl"})
    assert masker.mask("x abcdefghijkl y abcdef") == "x *** y ***"


def test_stream_masker_catches_a_secret_split_across_chunks() -> None:
    stream = StreamMasker(Masker.build({"MY_API_KEY": "s3cr3t-value"}))
    out = stream.feed(b"line one\nthe key is s3cr")
    assert out == b"line one\n"
    out += stream.feed(b"3t-value and more\nand a tail s3cr3t")
    out += stream.feed(b"-value")
    out += stream.close()
    assert out == b"line one\nthe key is *** and more\nand a tail ***"


def test_stream_masker_passes_whole_lines_at_once_and_bounds_what_it_holds() -> None:
    stream = StreamMasker(Masker.build({}))
    assert stream.feed(b"a\nb\n") == b"a\nb\n"
    big = b"x" * (HOLD_LIMIT + 10)
    assert stream.feed(big) == big  # no newline in sight: not held forever
    assert stream.close() == b""
