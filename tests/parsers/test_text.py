"""The plain-text parser (aider, shell): RAW events of whole lines, nothing lost."""

from __future__ import annotations

import pytest

from app.core.events import AgentEvent, EventKind
from app.core.profiles import OutputFormat
from app.services.agents import parser_for
from app.services.agents.framing import MAX_LINE_BYTES
from app.services.agents.text import TextParser
from tests.parsers.streams import Typed, typed_parser

K = EventKind


def _reassemble(fed: list[list[AgentEvent]], closed: list[AgentEvent]) -> str:
    """Rebuild the input: each feed event ends at a newline it did not include."""
    out = "".join(e.text + "\n" for events in fed for e in events)
    return out + "".join(e.text for e in closed)


def test_parser_for_text_is_a_text_parser() -> None:
    assert isinstance(parser_for(OutputFormat.TEXT), TextParser)


def test_one_raw_event_per_chunk_of_whole_lines() -> None:
    parser = typed_parser(OutputFormat.TEXT)
    assert parser.feed(b"line 1\nline 2\nline 3\n") == [
        AgentEvent(K.RAW, text="line 1\nline 2\nline 3")
    ]
    assert parser.close() == []


def test_unterminated_tail_is_held_until_close() -> None:
    parser = typed_parser(OutputFormat.TEXT)
    assert parser.feed(b"first\nsec") == [AgentEvent(K.RAW, text="first")]
    assert parser.feed(b"ond half") == []
    assert parser.feed(b" and more\nthird") == [AgentEvent(K.RAW, text="second half and more")]
    assert parser.close() == [AgentEvent(K.RAW, text="third")]
    assert parser.close() == []


def test_no_newline_at_all_comes_out_at_close() -> None:
    parser = typed_parser(OutputFormat.TEXT)
    assert parser.feed(b"progress 10%") == []
    assert parser.feed(b"... 20%") == []
    assert parser.close() == [AgentEvent(K.RAW, text="progress 10%... 20%")]


def test_empty_feed_and_close() -> None:
    parser = typed_parser(OutputFormat.TEXT)
    assert parser.feed(b"") == []
    assert parser.close() == []


def test_blank_lines_are_kept() -> None:
    parser = typed_parser(OutputFormat.TEXT)
    fed = [parser.feed(b"\n\na\n\n")]
    closed = parser.close()
    assert fed == [[AgentEvent(K.RAW, text="\n\na\n")]]
    assert _reassemble(fed, closed) == "\n\na\n\n"


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000, 100_000])
def test_every_line_is_kept_whatever_the_chunking(chunk: int) -> None:
    text = "".join(f"line {i}: {'é' * (i % 5)} {'🚀' * (i % 3)}\n" for i in range(2000)) + "tail"
    data = text.encode()
    parser = typed_parser(OutputFormat.TEXT)
    fed = [parser.feed(data[i : i + chunk]) for i in range(0, len(data), chunk)]
    closed = parser.close()
    assert all(e.kind is K.RAW for events in fed for e in events)
    assert all(len(events) <= 1 for events in fed)
    assert _reassemble(fed, closed) == text
    assert closed == [AgentEvent(K.RAW, text="tail")]


def test_many_lines_cost_few_events() -> None:
    data = b"".join(b"line %d\n" % i for i in range(100_000))
    parser = typed_parser(OutputFormat.TEXT)
    events = [
        e for i in range(0, len(data), 64 * 1024) for e in parser.feed(data[i : i + 64 * 1024])
    ]
    assert len(events) <= len(data) // (64 * 1024) + 1
    assert "\n".join(e.text for e in events) + "\n" == data.decode()


def test_multibyte_character_split_across_chunks() -> None:
    data = "crème brûlée 🚀\n".encode()
    parser = typed_parser(OutputFormat.TEXT)
    events = [e for b in data for e in parser.feed(bytes([b]))]
    assert events == [AgentEvent(K.RAW, text="crème brûlée 🚀")]


def test_invalid_utf8_is_replaced() -> None:
    parser = typed_parser(OutputFormat.TEXT)
    assert parser.feed(b"bad \xff\xfe here\n") == [AgentEvent(K.RAW, text="bad \ufffd\ufffd here")]


def test_crlf_is_kept_verbatim() -> None:
    parser = typed_parser(OutputFormat.TEXT)
    assert parser.feed(b"a\r\nb\r\n") == [AgentEvent(K.RAW, text="a\r\nb\r")]


def test_stream_name_is_carried() -> None:
    parser = Typed(TextParser(stream="stderr"))
    assert parser.feed(b"warning\n") == [AgentEvent(K.RAW, text="warning", stream="stderr")]
    assert parser.feed(b"tail") == []
    assert parser.close() == [AgentEvent(K.RAW, text="tail", stream="stderr")]


def test_line_past_the_cap_is_flushed_without_newline() -> None:
    parser = typed_parser(OutputFormat.TEXT)
    piece = b"z" * (1024 * 1024)
    fed: list[AgentEvent] = []
    for _ in range(MAX_LINE_BYTES // len(piece) + 1):
        fed.extend(parser.feed(piece))
    assert len(fed) == 1
    assert len(fed[0].text) == MAX_LINE_BYTES
    rest = parser.close()
    assert sum(len(e.text) for e in fed + rest) == MAX_LINE_BYTES + len(piece)
