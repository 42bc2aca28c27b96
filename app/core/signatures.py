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
_EXCEPTION = re.compile(
    r"\b([A-Z][A-Za-z0-9]*(?:Error|Exception|Fault|Failure|Panic|Warning))\b"
    r"|\b(SIG[A-Z]{3,6}|segmentation fault|access violation|assertion failed|stack overflow"
    r"|null pointer|nullpointerexception|out of memory|deadlock)\b",
    re.IGNORECASE,
)
_FRAME = re.compile(r"\b([A-Za-z_]\w*(?:::[A-Za-z_~]\w*)+)\b|\b(?:in|at) ([A-Za-z_]\w{3,})\s*\(")
_VERSION = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+)+)(?![\w.]*\d)|(?<!\w)r(\d{4,6})\b")
_COMMON_FRAMES = frozenset({"std", "main", "raise", "abort"})


def signatures(text: str) -> set[str]:
    """Return the folded signatures quoted in `text`: files, exceptions, frames, versions."""
    chunk = text[:MAX_CHARS]
    found = {f"file:{m.casefold()}" for m in _FILE.findall(chunk)}
    for named, phrase in _EXCEPTION.findall(chunk):
        found.add(f"exc:{(named or phrase).casefold()}")
    for scoped, called in _FRAME.findall(chunk):
        frame = (scoped or called).casefold()
        if frame.split("::")[-1] not in _COMMON_FRAMES:
            found.add(f"frame:{frame}")
    for dotted, revision in _VERSION.findall(chunk):
        found.add(f"ver:{dotted}" if dotted else f"ver:r{revision}")
    return found
