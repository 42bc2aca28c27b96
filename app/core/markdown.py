"""An agent's message as Markdown lines: headings, list items, quotes and code, one per row.

The log shows one line per fixed-height row, so Markdown is read line by line: each line gets a
style and its text without the marks that only say how it looks (`#`, `**`, fences, links'
targets stay readable as "text (url)").
"""

from __future__ import annotations

import re
from enum import IntEnum
from typing import NamedTuple


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
            if _closes(opened, fence):
                fence = None
            else:
                out.append((Line.CODE, raw))
            continue
        if opened:
            fence = opened.group(1)
            continue
        out.append(_styled(raw))
    return out


def _closes(opened: re.Match[str] | None, fence: str) -> bool:
    """Say whether a fence line closes the code block `fence` opened (same mark, as long)."""
    if opened is None:
        return False
    mark = opened.group(1)
    return mark[0] == fence[0] and len(mark) >= len(fence)


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


class Block(NamedTuple):
    """Consecutive lines of one style: a heading, a paragraph, a list, a quote or code.

    Text keeps its inline marks (read them with inline_runs); code is kept exactly. `level`
    is a heading's level (1 to 6); `ordered` says whether a list is numbered.
    """

    style: Line
    lines: tuple[str, ...]
    level: int = 0
    ordered: bool = False


class Run(IntEnum):
    """How a piece of a line's text is shown."""

    TEXT = 0
    CODE = 1
    STRONG = 2
    EMPHASIS = 3
    LINK = 4  # its target is the run's third part


_RUN = re.compile(
    rf"(?P<link>{_LINK.pattern})|(?P<strong>{_STRONG.pattern})|(?P<em>{_EMPHASIS.pattern})"
)


def markdown_blocks(text: str) -> list[Block]:
    """Return `text` as blocks: blank lines part paragraphs, a style change starts a block."""
    blocks: list[Block] = []
    fence: str | None = None
    for raw in text.split("\n"):
        opened = _FENCE.match(raw)
        if fence is not None:
            if _closes(opened, fence):
                fence = None
            else:
                blocks[-1] = blocks[-1]._replace(lines=(*blocks[-1].lines, raw))
            continue
        if opened:
            fence = opened.group(1)
            blocks.append(Block(Line.CODE, ()))
            continue
        _add_line(blocks, raw)
    return [b for b in blocks if b.lines or b.style is Line.CODE]  # no paragraph separators


def _add_line(blocks: list[Block], raw: str) -> None:
    last = blocks[-1] if blocks else None
    if not raw.strip():
        if last is not None and last.style is not Line.CODE and last.lines:
            blocks.append(Block(Line.TEXT, ()))  # an empty paragraph: the next line starts anew
        return
    block = _block_of(raw)
    if block.style is Line.HEADING:
        blocks.append(block)
    elif (
        last is not None
        and last.style is block.style
        and block.style is not Line.CODE
        and (last.ordered == block.ordered)
    ):
        blocks[-1] = last._replace(lines=(*last.lines, *block.lines))
    elif last is not None and last.style is Line.TEXT and not last.lines:
        blocks[-1] = block
    else:
        blocks.append(block)


def _block_of(line: str) -> Block:
    if heading := _HEADING.match(line):
        level = len(line.strip()) - len(line.strip().lstrip("#"))
        return Block(Line.HEADING, (heading.group(1),), level=min(6, level))
    if bullet := _BULLET.match(line):
        return Block(Line.ITEM, (bullet.group(2),))
    if number := _NUMBER.match(line):
        return Block(Line.ITEM, (number.group(3),), ordered=True)
    if quote := _QUOTE.match(line):
        return Block(Line.QUOTE, (quote.group(1),))
    return Block(Line.TEXT, (line.strip(),))


def inline_runs(text: str) -> list[tuple[Run, str, str]]:
    """Return `text`'s runs (style, text, link target): code spans kept exactly."""
    runs: list[tuple[Run, str, str]] = []
    for i, part in enumerate(_CODE_SPAN.split(text)):
        if i % 2:
            runs.append((Run.CODE, part, ""))
            continue
        at = 0
        for m in _RUN.finditer(part):
            if m.start() > at:
                runs.append((Run.TEXT, part[at : m.start()], ""))
            runs.append(_run_of(m))
            at = m.end()
        if at < len(part):
            runs.append((Run.TEXT, part[at:], ""))
    return [r for r in runs if r[1]]


def _run_of(m: re.Match[str]) -> tuple[Run, str, str]:
    if m.group("link"):
        link = _LINK.match(m.group("link"))
        assert link is not None
        return Run.LINK, link.group(1), link.group(2)
    if m.group("strong"):
        strong = _STRONG.match(m.group("strong"))
        assert strong is not None
        return Run.STRONG, strong.group(1) or strong.group(2), ""
    return Run.EMPHASIS, m.group("em")[1:-1], ""
