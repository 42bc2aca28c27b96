"""Line framing shared by the JSON-lines parsers."""

from __future__ import annotations

from app.services.agents.framing import MAX_LINE_BYTES, LineSplitter, decode


def test_whole_lines() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"a\nb\n") == [b"a", b"b"]
    assert splitter.close() == []


def test_partial_lines_are_joined() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"ab") == []
    assert splitter.feed(b"c\nd") == [b"abc"]
    assert splitter.feed(b"e\n\n") == [b"de", b""]
    assert splitter.close() == []


def test_close_returns_the_tail_once() -> None:
    splitter = LineSplitter()
    splitter.feed(b"x\ntail")
    assert splitter.close() == [b"tail"]
    assert splitter.close() == []


def test_overlong_line_is_flushed_in_pieces() -> None:
    splitter = LineSplitter(max_line=10)
    assert splitter.feed(b"12345") == []
    assert splitter.feed(b"67890abc") == [b"1234567890abc"]
    assert splitter.feed(b"de\n") == [b"de"]
    assert splitter.close() == []


def test_overlong_tail_after_a_newline_is_flushed() -> None:
    splitter = LineSplitter(max_line=4)
    assert splitter.feed(b"ok\n123456") == [b"ok", b"123456"]
    assert splitter.close() == []


def test_default_cap() -> None:
    assert MAX_LINE_BYTES == 16 * 1024 * 1024


def test_decode() -> None:
    assert decode(b"plain") == "plain"
    assert decode(b"crlf\r") == "crlf"
    assert decode(b"two\r\r") == "two\r"
    assert decode(b"bad \xff") == "bad \ufffd"
    assert decode("é".encode()) == "é"
    assert decode(b"") == ""
