"""Every parser survives whatever an agent prints: unknown JSON, garbage, huge or split lines."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest

from app.core.events import AgentEvent, EventKind
from app.core.profiles import OutputFormat
from tests.parsers.streams import fixture, jsonl, parse, typed_parser

K = EventKind
ALL_FORMATS = list(OutputFormat)
JSON_FORMATS = [f for f in OutputFormat if f is not OutputFormat.TEXT]
KB = 1024
MB = 1024 * KB


def _message_line(fmt: OutputFormat, text: Any) -> bytes:
    """Return one line that `fmt` reads as a whole assistant message."""
    obj: dict[str, Any] = {
        OutputFormat.CODEX: {
            "type": "item.completed",
            "item": {"id": "m", "type": "agent_message", "text": text},
        },
        OutputFormat.CODEX_APP: {
            "method": "item/completed",
            "params": {"item": {"id": "m", "type": "agentMessage", "text": text}},
        },
        OutputFormat.CLAUDE: {
            "type": "assistant",
            "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
        },
        OutputFormat.GEMINI: {
            "type": "message",
            "role": "assistant",
            "content": text,
            "delta": False,
        },
        OutputFormat.OPENCODE: {"type": "text", "part": {"type": "text", "text": text}},
        OutputFormat.TEXT: {"text": text},
    }[fmt]
    return orjson.dumps(obj) + b"\n"


SAMPLE_STREAMS: dict[OutputFormat, bytes] = {
    OutputFormat.CODEX: fixture("codex_exec.jsonl") + fixture("codex_exec_error.jsonl"),
    OutputFormat.CODEX_APP: fixture("codex_app.jsonl") + fixture("codex_app_error.jsonl"),
    OutputFormat.CLAUDE: fixture("claude_stream.jsonl"),
    OutputFormat.GEMINI: jsonl(
        {"type": "init", "session_id": "g", "model": "m"},
        {"type": "message", "role": "assistant", "content": "Bonjour ", "delta": True},
        {"type": "message", "role": "assistant", "content": "l’été 🚀", "delta": True},
        {"type": "tool_use", "tool_name": "shell", "tool_id": "t", "parameters": {"command": "ls"}},
        {"type": "tool_result", "tool_id": "t", "status": "success", "output": "café.txt"},
        {"type": "result", "status": "success", "stats": {"input_tokens": 1, "output_tokens": 2}},
    ),
    OutputFormat.OPENCODE: jsonl(
        {"type": "step_start", "sessionID": "s", "part": {}},
        {"type": "text", "sessionID": "s", "part": {"text": "Réparé ✅"}},
        {
            "type": "tool_use",
            "sessionID": "s",
            "part": {
                "tool": "bash",
                "callID": "c",
                "state": {
                    "status": "completed",
                    "input": {"command": "ls"},
                    "metadata": {"exit": 0},
                },
            },
        },
        {"type": "step_finish", "sessionID": "s", "part": {"tokens": {"input": 1, "output": 2}}},
    ),
    OutputFormat.TEXT: (
        "Applied edit to café.py ✅\nTokens: 1.2k sent\n\n日本語\nno newline at end"
    ).encode(),
}


def _lines_text(events: list[AgentEvent]) -> str:
    return "\n".join(e.text for e in events)


def _json_raw_texts(data: bytes) -> list[str]:
    """Return the RAW texts a JSON-lines parser must produce for unparseable `data`."""
    out = []
    for line in data.split(b"\n"):
        if line.strip():
            line = line.removesuffix(b"\r")
            out.append(line.decode("utf-8", errors="replace"))
    return out


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_sample_streams_cover_every_format(fmt: OutputFormat) -> None:
    events = parse(fmt, SAMPLE_STREAMS[fmt])
    assert events
    if fmt is not OutputFormat.TEXT:
        assert all(e.kind is not K.RAW for e in events), events


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_parser_for_returns_fresh_parsers(fmt: OutputFormat) -> None:
    first, second = typed_parser(fmt), typed_parser(fmt)
    assert first.parser is not second.parser
    assert first.feed(b"") == []
    assert first.close() == []


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_unknown_json_types_are_raw_with_text_kept(fmt: OutputFormat) -> None:
    lines = [
        b'{"type":"zz.unknown.event","payload":{"a":[1,2,3]}}',
        b'{"type": "another_unknown", "text": "kept?"}',
        b'{"no_type_at_all": 1}',
        b"{}",
    ]
    events = parse(fmt, b"\n".join(lines) + b"\n")
    assert all(e.kind is K.RAW for e in events)
    assert _lines_text(events) == "\n".join(line.decode() for line in lines)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_non_json_lines_are_raw_with_text_kept(fmt: OutputFormat) -> None:
    lines = [
        "Loaded cached credentials.",
        "{not json at all",
        "[1, 2, 3]",
        "42",
        "null",
        '"just a string"',
        "true",
        "  indented text with trailing spaces   ",
        "ERROR: something went wrong: {'a': 1}",
    ]
    events = parse(fmt, "\n".join(lines).encode() + b"\n")
    assert all(e.kind is K.RAW for e in events)
    assert _lines_text(events) == "\n".join(lines)
    if fmt is not OutputFormat.TEXT:
        assert len(events) == len(lines)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_unterminated_last_line_comes_out_at_close(fmt: OutputFormat) -> None:
    parser = typed_parser(fmt)
    assert parser.feed(b"partial line without newline") == []
    assert parser.close() == [AgentEvent(K.RAW, text="partial line without newline")]
    assert parser.close() == []


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_json_line_longer_than_64_kb_is_parsed(fmt: OutputFormat) -> None:
    text = "long message ✅ " * (200 * KB // 16)
    line = _message_line(fmt, text)
    assert len(line) > 64 * KB
    events = parse(fmt, line, chunk=64 * KB)
    if fmt is OutputFormat.TEXT:
        assert events == [AgentEvent(K.RAW, text=line.decode().removesuffix("\n"))]
    else:
        assert [(e.kind, e.text) for e in events] == [(K.MESSAGE, text)]


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_10_mb_line_without_newline_in_64_kb_chunks(fmt: OutputFormat) -> None:
    data = b"x" * (10 * MB)
    parser = typed_parser(fmt)
    fed: list[AgentEvent] = []
    for i in range(0, len(data), 64 * KB):
        fed.extend(parser.feed(data[i : i + 64 * KB]))
    events = fed + parser.close()
    assert all(e.kind is K.RAW for e in events)
    assert sum(len(e.text) for e in events) == len(data)
    assert set("".join(e.text for e in events)) == {"x"}


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_10_mb_json_line_in_64_kb_chunks(fmt: OutputFormat) -> None:
    text = "y" * (10 * MB)
    events = parse(fmt, _message_line(fmt, text), chunk=64 * KB)
    assert len(events) == 1
    assert len(events[0].text) >= len(text)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_binary_garbage_becomes_raw_text(fmt: OutputFormat) -> None:
    rng = random.Random(20251124)
    data = rng.randbytes(256 * KB) + b"\x00\x00\xff\xfe\xc3(\xe2\x82\n\x00tail\xf0\x9f"
    events = parse(fmt, data, chunk=4 * KB + 7)
    assert events
    assert all(e.kind is K.RAW for e in events)
    joined = "".join(e.text for e in events)
    assert "\ufffd" in joined
    assert "\x00" in joined
    if fmt is OutputFormat.TEXT:
        assert _lines_text(events) == data.decode("utf-8", errors="replace")
    else:
        assert [e.text for e in events] == _json_raw_texts(data)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_invalid_utf8_inside_lines(fmt: OutputFormat) -> None:
    lines = [b"caf\xe9 latin-1", b"\xff\xfe\xfd", b"ok \xe2\x9c", b"\xed\xa0\x80 surrogate"]
    events = parse(fmt, b"\n".join(lines) + b"\n")
    assert all(e.kind is K.RAW for e in events)
    assert _lines_text(events) == "\n".join(
        line.decode("utf-8", errors="replace") for line in lines
    )
    assert "\ufffd" in _lines_text(events)


@pytest.mark.parametrize("fmt", JSON_FORMATS)
def test_invalid_utf8_inside_a_json_string_does_not_raise(fmt: OutputFormat) -> None:
    line = _message_line(fmt, "PLACEHOLDER").replace(b"PLACEHOLDER", b"bad \xff\xfe bytes")
    events = parse(fmt, line)
    assert len(events) == 1
    assert "bad" in events[0].text


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_one_byte_at_a_time_matches_whole(fmt: OutputFormat) -> None:
    data = SAMPLE_STREAMS[fmt]
    whole = parse(fmt, data)
    tiny = parse(fmt, data, chunk=1)
    if fmt is OutputFormat.TEXT:
        assert _lines_text(tiny) == _lines_text(whole) == data.decode()
    else:
        assert tiny == whole


@pytest.mark.parametrize("chunk", [2, 3, 5, 13, 1000])
@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_any_chunking_matches_whole(fmt: OutputFormat, chunk: int) -> None:
    data = SAMPLE_STREAMS[fmt]
    whole, split = parse(fmt, data), parse(fmt, data, chunk=chunk)
    if fmt is OutputFormat.TEXT:
        assert _lines_text(split) == _lines_text(whole)
    else:
        assert split == whole


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_crlf_line_endings(fmt: OutputFormat) -> None:
    lf = SAMPLE_STREAMS[fmt]
    crlf = lf.replace(b"\n", b"\r\n")
    if fmt is OutputFormat.TEXT:
        assert _lines_text(parse(fmt, crlf)).replace("\r\n", "\n") == lf.decode()
    else:
        assert parse(fmt, crlf) == parse(fmt, lf)
        assert parse(fmt, crlf, chunk=1) == parse(fmt, lf)


@pytest.mark.parametrize("fmt", JSON_FORMATS)
def test_crlf_on_non_json_lines_drops_the_cr(fmt: OutputFormat) -> None:
    assert parse(fmt, b"plain\r\nline two\r\n") == [
        AgentEvent(K.RAW, text="plain"),
        AgentEvent(K.RAW, text="line two"),
    ]


@pytest.mark.parametrize("fmt", JSON_FORMATS)
def test_blank_lines_are_skipped(fmt: OutputFormat) -> None:
    assert parse(fmt, b"\n\n   \n\r\n\t\n") == []


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_json_nested_past_orjson_depth_limit_is_raw(fmt: OutputFormat) -> None:
    line = b"[" * 5000 + b"]" * 5000
    assert parse(fmt, line + b"\n") == [AgentEvent(K.RAW, text=line.decode())]


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_deeply_nested_text_field_does_not_raise(fmt: OutputFormat) -> None:
    line = _message_line(fmt, "PLACEHOLDER").replace(
        b'"PLACEHOLDER"', b"[" * 600 + b'"deep"' + b"]" * 600
    )
    try:
        events = parse(fmt, line)
    except RecursionError:
        events = None  # failed outside the handler: a 1000-frame traceback is slow to render
    if events is None:
        pytest.fail("RecursionError escaped the parser", pytrace=False)
    assert len(events) == 1
    assert "deep" in events[0].text
    if fmt is not OutputFormat.TEXT:  # too deep to flatten: kept verbatim instead
        assert events == [AgentEvent(K.RAW, text=line.decode().removesuffix("\n"))]


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_parsers_keep_working_after_garbage(fmt: OutputFormat) -> None:
    garbage = b"\x00\xff{{{\n" + b"\x89PNG\r\n\x1a\n"
    data = garbage + SAMPLE_STREAMS[fmt]
    events = parse(fmt, data)
    if fmt is OutputFormat.TEXT:
        assert _lines_text(events) == data.decode("utf-8", errors="replace")
    else:
        assert events[len(events) - len(parse(fmt, SAMPLE_STREAMS[fmt])) :] == parse(
            fmt, SAMPLE_STREAMS[fmt]
        )
