"""Signatures pulled from a bug report: the parts that match exactly when two people hit one bug.

Pure: text in, strings out. Two reports of one crash are often told in different words but
quote the same source file, exception type, stack frame or assertion; those are found here and
folded (case, path, line numbers) so that `..\\src\\tile_map.h:76` and `src/Tile_Map.h` meet.
Each signature starts with its kind ("file:", "exc:", "frame:", "ver:") so that a file named
like a word never matches the word.
"""

from __future__ import annotations

import re

MAX_CHARS = 32_000  # a pasted log past this adds nothing but time

_SOURCE_EXT = (
    "c|cc|cpp|cxx|h|hh|hpp|hxx|py|pyx|js|jsx|mjs|ts|tsx|java|kt|rs|go|cs|swift|m|mm|rb|php"
    "|lua|sq|nut|qml|ui"
)
_FILE = re.compile(rf"(?<![\w.])([A-Za-z_][\w.-]*\.(?:{_SOURCE_EXT}))(?![\w])", re.IGNORECASE)
# Exception types are written CamelCase (KeyError, NullPointerException): matched with case, which
# is several times faster than folding and keeps "terror" or "mirror" out. Signals and phrases are
# looked for only when a cheap substring test says they may be there.
_NAMED = re.compile(r"\b([A-Z][A-Za-z0-9]*(?:Error|Exception|Fault|Failure|Panic|Warning))\b")
_SIGNAL = re.compile(r"\b(SIG[A-Z]{3,6})\b")
_PHRASES = (
    "segmentation fault",
    "access violation",
    "assertion failed",
    "stack overflow",
    "null pointer",
    "nullpointerexception",
    "out of memory",
    "deadlock",
)
_PHRASE = re.compile(r"\b(" + "|".join(_PHRASES) + r")\b")
_FRAME = re.compile(r"\b([A-Za-z_]\w*(?:::[A-Za-z_~]\w*)+)\b|\b(?:in|at) ([A-Za-z_]\w{3,})\s*\(")
_VERSION = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+)+)(?![\w.]*\d)|(?<!\w)r(\d{4,6})\b")
_VERSION_HINT = re.compile(r"\d\.\d|\br\d{4}")  # a cheap test before the version pattern
_COMMON_FRAMES = frozenset({"std", "main", "raise", "abort"})


def signatures(text: str) -> set[str]:
    """Return the folded signatures quoted in `text`: files, exceptions, frames, versions."""
    chunk = text[:MAX_CHARS]
    found = {f"file:{m.casefold()}" for m in _FILE.findall(chunk)}
    found.update(f"exc:{name.casefold()}" for name in _NAMED.findall(chunk))
    if "SIG" in chunk:
        found.update(f"exc:{name.casefold()}" for name in _SIGNAL.findall(chunk))
    folded = chunk.casefold()
    if any(phrase in folded for phrase in _PHRASES):
        found.update(f"exc:{phrase}" for phrase in _PHRASE.findall(folded))
    frames = _FRAME.findall(chunk) if "::" in chunk or "(" in chunk else ()
    for scoped, called in frames:
        frame = (scoped or called).casefold()
        if frame.split("::")[-1] not in _COMMON_FRAMES:
            found.add(f"frame:{frame}")
    versions = _VERSION.findall(chunk) if _VERSION_HINT.search(chunk) else ()
    for dotted, revision in versions:
        found.add(f"ver:{dotted}" if dotted else f"ver:r{revision}")
    return found
