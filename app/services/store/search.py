"""Search across every task's events.jsonl: a byte scan first, JSON parsing only for candidates.

`search_logs` is plain and synchronous so a worker thread can run it (asyncio.to_thread).
A line is a candidate when its bytes contain the query as JSON would write it: the query is
lowered and JSON-escaped once, each block of the file is lowered, and bytes.find runs over it.
Escaping is per character and orjson writes non-ASCII as UTF-8, so any field that contains
the query holds the escaped query in its bytes. Only candidates are parsed, and a candidate
counts as a hit only if one of its searched fields really contains the query.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from app.core.events import AgentEvent, EventKind
from app.core.events import SearchHit as SearchHit

log = logging.getLogger(__name__)

BLOCK = 4 * 1024 * 1024
SNIPPET_WIDTH = 160
FIELDS = ("command", "path", "tool", "text")  # short, telling fields first: they make the snippet
# Every line holds these keys and values; a query such as "text" or "message" would make every
# line a candidate, so they are blanked out of the scanned copy first.
_KEYS = (*AgentEvent._fields, "seq", "ts")
_VALUES = {
    "kind": tuple(k.value for k in EventKind),
    "status": ("started", "in_progress", "completed", "failed", "fatal"),
    "change": ("add", "update", "delete"),
    "stream": ("stdout", "stderr"),
}


def search_logs(
    logs_dir: Path,
    task_ids: Iterable[str],
    query: str,
    limit: int = 1000,
    cancel: threading.Event | None = None,
    worktrees: Mapping[str, str] | None = None,
) -> list[SearchHit]:
    """Return up to `limit` events of these tasks whose fields contain `query`, ignoring case.

    Tasks are searched in the order given, each log from its first line. A missing,
    unreadable or corrupt log is skipped; a set `cancel` stops the search early and the
    hits found so far are returned. A match inside a task's own worktree path (every
    command the agent runs may carry it) is no hit: `worktrees` maps task id to that path.
    """
    lowered = query.lower()
    hits: list[SearchHit] = []
    if not lowered or limit <= 0:
        return hits
    for task_id in task_ids:
        if cancel is not None and cancel.is_set():
            break
        path = logs_dir / task_id / "events.jsonl"
        try:
            hidden = (worktrees or {}).get(task_id, "")
            for hit in _search_file(path, task_id, lowered, cancel, hidden):
                hits.append(hit)
                if len(hits) >= limit:
                    return hits
        except FileNotFoundError:
            continue  # a task that has not run yet has no log
        except OSError as exc:
            log.warning("log search skipped %s: %s", path, exc)
    return hits


def _search_file(
    path: Path, task_id: str, lowered: str, cancel: threading.Event | None, hidden: str = ""
) -> Iterator[SearchHit]:
    needle = orjson.dumps(lowered)[1:-1].lower()  # as the query appears inside a JSON string
    masks = _masks(needle)
    line_no = 0
    for chunk in _line_chunks(path, cancel):
        for offset, line in _chunk_candidates(chunk, needle, masks):
            event = _parse(line)
            if event is not None:
                hit = _hit(task_id, event, lowered, line_no + offset, hidden)
                if hit is not None:
                    yield hit
        line_no += chunk.count(b"\n")


def _line_chunks(path: Path, cancel: threading.Event | None) -> Iterator[bytes]:
    """Yield the file in blocks of whole lines; the last one may lack its newline."""
    with open(path, "rb") as f:
        carry = b""
        while not (cancel is not None and cancel.is_set()):
            block = f.read(BLOCK)
            if not block:
                if carry:
                    yield carry  # a line still being written: parsed if complete
                return
            data = carry + block if carry else block
            end = data.rfind(b"\n") + 1
            carry = data[end:]
            if end:
                yield data[:end]


def _masks(needle: bytes) -> list[tuple[bytes, bytes]]:
    """Return (token, same-length blank) for the structural tokens `needle` occurs in.

    Only the text between a token's bare quotes is blanked. A bare quote never occurs inside
    a JSON string nor in the escaped needle, so a match that touches the blanked text lies
    wholly in a key or an unsearched value. Values go first, while their keys are readable.
    """
    if not needle.isascii():
        return []  # the tokens are ASCII
    out = []
    for key, values in _VALUES.items():
        for value in values:
            if needle in value.encode():
                out.append((f'"{key}":"{value}"', f'"{key}":"{_blank(value)}"'))
    out += [(f'"{key}":', f'"{_blank(key)}":') for key in _KEYS if needle in key.encode()]
    return [(a.encode(), b.encode()) for a, b in out]


def _blank(text: str) -> str:
    return "\0" * len(text)  # NUL: the escaped needle never holds one


def _chunk_candidates(
    chunk: bytes, needle: bytes, masks: list[tuple[bytes, bytes]]
) -> Iterator[tuple[int, bytes | str]]:
    if not needle.isascii():
        # bytes.lower leaves non-ASCII letters alone: lower the decoded text instead.
        return _text_candidates(chunk.decode("utf-8", errors="replace"), needle.decode())
    lowered = chunk.lower() if _has_cased(needle) else chunk
    for token, blank in masks:
        lowered = lowered.replace(token, blank)
    return _candidates(chunk, lowered, needle, b"\n")


def _candidates[S: (bytes, str)](
    chunk: S, lowered: S, needle: S, newline: S
) -> Iterator[tuple[int, S]]:
    """Yield (line offset in chunk, line) for each line whose lowered form holds `needle`.

    `lowered` must have the same length as `chunk`, so positions carry over.
    """
    pos, line_no, counted_to = lowered.find(needle), 0, 0
    while pos >= 0:
        start = chunk.rfind(newline, 0, pos) + 1
        end = chunk.find(newline, pos)
        end = len(chunk) if end < 0 else end
        line_no += chunk.count(newline, counted_to, start)
        counted_to = start
        yield line_no, chunk[start:end]
        pos = lowered.find(needle, end)


def _text_candidates(text: str, needle: str) -> Iterator[tuple[int, str]]:
    lowered = text.lower()
    if len(lowered) == len(text):
        yield from _candidates(text, lowered, needle, "\n")
        return
    # A few characters lower to two (İ): positions no longer line up, so go line by line.
    for line_no, line in enumerate(text.split("\n")):
        if needle in line.lower():
            yield line_no, line


def _has_cased(needle: bytes) -> bool:
    return needle != needle.upper()


def _parse(line: bytes | str) -> dict[str, Any] | None:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None  # a torn or corrupt line: nothing reliable to jump to
    return event if isinstance(event, dict) else None


def _hit(
    task_id: str, event: dict[str, Any], lowered: str, line_no: int, hidden: str = ""
) -> SearchHit | None:
    for field in FIELDS:
        value = event.get(field)
        if not isinstance(value, str):
            continue
        folded = value.lower()
        pos = _masked(folded, hidden.lower()).find(lowered)
        if pos < 0:
            continue
        source = value if len(folded) == len(value) else folded
        seq = event.get("seq")
        kind = event.get("kind")
        return SearchHit(
            task_id=task_id,
            seq=seq if isinstance(seq, int) else line_no,
            kind=kind if isinstance(kind, str) else "raw",
            snippet=_snippet(source, pos, len(lowered)),
            line_no=line_no,
        )
    return None


def _masked(folded: str, hidden: str) -> str:
    """Return `folded` with each `hidden` (a worktree path) blanked out, at the same length."""
    return folded.replace(hidden, _blank(hidden)) if hidden else folded


def _snippet(value: str, pos: int, length: int, width: int = SNIPPET_WIDTH) -> str:
    """Return the line of `value` around the match at `pos`, cut to `width` characters."""
    start = value.rfind("\n", 0, pos) + 1
    end = value.find("\n", pos + length)
    end = len(value) if end < 0 else end
    if end - start <= width:
        return _flat(value[start:end])
    inner = width - 2  # room for an ellipsis at each end
    lo = max(start, pos - max(inner - length, 0) // 2)
    hi = min(end, lo + inner)
    lo = max(start, hi - inner)
    return "…" * (lo > start) + _flat(value[lo:hi]) + "…" * (hi < end)


def _flat(text: str) -> str:
    return "".join(" " if c.isspace() or not c.isprintable() else c for c in text)
