"""How an operation is asked: of the service over the local API, or of this process itself."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from app.client.errors import Refused, ServiceDown, ServiceError
from app.core.wire import decode

if TYPE_CHECKING:
    from app.client.connection import ServiceClient
    from app.client.link import ServiceLink

Envelope = dict[str, Any]
Progress = Callable[[Any], None]  # what an operation reports on its way, as JSON
Call = Callable[[str, dict[str, Any], Progress | None], Awaitable[Envelope]]
Starter = Callable[[], Awaitable[object]]


def link_call(link: ServiceLink, start: bool = True) -> Call:
    """Return the call that asks the service through the async link (no thread is held).

    With `start`, a service found down (the request never sent) is started and asked again;
    without, ServiceDown tells the caller to do the work itself.
    """

    async def ask(name: str, params: dict[str, Any], on_progress: Progress | None) -> Envelope:
        if on_progress is None:
            return {"value": (await link.request("POST", f"/v1/do/{name}", params))["value"]}
        envelope: Envelope = {}
        async for line in link.post_lines(f"/v1/do/{name}/stream", params):
            if "progress" in line:
                on_progress(line["progress"])
            else:
                envelope = line
        return envelope

    async def call(name: str, params: dict[str, Any], on_progress: Progress | None) -> Envelope:
        try:
            try:
                return await ask(name, params, on_progress)
            except ServiceDown:  # never sent: start the service, as any need of it does
                if not start:
                    raise
                await link.start()
                return await ask(name, params, on_progress)
        except ServiceError as exc:
            return _refusal_of(exc)

    return call


def client_call(client: ServiceClient, start: Starter | None = None) -> Call:
    """Return the call that asks the service through the small stdlib client, in a thread.

    For short operations only (a board's read): it holds a thread until the answer, and it
    does not stream reports. With `start`, a service found down (the request never sent) is
    started and asked again.
    """

    async def ask(name: str, params: dict[str, Any]) -> Envelope:
        path = f"/v1/do/{name}"
        return {"value": (await asyncio.to_thread(client.request, "POST", path, params))["value"]}

    async def call(name: str, params: dict[str, Any], on_progress: Progress | None) -> Envelope:
        try:
            try:
                return await ask(name, params)
            except ServiceDown:
                if start is None:
                    raise
                await start()
                return await ask(name, params)
        except ServiceError as exc:
            return _refusal_of(exc)

    return call


def _refusal_of(exc: ServiceError) -> Envelope:
    if exc.reply is not None and "kind" in exc.reply:
        return exc.reply
    raise exc


class Asker:
    """Asks operations through one call; each feature's operations are a subclass."""

    def __init__(self, call: Call) -> None:
        self._call = call

    async def do(self, operation: str, hint: Any = Any, /, **params: Any) -> Any:
        """Perform `operation`; return its value read as `hint`, or raise Refused."""
        return await self.do_reporting(operation, hint, None, **params)

    async def do_reporting(
        self, operation: str, hint: Any, on_progress: Progress | None, /, **params: Any
    ) -> Any:
        """Perform `operation`, handing what it reports on its way to `on_progress`."""
        relay = None if on_progress is None else (lambda value: on_progress(decode(value)))
        envelope = await self._call(operation, _plain(params), relay)
        if "error" in envelope:
            detail = decode(envelope.get("detail") or {})
            raise Refused(str(envelope["error"]), str(envelope.get("kind", "")), detail)
        return decode(envelope.get("value"), hint)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Return the parameters as JSON types (a set of comment ids becomes a sorted list)."""
    return {
        k: sorted(v) if isinstance(v, set | frozenset | tuple) else v for k, v in params.items()
    }
