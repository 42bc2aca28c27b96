"""The live log of one task as display rows: one row per painted line, stored compactly."""

from __future__ import annotations

import time
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable
from enum import IntEnum
from itertools import groupby
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.core.events import Event, EventKind, one_line
from app.core.eventtext import PLUMBING_KINDS, plumbing_piece
from app.core.markdown import Line, is_plain, markdown_lines
from app.qt.log.textcolumn import TextColumn

PREVIEW_LINES = 20
SETTLE_ROWS = 32_768  # rows per column of a freshly opened log sealed per tick (1-2 ms)
_SCAN_CHUNK = 4096
_Index = QModelIndex | QPersistentModelIndex
_Changes = tuple[list[int], list[int]]  # groups whose body changed, shown rows that changed


# A row's kind is one byte; the delegate picks its colour, indent and badge from it alone.
RowKind = IntEnum(
    "RowKind",
    "TEXT THINK THINK_BODY COMMAND OUTPUT MORE FILE TOOL ERROR NEEDS_INPUT DIM RAW RAW_DIM"
    " HEADING QUOTE CODE"  # an agent message's Markdown
    " PLUMB",  # one muted line summing up a run of bookkeeping (state changes, worktree, session)
    start=0,
)
Tone = IntEnum("Tone", "NONE RUNNING OK FAILED", start=0)  # the colour of a command's badge
Fold = IntEnum("Fold", "COLLAPSED PREVIEW EXPANDED", start=0)  # how much of a body shows

_K = RowKind
_CODE = [bytes((k,)) for k in RowKind]  # one byte per kind, repeated to fill array runs
_RUNNING = ("started", "in_progress")
_HEADS = (RowKind.COMMAND, RowKind.THINK, RowKind.MORE, RowKind.PLUMB)
_GROUPED = (RowKind.COMMAND, RowKind.OUTPUT, RowKind.MORE, RowKind.THINK, RowKind.THINK_BODY)
_AT_GROUP = -(2**62)  # an anchor at its group's header, not some rows past its end
_VERBS = {"update": "edit"}
_MARKDOWN = {
    Line.TEXT: RowKind.TEXT,
    Line.ITEM: RowKind.TEXT,
    Line.HEADING: RowKind.HEADING,
    Line.QUOTE: RowKind.QUOTE,
    Line.CODE: RowKind.CODE,
}  # other changes (add, delete, write) read as they are


class LogRows:
    """Rows of one log: a kind byte and a text per row, and foldable groups (commands, thinking).

    Rows from `shown` on are built but not yet announced to the view; a group is a header row
    followed by its visible body rows, and group header rows only ever increase.
    """

    def __init__(self) -> None:
        self.kinds = array("B")
        # Row texts in a TextColumn, bodies in a dict of int to str and badges as codes: none
        # is a list the collector walks string by string (as lists, 18 ms a collection at
        # 120,000 events with the raw view beside). Row counts come from `kinds`, in C.
        self.texts = TextColumn()
        self.shown = 0
        self.version = 0  # bumped when rows already shown change, so finds start over
        self.open_tail = False  # the last row is a partial line still being written
        # Numbers per group and per event live in arrays, which the garbage collector never
        # walks: as lists, a 1,000,000-event log on screen made each full collection 87 ms.
        self.g_row = array("q")
        self.g_body: dict[int, str] = {}  # split into rows only as far as the fold shows
        self.g_lines = array("q")
        self.g_body_kind = bytearray()
        self.g_fold = bytearray()
        self.g_vis = array("q")
        self.g_badge = array("I")  # an index into `badges`
        self.badges = [""]
        self._badge_codes = {"": 0}
        self.g_tone = bytearray()
        self.items: dict[str, int] = {}
        # Where each event (by seq) starts: a group it heads or updates (delta _AT_GROUP),
        # or `delta` rows past the visible end of group g (g = -1: from the top).
        self.anchor_seq = array("q")
        self.anchor_group = array("q")
        self.anchor_delta = array("q")  # _AT_GROUP: the event heads or updates its group
        self.raw_sink: LogRows | None = None  # also gets RAW lines, sharing their strings
        # When things happened: a stamp where an event's time moves on by a second or more,
        # placed like an anchor (rows past a group's end), so a few per second at most.
        self.stamp_group = array("q")
        self.stamp_delta = array("q")
        self.stamp_ts = array("d")
        self._plumb = -1  # the group of the run of bookkeeping being written, if any
        self._plumb_pieces: list[str] = []
        self._plumb_lines: list[str] = []
        self._handlers: dict[str, Callable[[Event], None]] = {
            kind.value: getattr(self, f"_{kind.value}") for kind in EventKind if kind != "raw"
        }
        self._late: list[int] = []
        self._changed: list[int] = []

    def add_lines(self, kind: int, lines: list[str]) -> None:
        """Append rows of one kind."""
        self.texts.extend(lines)
        self.kinds.frombytes(_CODE[kind] * len(lines))

    def add_events(self, events: Iterable[Event]) -> _Changes:
        """Append the rows of events; return groups to refold and shown header rows changed."""
        self._late, self._changed = [], []
        handlers, raw, kinds, groups = self._handlers, self._raw, self.kinds, self.g_row
        last = self.stamp_ts[-1] if self.stamp_ts else 0.0
        for ev in events:
            n, ng = len(kinds), len(groups)
            ts = ev.get("ts")
            if ts is not None and ts - last >= 1.0:
                self._stamp(ts, n, ng)
                last = ts
            handlers.get(ev.get("kind", "raw"), raw)(ev)
            seq = ev.get("seq")
            if seq is not None:
                self._anchor(seq, ev, n, ng)
        return self._late, self._changed

    def _anchor(self, seq: int, ev: Event, row: int, groups_before: int) -> None:
        if len(self.g_row) > groups_before:
            g, delta = groups_before, _AT_GROUP
        elif ev.get("item_id") in self.items:
            g, delta = self.items[ev["item_id"]], _AT_GROUP
        elif self._plumb >= 0 and ev.get("kind") in PLUMBING_KINDS:
            g, delta = self._plumb, _AT_GROUP
        else:
            g = groups_before - 1
            delta = row - self._group_end(g)
        self.anchor_seq.append(seq)
        self.anchor_group.append(g)
        self.anchor_delta.append(delta)

    def _stamp(self, ts: float, row: int, groups_before: int) -> None:
        g = groups_before - 1
        self.stamp_group.append(g)
        self.stamp_delta.append(row - self._group_end(g))
        self.stamp_ts.append(ts)

    def stamp_row(self, i: int) -> int:
        """Return the first row of stamp `i`."""
        return self._group_end(self.stamp_group[i]) + self.stamp_delta[i]

    def stamp_at(self, row: int) -> int:
        """Return the stamp whose rows hold `row` (when it was written), or -1."""
        lo, hi = 0, len(self.stamp_ts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.stamp_row(mid) <= row:
                lo = mid + 1
            else:
                hi = mid
        return lo - 1

    def _group_end(self, g: int) -> int:
        return 0 if g < 0 else self.g_row[g] + 1 + self.g_vis[g]

    def row_of_seq(self, seq: int) -> int:
        """Return the first row of the event numbered `seq` (or the nearest before it), or -1."""
        i = bisect_right(self.anchor_seq, seq) - 1
        if i < 0:
            return -1
        g, delta = self.anchor_group[i], self.anchor_delta[i]
        row = self.g_row[g] if delta == _AT_GROUP else self._group_end(g) + delta
        return min(row, self.shown - 1)

    def add_text(self, text: str) -> int:
        """Append raw output that may end mid-line; return a shown row that grew, or -1."""
        if not text:
            return -1
        parts, grown, open_after = text.split("\n"), -1, not text.endswith("\n")
        if not open_after:
            parts.pop()
        if self.open_tail and self.texts and parts:
            self.texts[-1] += parts.pop(0)
            if len(self.kinds) <= self.shown:
                grown = len(self.kinds) - 1
                self.version += 1
        self.open_tail = open_after
        self.add_lines(_K.RAW, parts)
        return grown

    def group_at(self, row: int) -> int:
        """Return the group whose header or body holds `row`, or -1."""
        if self.kinds[row] not in _GROUPED and self.kinds[row] != _K.PLUMB:
            return -1
        return bisect_right(self.g_row, row) - 1

    def badge(self, g: int) -> str:
        """Return group `g`'s badge ("exit 0", "running"), or ""."""
        return self.badges[self.g_badge[g]]

    def body_rows(self, g: int) -> tuple[list[str], bytes]:
        """Return the texts and kind bytes of group `g`'s body as its fold shows it."""
        count, fold, code = self.g_lines[g], self.g_fold[g], _CODE[self.g_body_kind[g]]
        if fold == Fold.COLLAPSED or not count:
            return [], b""
        if fold == Fold.PREVIEW and count > PREVIEW_LINES + 1:
            head = self.g_body[g].split("\n", PREVIEW_LINES)[:PREVIEW_LINES]
            head.append(f"… {count - PREVIEW_LINES} more lines")
            return head, code * PREVIEW_LINES + _CODE[_K.MORE]
        return self.g_body[g].split("\n"), code * count

    def remove_body(self, g: int, shown: bool) -> None:
        """Remove the visible body rows of group `g`."""
        start, count = self.g_row[g] + 1, self.g_vis[g]
        self.texts.delete(start, start + count)
        del self.kinds[start : start + count]
        self._shift(g, -count, shown)
        self.g_vis[g] = 0

    def insert_body(self, g: int, shown: bool) -> None:
        """Insert group `g`'s body rows as its fold shows them, right under its header."""
        start = self.g_row[g] + 1
        texts, codes = self.body_rows(g)
        if start == len(self.kinds):  # the usual case, and much faster than a slice insert
            self.texts.extend(texts)
            self.kinds.frombytes(codes)
        else:
            self.texts.insert(start, texts)
            self.kinds[start:start] = array("B", codes)
        self._shift(g, len(texts), shown)
        self.g_vis[g] = len(texts)

    def _shift(self, g: int, delta: int, shown: bool) -> None:
        rows = self.g_row
        for j in range(g + 1, len(rows)):
            rows[j] += delta
        if shown:
            self.shown += delta
            self.version += 1

    def _new_group(self, kind: int, header: str, body_kind: int, fold: Fold) -> int:
        g = len(self.g_row)
        self.g_row.append(len(self.kinds))
        self.texts.append(header)
        self.kinds.append(kind)
        self.g_lines.append(0)
        self.g_body_kind.append(body_kind)
        self.g_fold.append(fold)
        self.g_vis.append(0)
        self.g_badge.append(0)
        self.g_tone.append(Tone.NONE)
        return g

    def _set_body(self, g: int, text: str) -> None:
        self.g_body[g], self.g_lines[g] = text, text.count("\n") + 1 if text else 0
        if self.g_row[g] + 1 >= self.shown:  # the body lands in rows not yet announced
            if self.g_vis[g]:
                self.remove_body(g, False)
            self.insert_body(g, False)
        else:
            self._late.append(g)

    def _message(self, ev: Event) -> None:
        if ev.get("status") not in (None, "completed") or not ev.get("text"):
            return
        text = ev["text"]
        if is_plain(text):  # the common case, at the flood's rate: no parsing
            self.add_lines(_K.TEXT, text.split("\n"))
        else:
            for style, lines in groupby(markdown_lines(text), key=lambda pair: pair[0]):
                self.add_lines(_MARKDOWN[style], [line for _style, line in lines])

    def _reasoning(self, ev: Event) -> None:
        if ev.get("status") not in (None, "completed"):
            return
        lines = [ln for ln in ev.get("text", "").split("\n") if ln.strip()] or [""]
        g = self._new_group(_K.THINK, f"thinking: {lines[0]}", _K.THINK_BODY, Fold.COLLAPSED)
        self._set_body(g, "\n".join(lines[1:]))

    def _command(self, ev: Event) -> None:
        item, status = ev.get("item_id"), ev.get("status")
        g = self.items.get(item, -1) if item else -1
        if g < 0:
            command = ev.get("command") or ""
            header = "$ " + command.split("\n", 1)[0] + (" …" if "\n" in command else "")
            g = self._new_group(_K.COMMAND, header, _K.OUTPUT, Fold.PREVIEW)
            if item:
                self.items[item] = g
        code = ev.get("exit_code")
        if status in _RUNNING:
            badge, tone = "running", Tone.RUNNING
        elif code is not None:
            badge, tone = f"exit {code}", Tone.OK if code == 0 else Tone.FAILED
        else:
            badge, tone = (status or "done"), Tone.FAILED if status == "failed" else Tone.OK
        code = self._badge_codes.get(badge)
        if code is None:
            code = self._badge_codes[badge] = len(self.badges)
            self.badges.append(badge)
        self.g_badge[g], self.g_tone[g] = code, tone
        if self.g_row[g] < self.shown:
            self._changed.append(self.g_row[g])
        output = ev.get("text")
        if status not in _RUNNING and output:
            self._set_body(g, output.rstrip("\n"))

    def _file_change(self, ev: Event) -> None:
        if ev.get("status") not in _RUNNING:  # a change shows once, when it is made
            change = ev.get("change") or "edit"
            verb = _VERBS.get(change, change)
            kind = _K.ERROR if ev.get("status") == "failed" else _K.FILE
            self.add_lines(kind, [f"{verb} {ev.get('path', '')}"])

    def _tool_call(self, ev: Event) -> None:
        text = one_line(ev.get("text", ""), 300)
        self.add_lines(_K.TOOL, [f"{ev.get('tool') or 'tool'}: {text}"])

    def _usage(self, ev: Event) -> None:
        cost = ev.get("cost_usd")
        tail = f", ${cost:.4f}" if cost is not None else ""
        text = f"usage: {ev.get('tokens_in') or 0} in / {ev.get('tokens_out') or 0} out{tail}"
        self.add_lines(_K.DIM, [text])

    def _error(self, ev: Event) -> None:
        self.add_lines(_K.ERROR, f"error: {ev.get('text', '')}".split("\n"))

    def _needs_input(self, ev: Event) -> None:
        self.add_lines(_K.NEEDS_INPUT, f"needs input: {ev.get('text', '')}".split("\n"))

    def _session(self, ev: Event) -> None:
        self._plumbing(ev, f"session {ev.get('session_id', '')}")

    def _status(self, ev: Event) -> None:
        if ev.get("text"):
            self._plumbing(ev, ev["text"])

    def _plumbing(self, ev: Event, text: str) -> None:
        """Fold a run of bookkeeping into one muted line that sums it up, its lines under it."""
        g = self._plumb
        if g < 0 or g != len(self.g_row) - 1 or self._group_end(g) != len(self.kinds):
            g = self._plumb = self._new_group(_K.PLUMB, "", _K.DIM, Fold.COLLAPSED)
            self._plumb_pieces, self._plumb_lines = [], []
        piece = plumbing_piece(ev)
        if (
            piece
            and piece not in self._plumb_pieces
            and not (
                piece.startswith("Started")
                and any(p.startswith("Started") for p in self._plumb_pieces)
            )
        ):
            self._plumb_pieces.append(piece)
        self._plumb_lines.append(text)
        row = self.g_row[g]
        self.texts[row] = " · ".join(self._plumb_pieces) or one_line(text, 80)
        if row < self.shown:
            self._changed.append(row)
            self.version += 1
        self._set_body(g, "\n".join(self._plumb_lines))

    def _raw(self, ev: Event) -> None:
        text = ev.get("text")
        if text is not None:
            kind, lines = _K.RAW_DIM if ev.get("stream") else _K.RAW, text.split("\n")
            self.add_lines(kind, lines)
            if self.raw_sink is not None:
                self.raw_sink.open_tail = False
                self.raw_sink.add_lines(kind, lines)


def scan_rows(texts: TextColumn, start: int, stop: int, needle: str) -> list[int]:
    """Return the rows in [start, stop) whose lowercased text contains lowercase `needle`."""
    hits: list[int] = []
    for lo in range(start, stop, _SCAN_CHUNK):
        block = "\n".join(texts.rows(lo, min(lo + _SCAN_CHUNK, stop))).lower()
        row, last, pos = lo, 0, block.find(needle)
        while pos >= 0:
            row += block.count("\n", last, pos)
            hits.append(row)
            last = block.find("\n", pos) + 1
            if not last:
                break
            row += 1
            pos = block.find(needle, last)
    return hits


class LogModel(QAbstractListModel):
    """The display rows of one task's log; appends are buffered and inserted once per flush."""

    KindRole = Qt.ItemDataRole.UserRole + 1
    BadgeRole = Qt.ItemDataRole.UserRole + 2
    StampRole = Qt.ItemDataRole.UserRole + 3  # when the row was written (epoch seconds), or 0

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.structured, self.raw = LogRows(), LogRows()
        self.structured.raw_sink = self.raw
        self.rows = self.structured
        self._pending: list[Event] = []
        self._pending_text: list[str] = []
        self._find_key: tuple[str, int, int] = ("", 0, -1)
        self._find_hits: list[int] = []
        self._find_done = 0

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.rows.shown

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows.texts[row]
        if role == self.KindRole:
            return self.rows.kinds[row]
        if role == self.StampRole:
            return self.stamp(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            ts = self.stamp(row)
            return time.strftime("%a %d %b %Y, %H:%M:%S", time.localtime(ts)) if ts else None
        return self.badge(row) if role == self.BadgeRole else None

    def mode(self) -> str:
        """Return "structured" or "raw"."""
        return "raw" if self.rows is self.raw else "structured"

    def set_mode(self, mode: str) -> None:
        """Show the structured rows or the raw output lines."""
        if mode not in ("structured", "raw"):
            raise ValueError(f"unknown log mode: {mode!r}")
        if mode != self.mode():
            self.beginResetModel()
            self.rows = self.raw if mode == "raw" else self.structured
            self.endResetModel()

    def reset(self, events: list[Event] | None = None) -> None:
        """Replace every row with the rows of `events`."""
        self.beginResetModel()
        raw_mode = self.rows is self.raw
        self.structured, self.raw = LogRows(), LogRows()
        self.structured.raw_sink = self.raw
        self.rows = self.raw if raw_mode else self.structured
        self._pending, self._pending_text = [], []
        self._find_key, self._find_hits, self._find_done = ("", 0, -1), [], 0
        # Loaded in bulk: rows are sealed a slice per tick afterwards, not inside the open
        self.structured.texts.sealing = self.raw.texts.sealing = False
        self.structured.add_events(events or [])
        self.structured.texts.sealing = self.raw.texts.sealing = True
        self.structured.shown, self.raw.shown = len(self.structured.texts), len(self.raw.texts)
        self.endResetModel()

    def append_events(self, events: Iterable[Event]) -> None:
        """Buffer events until the next flush."""
        self._pending.extend(events)

    def append_raw_text(self, text: str) -> None:
        """Buffer decoded raw output (whole or partial lines) until the next flush."""
        self._pending_text.append(text)

    def has_pending(self) -> bool:
        """Return whether appended data awaits a flush."""
        return bool(self._pending or self._pending_text)

    def unsettled(self) -> bool:
        """Say whether rows loaded in bulk still wait to be sealed (see settle)."""
        return self.structured.texts.unsettled() or self.raw.texts.unsettled()

    def settle(self) -> bool:
        """Seal a slice of rows loaded in bulk; return True while more remain."""
        more = self.structured.texts.settle(SETTLE_ROWS)
        return self.raw.texts.settle(SETTLE_ROWS) or more

    def flush(self) -> int:
        """Turn buffered data into rows, announced in one insert per store; return rows added."""
        if not self.has_pending():
            return 0
        events, texts = self._pending, self._pending_text
        self._pending, self._pending_text = [], []
        before = self.rows.shown
        late, changed = self.structured.add_events(events)  # RAW lines go to both stores
        grown = [row for row in map(self.raw.add_text, texts) if row >= 0]
        self._commit(self.structured, late, changed)
        self._commit(self.raw, [], grown)
        return self.rows.shown - before

    def _commit(self, rows: LogRows, late: list[int], changed: list[int]) -> None:
        active, total = rows is self.rows, len(rows.texts)
        if total > rows.shown and active:
            self.beginInsertRows(QModelIndex(), rows.shown, total - 1)
            rows.shown = total
            self.endInsertRows()
        rows.shown = total
        if active and changed:  # before any refold moves those rows
            self.dataChanged.emit(self.index(min(changed)), self.index(max(changed)))
        for g in late:
            self._refold(rows, g, Fold(rows.g_fold[g]))

    def _refold(self, rows: LogRows, g: int, fold: Fold) -> None:
        active, start = rows is self.rows, rows.g_row[g] + 1
        if active and rows.g_vis[g]:
            self.beginRemoveRows(QModelIndex(), start, start + rows.g_vis[g] - 1)
            rows.remove_body(g, True)
            self.endRemoveRows()
        else:
            rows.remove_body(g, True)
        rows.g_fold[g] = fold
        count = len(rows.body_rows(g)[0])
        if active and count:
            self.beginInsertRows(QModelIndex(), start, start + count - 1)
        rows.insert_body(g, True)
        if active and count:
            self.endInsertRows()
        if active:
            self.dataChanged.emit(self.index(start - 1), self.index(start - 1))

    def toggle(self, row: int) -> bool:
        """Fold or unfold the group at `row` (header: hide/show, "more" row: show all)."""
        rows = self.rows
        if not 0 <= row < rows.shown or rows.kinds[row] not in _HEADS:
            return False
        g = rows.group_at(row)
        if not rows.g_lines[g]:
            return False
        kind = rows.kinds[row]  # "more" opens all; a header folds, or unfolds to its default
        if rows.g_fold[g] != Fold.COLLAPSED and kind != _K.MORE:
            fold = Fold.COLLAPSED
        else:
            fold = Fold.PREVIEW if kind == _K.COMMAND else Fold.EXPANDED
        self._refold(rows, g, fold)
        return True

    def row_text(self, row: int) -> str:
        """Return the text of a row."""
        return self.rows.texts[row]

    def stamp(self, row: int) -> float:
        """Return when row `row` was written (epoch seconds), or 0.0 if unknown."""
        i = self.rows.stamp_at(row)
        return self.rows.stamp_ts[i] if i >= 0 else 0.0

    def stamp_label_at(self, row: int) -> int:
        """Return the stamp first shown at `row` whose minute differs from the previous, or -1."""
        rows = self.rows
        i = rows.stamp_at(row)
        if i < 0 or rows.stamp_row(i) != row:
            return -1
        return i

    def badge(self, row: int) -> str:
        """Return the badge of a command row ("running", "exit 0", ...), else ""."""
        rows = self.rows
        return rows.badge(rows.group_at(row)) if rows.kinds[row] == _K.COMMAND else ""

    def row_of_seq(self, seq: int) -> int:
        """Return the structured row where event `seq` starts, or -1 (raw mode: -1)."""
        return self.rows.row_of_seq(seq) if self.rows is self.structured else -1

    def find_rows(self, needle: str) -> list[int]:
        """Return the rows containing `needle`, ignoring case; repeated calls only scan new rows."""
        rows, needle = self.rows, needle.lower()
        key = (needle, id(rows), rows.version)
        if key != self._find_key:
            self._find_key, self._find_hits, self._find_done = key, [], 0
        if needle and self._find_done < rows.shown:
            self._find_hits += scan_rows(rows.texts, self._find_done, rows.shown, needle)
            self._find_done = rows.shown
        return self._find_hits
