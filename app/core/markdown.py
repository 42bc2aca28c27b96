"""An agent's message as Markdown lines: headings, list items, quotes and code, one per row.

The log shows one line per fixed-height row, so Markdown is read line by line: each line gets a
style and its text without the marks that only say how it looks (`#`, `**`, fences, links'
targets stay readable as "text (url)").
"""

from __future__ import annotations

import re
from enum import IntEnum


class Line(IntEnum):
    """How one line of a message is shown."""

    TEXT = 0
    HEADING = 1
    ITEM = 2  # a list item, with its bullet or number
    QUOTE = 3
    CODE = 4  # inside a fenced code block: kept exactly


# Any character or line start that could mean Markdown; a message without one is plain text.
_MAYBE = re.compile(r"[#*_`\[>~]|^\s*(?:[-+]|\d{1,9}[.)])\s", re.MULTILINE)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBER = re.compile(r"^(\s*)(\d{1,9}[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_LINK = re.compile(r"\[([^\]\n]+)\]\((\S+?)\)")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")  # split on: its text is kept exactly


def markdown_lines(text: str) -> list[tuple[Line, str]]:
    """Return each line of `text` with its style and the text to show."""
    if is_plain(text):
        return [(Line.TEXT, line) for line in text.split("\n")]
    out: list[tuple[Line, str]] = []
    fence: str | None = None
    for raw in text.split("\n"):
        opened = _FENCE.match(raw)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            else:
                out.append((Line.CODE, raw))
            continue
        if opened:
            fence = opened.group(1)
            continue
        out.append(_styled(raw))
    return out


def is_plain(text: str) -> bool:
    """Say whether `text` has nothing that could be Markdown (most agent lines have not)."""
    return _MAYBE.search(text) is None


def _styled(line: str) -> tuple[Line, str]:
    if heading := _HEADING.match(line):
        return Line.HEADING, inline(heading.group(1))
    if bullet := _BULLET.match(line):
        return Line.ITEM, f"{bullet.group(1)}• {inline(bullet.group(2))}"
    if number := _NUMBER.match(line):
        return Line.ITEM, f"{number.group(1)}{number.group(2)} {inline(number.group(3))}"
    if quote := _QUOTE.match(line):
        return Line.QUOTE, f"│ {inline(quote.group(1))}"
    return Line.TEXT, inline(line)


def inline(text: str) -> str:
    """Return `text` without emphasis marks, links as "text (url)", code spans kept exactly."""
    parts = _CODE_SPAN.split(text)  # text, code, text, code, ...: code is never restyled
    return "".join(part if i % 2 else _unmarked(part) for i, part in enumerate(parts))


def _unmarked(text: str) -> str:
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m[1]} ({m[2]})", text)
    text = _STRONG.sub(lambda m: m.group(1) or m.group(2), text)
    return _EMPHASIS.sub(r"\1", text)
