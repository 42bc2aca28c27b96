"""Holding a conversation with an agent over its stdin: Codex's app-server, one turn a process.

The driver writes Orchard's JSON-RPC requests to the agent's stdin and reads the answers through
its parser, which is fed the agent's stdout as any parser is. The turn: `initialize`,
`thread/start` (or `thread/resume` of the task's session), `turn/start` with the prompt; every
approval request the app-server makes meanwhile is put to the task's Asker and its answer sent
back; once the turn completes, stdin is closed and the app-server exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

import orjson

from app.core import codexasks
from app.core.events import Event, EventKind, make_event
from app.core.inbox import Answer, Ask, Verdict
from app.core.profiles import OutputFormat
from app.services.agents.appserver import AppServerParser, Message

Asker = Callable[[Ask], Awaitable[Answer]]
OnEvents = Callable[[list[Event]], None]
log = logging.getLogger(__name__)
NOBODY = Answer(Verdict.DENY, "Orchard: nobody can answer this run's requests", by="orchard")


@runtime_checkable
class AgentInput(Protocol):
    """A running agent's stdin, kept open (LaunchSpec.keep_stdin)."""

    def write(self, data: bytes) -> None: ...

    def close_stdin(self) -> None: ...


class RpcError(Exception):
    """The app-server answered one of Orchard's requests with an error."""


class CodexAppServer:
    """One turn of a task's Codex thread, through `codex app-server`."""

    def __init__(
        self,
        prompt: str,
        cwd: str,
        session_id: str | None,
        asker: Asker | None,
        on_events: OnEvents,
    ) -> None:
        self.prompt, self.cwd, self.session_id = prompt, cwd, session_id
        self.asker = asker
        self.on_events = on_events
        self.parser = AppServerParser()
        self.parser.on_message = self._on_message
        self._stdin: AgentInput | None = None
        self._next_id = 0
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._files: dict[str, dict[str, Any]] = {}  # file change items, by id, till asked
        self._answering: set[asyncio.Task[None]] = set()  # strong refs
        self._done: asyncio.Future[None] | None = None

    async def drive(self, stdin: AgentInput) -> None:
        """Run the turn: open the thread, send the prompt, answer requests till it completes."""
        self._stdin = stdin
        self._done = asyncio.get_running_loop().create_future()
        method = "initialize"
        try:
            await self._request(method, {"clientInfo": codexasks.CLIENT})
            self._send({"method": "initialized"})
            method = "thread/resume" if self.session_id else "thread/start"
            opened = await self._request(method, codexasks.thread_params(self.cwd, self.session_id))
            thread_id = str(opened["thread"]["id"])
            if self.session_id:  # a resumed thread is not announced as started: said here
                self.on_events([make_event(EventKind.SESSION, session_id=thread_id)])
            method = "turn/start"
            await self._request(method, codexasks.turn_params(thread_id, self.prompt))
            await self._done
        except (RpcError, KeyError, TypeError) as exc:
            text = f"codex app-server refused {method}: {exc}"
            self.on_events([make_event(EventKind.ERROR, text, status="fatal")])
        finally:
            for task in list(self._answering):
                task.cancel()
            with contextlib.suppress(OSError):
                stdin.close_stdin()  # the app-server exits once its input ends

    # the wire

    def _send(self, message: Message) -> None:
        if self._stdin is not None:
            with contextlib.suppress(OSError):
                self._stdin.write(orjson.dumps({"jsonrpc": "2.0", **message}) + b"\n")

    async def _request(self, method: str, params: dict[str, Any]) -> Any:
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[self._next_id] = future
        self._send({"id": self._next_id, "method": method, "params": params})
        return await future

    def _on_message(self, message: Message) -> None:
        method = message.get("method")
        if method is None:  # a response to one of Orchard's requests
            future = self._waiting.pop(message.get("id"), None)  # type: ignore[arg-type]
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(RpcError(_error_text(message["error"])))
                else:
                    future.set_result(message.get("result"))
        elif "id" in message:
            task = asyncio.get_running_loop().create_task(self._answer(message))
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)
        elif method == "item/started":
            item = message["params"]["item"]
            if item.get("type") == "fileChange":
                self._files[str(item.get("id"))] = item
        elif method == "turn/completed" and self._done is not None and not self._done.done():
            self._done.set_result(None)

    # approvals

    async def _answer(self, request: Message) -> None:
        method, params = str(request["method"]), request.get("params") or {}
        if method not in codexasks.APPROVALS:
            error = {"code": -32601, "message": f"Orchard does not answer {method}"}
            self._send({"id": request["id"], "error": error})
            return
        started = self._files.pop(str(params.get("itemId")), None)
        ask = codexasks.ask_of(method, params, started, self.cwd)
        answer = await self.asker(ask) if self.asker is not None else NOBODY
        note = codexasks.denial_note(answer, ask)
        if note and params.get("turnId"):
            # The person's words reach the model in the same turn, before the decline.
            steer = {
                "threadId": params.get("threadId"),
                "expectedTurnId": params.get("turnId"),
                "input": [{"type": "text", "text": note}],
            }
            self._send({"id": self._new_id(), "method": "turn/steer", "params": steer})
        decision = codexasks.decision_of(answer)
        self._send({"id": request["id"], "result": {"decision": decision}})

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id


def _error_text(error: Any) -> str:
    return str(error.get("message") or error) if isinstance(error, dict) else str(error)


def driver_for(
    output: OutputFormat,
    prompt: str,
    cwd: str,
    session_id: str | None,
    asker: Asker | None,
    on_events: OnEvents,
) -> CodexAppServer | None:
    """Return the driver of an agent that is talked to over stdin, or None for the others."""
    if output is OutputFormat.CODEX_APP:
        return CodexAppServer(prompt, cwd, session_id, asker, on_events)
    return None
