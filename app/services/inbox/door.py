"""The inbox's door: a Unix socket in the home, served by whichever process supervises.

Agents' helpers ask through it (Claude Code's permission tool, `orchard --run-module
app.services.inbox.mcpserver`), and so does the command line when a foreground `orchard run`
supervises, which serves no local API. One JSON line in, one JSON line out, per connection:

    {"op": "claude", "task": ID, "request": {...}}  ->  {"reply": {...}}   (waits for the answer)
        with "tell_id": true, {"id": ASK_ID} comes first; with "id": ASK_ID, the ask keeps the
        id it had in a supervising process that went away (the helper asks again)
    {"op": "list"}                                   ->  {"items": [Ask, ...]}
    {"op": "answer", "ids": [...], "answer": Answer} ->  {"results": {id: refusal or ""}}
    {"op": "answer_matching", "pattern": P, "answer": Answer} -> {"ids": [...]}
    {"op": "follow"}  ->  {"items": [...]} now, and again on every change, until it hangs up
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from app.core import claudeasks
from app.core.inbox import Answer, Verdict
from app.core.wire import decode, encode
from app.localsocket import DOOR_NAME, reachable
from app.services.inbox.broker import Asker, Inbox

MAX_LINE = 16 * 1024 * 1024  # an edit's whole content may come along
log = logging.getLogger(__name__)
AskerOf = Callable[[str], Asker | None]


def door_path(home_root: Path) -> Path:
    """Return where the inbox's door is in a home."""
    return home_root / DOOR_NAME


class Door:
    """Serves the inbox on the home's socket while this process supervises."""

    def __init__(self, inbox: Inbox, asker_of: AskerOf, home_root: Path) -> None:
        self.inbox = inbox
        self.asker_of = asker_of
        self.path = door_path(home_root)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()  # connections being served

    @property
    def open(self) -> bool:
        return self._server is not None

    async def start(self) -> Path:
        """Listen on the door (once); return its path."""
        if self._server is None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()  # only the lock holder opens the door
            old = os.umask(0o177)
            try:
                with reachable(self.path) as address:
                    self._server = await asyncio.start_unix_server(
                        self._serve, address, limit=MAX_LINE
                    )
            finally:
                os.umask(old)
            os.chmod(self.path, stat.S_IRUSR | stat.S_IWUSR)
        return self.path

    def close(self) -> None:
        """Stop listening and remove the socket file."""
        if self._server is not None:
            self._server.close()
            self._server = None
            for writer in list(self._open):  # helpers waiting here ask the next supervisor
                writer.transport.abort()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        try:
            line = await reader.readline()
            request = orjson.loads(line) if line.strip() else {}
            if isinstance(request, dict) and request.get("op") == "follow":
                await self._follow(reader, writer)
                return
            work = asyncio.ensure_future(self._handle(request, writer))
            gone = asyncio.ensure_future(reader.read(1))  # the asker hung up: stop waiting
            done, _ = await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
            gone.cancel()
            if work not in done:
                work.cancel()
                return
            writer.write(orjson.dumps(work.result()) + b"\n")
            await writer.drain()
        except (orjson.JSONDecodeError, ValueError) as exc:
            writer.write(orjson.dumps({"error": f"a bad request: {exc}"}) + b"\n")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            log.exception("the inbox's door failed a request")
        finally:
            self._open.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _follow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        changed = asyncio.Event()
        changed.set()
        unsubscribe = self.inbox.subscribe(changed.set)
        gone = asyncio.ensure_future(reader.read(1))
        try:
            while not gone.done():
                waiting = asyncio.ensure_future(changed.wait())
                await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
                waiting.cancel()
                if gone.done():
                    return
                changed.clear()
                writer.write(orjson.dumps({"items": encode(self.inbox.pending())}) + b"\n")
                await writer.drain()
        finally:
            unsubscribe()
            gone.cancel()

    async def _handle(self, request: Any, writer: asyncio.StreamWriter) -> dict[str, Any]:
        if not isinstance(request, dict):
            raise ValueError("not a JSON object")
        op = request.get("op")
        if op == "claude":
            return {"reply": await self._claude(request, writer)}
        if op == "list":
            return {"items": encode(self.inbox.pending())}
        answer = decode(request.get("answer"), Answer)
        if op == "answer":
            ids = [str(i) for i in request.get("ids") or []]
            return {"results": self.inbox.answer(ids, answer)}
        if op == "answer_matching":
            return {"ids": self.inbox.answer_matching(str(request.get("pattern")), answer)}
        raise ValueError(f"no operation {op!r}")

    async def _claude(self, request: dict[str, Any], out: asyncio.StreamWriter) -> dict[str, Any]:
        task_id = str(request.get("task"))
        given = request.get("request")
        call = given if isinstance(given, dict) else {}
        asker = self.asker_of(task_id)
        if asker is None:
            # Not run here (this process started after the one that ran it): never allowed.
            self.inbox.expire_task(task_id)
            return claudeasks.reply_of(Answer(Verdict.EXPIRED), call)
        ask_id = str(request.get("id") or "")
        if not ask_id.startswith(f"{task_id}-"):
            ask_id = self.inbox.new_id(task_id)
        if request.get("tell_id"):
            out.write(orjson.dumps({"id": ask_id}) + b"\n")
            await out.drain()
        answer = await asker(replace(claudeasks.ask_of(call), id=ask_id))
        return claudeasks.reply_of(answer, call)
