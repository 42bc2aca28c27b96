"""The small client of the local API: standard library HTTP over the home's Unix socket.

It imports nothing of the service, so a command that only reads answers fast.
"""

from __future__ import annotations

import http.client
from pathlib import Path
from typing import Any

import orjson

from app.client.errors import ServiceDown, ServiceError, ServiceSilent
from app.localsocket import API_HEADER, API_VERSION, connect, socket_path, version_refusal

TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float | None) -> None:
        super().__init__("orchard", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        # A live service accepts at once; only the answer may take long (timeout None).
        self.sock = connect(self._path, CONNECT_TIMEOUT)
        self.sock.settimeout(self.timeout)


class ServiceClient:
    """Requests to the service of one home."""

    def __init__(self, home_root: Path) -> None:
        self.home_root = home_root
        self.socket = socket_path(home_root)

    def alive(self) -> bool:
        """Say whether a service of this API version answers."""
        try:
            self.request("GET", "/v1/status", timeout=5.0)
        except (ServiceDown, ServiceSilent):  # none, or one too busy or too late to answer
            return False
        return True

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        timeout: float | None = TIMEOUT,
        api: int = API_VERSION,
    ) -> Any:
        """Send one request and return its JSON reply; raise ServiceDown or ServiceError.

        `api` is the version this request speaks: another only to ask an older service to stop.
        """
        response, raw = self._send(method, path, body, timeout, api)
        return _decode(response, raw, api)

    def text(self, path: str, timeout: float = TIMEOUT) -> bytes:
        """GET a reply that is text, as bytes; raise ServiceDown or ServiceError."""
        response, raw = self._send("GET", path, None, timeout)
        if response.status >= 400 or "json" in (response.getheader("Content-Type") or ""):
            _decode(response, raw)  # raises the service's one line
        return raw

    def _send(
        self, method: str, path: str, body: Any, timeout: float | None, api: int = API_VERSION
    ) -> tuple[http.client.HTTPResponse, bytes]:
        conn = _UnixConnection(self.socket, timeout)
        headers = {API_HEADER: str(api), "Content-Type": "application/json"}
        data = None if body is None else orjson.dumps(body)
        try:
            try:
                conn.connect()
            except OSError as exc:  # nothing listens: the request was never sent
                why = exc.strerror or str(exc)
                raise ServiceDown(f"no Orchard service answers on {self.socket} ({why})") from None
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException) as exc:
                # Sent, perhaps acted on: never retried elsewhere (a task queued twice).
                raise ServiceSilent(f"the Orchard service did not answer: {exc}") from None
        finally:
            conn.close()
        return response, raw

    def status(self) -> dict[str, Any]:
        """Return the service's status."""
        value = self.request("GET", "/v1/status")
        assert isinstance(value, dict)
        return value


def _decode(response: http.client.HTTPResponse, raw: bytes, api: int = API_VERSION) -> Any:
    speaks = response.getheader(API_HEADER)
    refusal = None if speaks == str(api) else version_refusal(speaks, "service")
    if refusal is not None and response.status != 409:
        raise ServiceError(refusal)
    try:
        value = orjson.loads(raw) if raw else None  # a review's list is megabytes
    except ValueError:
        raise ServiceError(f"the service answered {response.status} with no JSON") from None
    if response.status >= 400:
        error = value.get("error") if isinstance(value, dict) else None
        reply = value if isinstance(value, dict) else None
        raise ServiceError(error or f"the service answered {response.status}", reply)
    return value


def what_agents_see(status: dict[str, Any]) -> str:
    """Return one line: which agent binaries and key variables the service's agents can use."""
    agents = status["environment"]["agents"]
    found = ", ".join(n for n, p in agents.items() if p) or "none"
    missing = ", ".join(n for n, p in agents.items() if not p)
    keys = ", ".join(status["environment"]["keys"]) or "none"
    return (
        f"agents on its PATH: {found}"
        + (f" (not found: {missing})" if missing else "")
        + f"; keys set: {keys}"
    )
