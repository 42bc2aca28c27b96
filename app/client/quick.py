"""Answer common commands through a running service, before the full command line loads.

`task new` asks the service to queue; `task list`, `task show` and `task logs` (without --follow)
print exactly what the full command line prints (the service renders them with the same code).
Anything else, or no service up, goes to the full command line.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from app.client.connection import ServiceClient
from app.client.errors import ServiceDown, ServiceError
from app.core.eventtext import render_event
from app.installation import locate_home

_FLAGS = {
    ("task", "new"): {
        "--json": 0,
        "--agent": 1,
        "--title": 1,
        "--base": 1,
        "--attempts": 1,
        "--anyway": 0,
    },
    ("task", "list"): {"--json": 0, "--project": 1},
    ("task", "show"): {"--json": 0},
    ("task", "logs"): {"--json": 0, "--raw": 0},
}


def answer(argv: list[str]) -> int | None:
    """Print the answer to `argv` and return the exit code; None: the full CLI must answer."""
    if os.environ.get("ORCHARD_SERVICE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    parsed = _parse(argv)
    if parsed is None:
        return None
    home, (_, action), positional, flags = parsed
    client = ServiceClient(locate_home(home))
    try:
        if action == "new":
            return _new(client, positional, flags)
        if action == "list":
            return _list(client, flags)
        if action == "show":
            return _show(client, positional, flags)
        return _logs(client, positional, flags)
    except ServiceDown:
        return None  # the full command line reads the database itself
    except ServiceError as exc:
        print(f"orchard: {exc}", file=sys.stderr)
        return 1


def _parse(argv: list[str]) -> tuple[str | None, tuple[str, str], list[str], dict[str, Any]] | None:
    """Return (home, command, positional, flags) for the commands answered here, else None."""
    home, rest = None, list(argv)
    if rest[:1] == ["--home"] and len(rest) > 1:
        home, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--home="):
        home, rest = rest[0].partition("=")[2], rest[1:]
    key = (rest[0], rest[1]) if len(rest) >= 2 else None
    if key not in _FLAGS:
        return None
    allowed, positional, flags = _FLAGS[key], [], {}
    words = iter(rest[2:])
    for word in words:
        if word in allowed:
            flags[word] = next(words, None) if allowed[word] else True
            if flags[word] is None:
                return None
        elif word.startswith("-"):
            return None  # --help, --follow, a typo: the full parser says what it means
        else:
            positional.append(word)
    wanted = {"list": 0, "new": 2}.get(key[1], 1)
    return (home, key, positional, flags) if len(positional) == wanted else None


def _new(client: ServiceClient, positional: list[str], flags: dict[str, Any]) -> int | None:
    attempts = flags.get("--attempts", "1")
    if not attempts.isdigit() or positional[1] == "-":
        return None  # the full parser says what is wrong with it, or reads stdin
    body = {
        "project": positional[0],
        "prompt": positional[1],
        "agent": flags.get("--agent", "codex"),
        "title": flags.get("--title"),
        "base": flags.get("--base"),
        "attempts": int(attempts),
        "anyway": bool(flags.get("--anyway")),
    }
    queued = client.request("POST", "/v1/tasks", body)
    lines = [json.dumps(t) if flags.get("--json") else t["id"] for t in queued]
    _write("".join(line + "\n" for line in lines).encode())
    return 0


def _list(client: ServiceClient, flags: dict[str, Any]) -> int:
    project = flags.get("--project")
    shape = "json" if flags.get("--json") else "text"
    query = f"&project={_quote(project)}" if project else ""
    _write(client.text(f"/v1/tasks?format={shape}{query}"))
    return 0


def _show(client: ServiceClient, positional: list[str], flags: dict[str, Any]) -> int:
    shape = "json" if flags.get("--json") else "text"
    _write(client.text(f"/v1/tasks/{_quote(positional[0])}?format={shape}"))
    return 0


def _write(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def _logs(client: ServiceClient, positional: list[str], flags: dict[str, Any]) -> int:
    row = client.request("GET", f"/v1/tasks/{_quote(positional[0])}?flush=1")
    folder = client.home_root / "logs" / row["id"]
    raw = bool(flags.get("--raw"))
    path = folder / ("raw.log" if raw else "events.jsonl")
    data = _read(path)
    if raw or flags.get("--json"):
        sys.stdout.buffer.write(data)
        return 0
    for line in data.split(b"\n")[:-1]:  # whole lines, as the full command line prints them
        text = render_event(decode_event(line))
        if text:
            print(text)
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def decode_event(line: bytes) -> dict[str, Any]:
    """Return one line of events.jsonl as an event; a line that is not one reads as raw text."""
    try:
        value = json.loads(line)
    except ValueError:
        return {"kind": "raw", "text": line.decode("utf-8", errors="replace")}
    return value if isinstance(value, dict) else {"kind": "raw", "text": str(value)}


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
