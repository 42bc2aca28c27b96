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
Call = Callable[[str, dict[str, Any]], Awaitable[Envelope]]
Starter = Callable[[], Awaitable[object]]


def link_call(link: ServiceLink) -> Call:
    """Return the call that asks the service through the window's async link."""

    async def call(name: str, params: dict[str, Any]) -> Envelope:
        path = f"/v1/do/{name}"
        try:
            try:
                reply = await link.request("POST", path, params)
            except ServiceDown:  # never sent: start the service, as any need of it does
                await link.start()
                reply = await link.request("POST", path, params)
        except ServiceError as exc:
            return _refusal_of(exc)
        return {"value": reply["value"]}

    return call


def client_call(client: ServiceClient, start: Starter | None = None) -> Call:
    """Return the call that asks the service through the small stdlib client, in a thread.

    With `start`, a service found down (the request never sent) is started and asked again.
    """

    async def call(name: str, params: dict[str, Any]) -> Envelope:
        # No time limit: a land may wait on the project's tests for an hour.
        path = f"/v1/do/{name}"
        try:
            try:
                reply = await asyncio.to_thread(client.request, "POST", path, params, None)
            except ServiceDown:
                if start is None:
                    raise
                await start()
                reply = await asyncio.to_thread(client.request, "POST", path, params, None)
        except ServiceError as exc:
            return _refusal_of(exc)
        return {"value": reply["value"]}

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
        envelope = await self._call(operation, _plain(params))
        if "error" in envelope:
            detail = decode(envelope.get("detail") or {})
            raise Refused(str(envelope["error"]), str(envelope.get("kind", "")), detail)
        return decode(envelope.get("value"), hint)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Return the parameters as JSON types (a set of comment ids becomes a sorted list)."""
    return {
        k: sorted(v) if isinstance(v, set | frozenset | tuple) else v for k, v in params.items()
    }
