"""Memory: how much the machine has free, and how much each agent's process tree holds.

Read from /proc (Linux). Where /proc is missing the answers are None or 0, and no
agent is ever held back for memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
MB = 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True, slots=True)
class _Proc:
    pid: int
    ppid: int
    pgrp: int
    rss: int  # bytes


def available_memory(meminfo: Path = PROC / "meminfo") -> int | None:
    """Return MemAvailable in bytes, or None where the kernel does not say."""
    try:
        with open(meminfo, "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def hold_reason(min_free_mb: int, available: int | None = None) -> str | None:
    """Say why a new agent must wait for memory, or None when it may start."""
    if min_free_mb <= 0:
        return None
    free = available_memory() if available is None else available
    if free is None or free >= min_free_mb * MB:
        return None
    return (
        f"waiting for memory: {free // MB} MB available, below the "
        f"{min_free_mb} MB set by [settings] min_free_memory_mb; queued agents start "
        "when more is free"
    )


def group_rss(pgids: Iterable[int]) -> dict[int, int]:
    """Return the resident memory (bytes) of each process group and its descendants.

    One pass over /proc serves every group, so polling 100 tasks costs one scan.
    """
    wanted = set(pgids)
    procs = _scan()
    children: dict[int, list[_Proc]] = {}
    for p in procs:
        children.setdefault(p.ppid, []).append(p)
    return {pgid: _tree_rss(pgid, procs, children) for pgid in wanted}


def process_tree_rss(pgid: int) -> int:
    """Return the resident memory (bytes) of process group `pgid` and its descendants."""
    return group_rss([pgid])[pgid]


def _tree_rss(pgid: int, procs: list[_Proc], children: dict[int, list[_Proc]]) -> int:
    # The group, plus anything its members started in a group (or session) of its own.
    todo = [p for p in procs if p.pgrp == pgid]
    seen: set[int] = set()
    total = 0
    while todo:
        p = todo.pop()
        if p.pid in seen:
            continue
        seen.add(p.pid)
        total += p.rss
        todo.extend(children.get(p.pid, ()))
    return total


def _scan() -> list[_Proc]:
    try:
        names = os.listdir(PROC)
    except OSError:
        return []
    out = []
    for name in names:
        if name.isdigit() and (p := _read_stat(int(name))) is not None:
            out.append(p)
    return out


def _read_stat(pid: int) -> _Proc | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:  # gone since the listing, or not ours to read
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    fields = stat[stat.rfind(b")") + 2 :].split()
    try:
        return _Proc(pid, int(fields[1]), int(fields[2]), int(fields[21]) * _PAGE)
    except (IndexError, ValueError):
        return None
