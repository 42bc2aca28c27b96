"""Syntax colours for diff lines: Pygments lexes one line at a time, results cached by line."""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
from typing import Any

from PySide6.QtGui import QColor

MAX_LEXED_CHARS = 2000  # longer lines are painted plain: lexing a 50 MB line would freeze
CACHE_LINES = 20000

# Token families, most specific first; a token takes the colour of its nearest family.
_FAMILIES = (
    "Comment",
    "Literal.String",
    "Literal.Number",
    "Keyword",
    "Name.Builtin",
    "Name.Function",
    "Name.Class",
    "Name.Decorator",
    "Name.Tag",
    "Name.Attribute",
    "Operator.Word",
)
_LIGHT = ("#6a737d", "#0a3069", "#0550ae", "#cf222e", "#8250df", "#6639ba", "#953800",
          "#8250df", "#116329", "#0550ae", "#cf222e")  # fmt: skip
_DARK = ("#8b949e", "#a5d6ff", "#79c0ff", "#ff7b72", "#d2a8ff", "#d2a8ff", "#ffa657",
         "#d2a8ff", "#7ee787", "#79c0ff", "#ff7b72")  # fmt: skip

Spans = tuple[tuple[int, int, int], ...]  # (start, end, family index) in the line's text


@lru_cache(maxsize=512)
def lexer_for(path: str) -> Any | None:
    """Return a Pygments lexer for `path` by its name, or None for plain text."""
    from pygments.lexers import get_lexer_for_filename  # type: ignore[import-untyped]
    from pygments.util import ClassNotFound  # type: ignore[import-untyped]

    name = path.rsplit("/", 1)[-1]
    try:
        lexer = get_lexer_for_filename(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    return None if lexer.name == "Text only" else lexer


@lru_cache(maxsize=4096)
def _family(token: Any) -> int:
    text = str(token)[len("Token.") :]
    for i, family in enumerate(_FAMILIES):
        if text == family or text.startswith(family + "."):
            return i
    return -1


class SyntaxColours:
    """Colours one line of a file at a time; remembers the last CACHE_LINES lines it saw."""

    def __init__(self, dark: bool = False) -> None:
        self.colours = [QColor(c) for c in (_DARK if dark else _LIGHT)]
        self._cache: OrderedDict[tuple[str, str], Spans] = OrderedDict()
        self.lexed = 0  # how many lines went through Pygments (the rest came from the cache)

    def spans(self, lexer: Any | None, text: str) -> Spans:
        """Return the coloured ranges of `text` as `lexer` sees it on its own."""
        if lexer is None or not text or len(text) > MAX_LEXED_CHARS:
            return ()
        key = (lexer.name, text)
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        found = self._lex(lexer, text)
        self._cache[key] = found
        if len(self._cache) > CACHE_LINES:
            self._cache.popitem(last=False)
        return found

    def _lex(self, lexer: Any, text: str) -> Spans:
        self.lexed += 1
        out: list[tuple[int, int, int]] = []
        for start, token, value in lexer.get_tokens_unprocessed(text):
            family = _family(token)
            if family < 0 or not value:
                continue
            end = start + len(value)
            if out and out[-1][2] == family and out[-1][1] == start:
                out[-1] = (out[-1][0], end, family)
            else:
                out.append((start, end, family))
        return tuple(out)
