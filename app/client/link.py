"""The window's link to the service: async requests and NDJSON streams over the home's socket.

httpx speaks HTTP over the Unix socket on the window's own event loop; the lines it reads are
the service's batched JSON, never an agent's output.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from app.client.errors import ServiceDown, ServiceError, ServiceSilent
from app.localsocket import API_HEADER, API_VERSION, HeldAddress, socket_path, version_refusal

if TYPE_CHECKING:
    import httpx

START_ATTEMPTS = 3


class ServiceLink:
    """Requests and streams to one home's service, from an asyncio loop."""

    def __init__(self, home_root: Path) -> None:
        self.home_root = home_root
        self.socket = socket_path(home_root)
        self._address: HeldAddress | None = None
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> dict[str, Any]:
        """Start the service if none answers (off the loop) and return its status."""
        await _imported()
        from app.client.starter import ensure_service

        for _ in range(START_ATTEMPTS - 1):  # one that dies as it is found is started again
            client = await asyncio.to_thread(ensure_service, self.home_root)
            with contextlib.suppress(ServiceDown):
                return await asyncio.to_thread(client.status)
        client = await asyncio.to_thread(ensure_service, self.home_root)
        return await asyncio.to_thread(client.status)

    def _http(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=httpx.AsyncHTTPTransport(uds=self._held().address),
                base_url="http://orchard",
                headers={API_HEADER: str(API_VERSION)},
                timeout=httpx.Timeout(30.0, read=None),
            )
        return self._client

    def _held(self) -> HeldAddress:
        if self._address is None:
            self._address = HeldAddress(self.socket)
        return self._address

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send one request; return its JSON reply or raise ServiceDown or ServiceError."""
        await _imported()
        import httpx

        try:
            response = await self._http().request(method, path, json=body)
        except httpx.ConnectError as exc:  # never sent
            raise ServiceDown(f"the Orchard service does not answer: {exc}") from None
        except httpx.TransportError as exc:  # sent, perhaps acted on: never sent again
            raise ServiceSilent(f"the Orchard service did not answer: {exc}") from None
        _check(response)
        if response.status_code >= 400:
            raise ServiceError(*_error_of(response.content, response.status_code))
        return orjson.loads(response.content) if response.content else None

    async def lines(self, path: str) -> AsyncIterator[dict[str, Any]]:
        """Yield each JSON line of a stream until the service ends it or goes away."""
        try:
            async for line in self._lines("GET", path, None):
                yield line
        except ServiceSilent as exc:  # a stream only reads: the caller may open it again
            raise ServiceDown(str(exc)) from None

    async def post_lines(self, path: str, body: Any) -> AsyncIterator[dict[str, Any]]:
        """POST `body` and yield each JSON line of the reply as it comes."""
        async for line in self._lines("POST", path, body):
            yield line

    async def _lines(self, method: str, path: str, body: Any) -> AsyncIterator[dict[str, Any]]:
        await _imported()
        import httpx

        try:
            async with self._http().stream(method, path, json=body) as response:
                _check(response)
                if response.status_code >= 400:
                    raise ServiceError(*_error_of(await response.aread(), response.status_code))
                async for line in response.aiter_lines():
                    if line:
                        yield orjson.loads(line)
        except httpx.ConnectError as exc:
            raise ServiceDown(f"the Orchard service does not answer: {exc}") from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise ServiceSilent(f"the Orchard service went away: {exc}") from None

    async def close(self) -> None:
        """Close the connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._address is not None:
            self._address.close()
            self._address = None


async def _imported() -> None:
    """Import httpx and the starter off the loop, once (100-300 ms the window would feel)."""
    if "httpx" not in sys.modules or "app.client.starter" not in sys.modules:
        await asyncio.to_thread(_import_off_the_loop)


def _import_off_the_loop() -> None:
    for module in ("httpx", "app.client.starter"):
        importlib.import_module(module)


def _check(response: httpx.Response) -> None:
    refusal = version_refusal(response.headers.get(API_HEADER), "service")
    if refusal is not None and response.status_code != 409:
        raise ServiceError(refusal)


def _error_of(content: bytes, status: int) -> tuple[str, dict[str, Any] | None]:
    try:
        value = orjson.loads(content)
    except ValueError:
        value = None
    reply = value if isinstance(value, dict) else None
    error = reply.get("error") if reply else None
    return str(error or f"the service answered {status}"), reply
