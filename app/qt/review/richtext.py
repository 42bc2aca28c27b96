"""An agent's Markdown message as Qt rich text: headings, lists, quotes, boxed code, links."""

from __future__ import annotations

import html

from PySide6.QtGui import QPalette

from app.core.markdown import Block, Line, Run, inline_runs, markdown_blocks

_HEADING_SIZES = {1: "x-large", 2: "large"}  # smaller headings: bold at the text's size


def markdown_html(text: str, palette: QPalette, max_lines: int = 0) -> tuple[str, bool]:
    """Return `text` as HTML in `palette`'s colours, and whether lines past `max_lines` (if
    not 0) were left out."""
    blocks, elided = _cut(markdown_blocks(text), max_lines)
    colours = _Colours(palette)
    return "".join(_block_html(b, colours) for b in blocks), elided


class _Colours:
    """The palette's colours as CSS: they follow the theme, light or dark."""

    def __init__(self, palette: QPalette) -> None:
        role = QPalette.ColorRole
        self.box = palette.color(role.AlternateBase).name()
        self.edge = palette.color(role.Mid).name()
        self.link = palette.color(role.Link).name()
        self.dim = palette.color(role.PlaceholderText).name()


def _cut(blocks: list[Block], max_lines: int) -> tuple[list[Block], bool]:
    """Keep the blocks (and the part of the last one) that fit in `max_lines` lines."""
    if max_lines <= 0:
        return blocks, False
    kept: list[Block] = []
    left = max_lines
    for block in blocks:
        if left <= 0:
            return kept, True
        if len(block.lines) > left:
            return [*kept, block._replace(lines=block.lines[:left])], True
        kept.append(block)
        left -= len(block.lines) + (block.style is Line.CODE)  # a box takes room of its own
    return kept, False


def _block_html(block: Block, c: _Colours) -> str:
    if block.style is Line.CODE:
        code = html.escape("\n".join(block.lines)) or " "
        return (
            f'<table width="100%" cellspacing="0" cellpadding="6" border="1" '
            f'style="border-color:{c.edge}; border-style:solid; margin:4px 0;" '
            f'bgcolor="{c.box}"><tr><td><pre style="margin:0;">{code}</pre></td></tr></table>'
        )
    if block.style is Line.HEADING:
        size = _HEADING_SIZES.get(block.level, "medium")
        style = f"font-weight:600; font-size:{size}; margin:6px 0 2px 0;"
        return f'<p style="{style}">{_inline(block.lines[0], c)}</p>'
    if block.style is Line.ITEM:
        tag = "ol" if block.ordered else "ul"
        items = "".join(f"<li>{_inline(line, c)}</li>" for line in block.lines)
        return f'<{tag} style="margin:2px 0 2px 0;">{items}</{tag}>'
    if block.style is Line.QUOTE:
        body = "<br>".join(_inline(line, c) for line in block.lines)
        return f'<p style="color:{c.dim}; margin-left:12px;">│ {body}</p>'
    return f'<p style="margin:2px 0;">{"<br>".join(_inline(line, c) for line in block.lines)}</p>'


def _inline(text: str, c: _Colours) -> str:
    parts = []
    for style, run, target in inline_runs(text):
        body = html.escape(run)
        if style is Run.CODE:
            parts.append(f'<code style="background-color:{c.box};">{body}</code>')
        elif style is Run.STRONG:
            parts.append(f"<b>{body}</b>")
        elif style is Run.EMPHASIS:
            parts.append(f"<i>{body}</i>")
        elif style is Run.LINK:
            parts.append(f'<a href="{html.escape(target)}" style="color:{c.link};">{body}</a>')
        else:
            parts.append(body)
    return "".join(parts)
