"""A fake OpenAI-compatible chat-completions API on 127.0.0.1 that speaks the real wire format.

POST /v1/chat/completions answers a chat.completion whose content comes from `reply(messages)`
(by default a rule-based triager that reads the reports out of Orchard's prompt). Bearer keys
are checked (401 in OpenAI's error shape otherwise). Failures are scripted per test: 429 with
Retry-After, 5xx, malformed content, stalls. It records every call and the peak number of
requests in flight. Use it as a context manager:

    with FakeChat(key="sk-test") as api:
        ... api.url ...  # http://127.0.0.1:PORT/v1
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.server import FakeServer

Reply = Callable[[list[dict[str, Any]]], str]


@dataclass
class Scripted:
    """An answer for the next `times` requests: an HTTP error, bad content, or a stall."""

    status: int = 200
    body: Any = None  # for errors: a dict (sent as JSON) or bytes (sent raw)
    headers: dict[str, str] = field(default_factory=dict)
    content: str | None = None  # for 200s: the assistant's content instead of reply()
    delay: float = 0.0  # seconds to wait before answering
    times: int = 1


@dataclass
class Call:
    headers: dict[str, str]
    body: Any
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def user(self) -> str:
        return next((m["content"] for m in self.messages if m.get("role") == "user"), "")


def prompt_payload(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the JSON object Orchard's user message carries (after its first line)."""
    user = next(m["content"] for m in messages if m.get("role") == "user")
    return dict(json.loads(user.split("\n", 1)[1]))


def triager(messages: list[dict[str, Any]]) -> str:
    """Triage every report in the prompt by keyword rules, as a model would answer."""
    payload = prompt_payload(messages)
    categories = payload["categories"]
    owners = payload["owners"]
    out = []
    for report in payload["reports"]:
        text = f"{report['title']} {report['body']}".lower()
        category = next((c for c in categories if c.lower() in text), "bug")
        priority = "P0" if ("crash" in text or "data loss" in text) else "P2"
        owner = next(
            (
                o["name"]
                for o in owners
                if any(a.strip() and a.strip().lower() in text for a in o["areas"].split(","))
            ),
            None,
        )
        dupes = [d["id"] for d in report.get("possible_duplicates", []) if d["similarity"] >= 0.5]
        out.append(
            {
                "id": report["id"],
                "category": category,
                "priority": priority,
                "owner": owner,
                "duplicate_of": dupes[0] if dupes else None,
                "reason": f"keywords in report {report['id']}",
            }
        )
    return json.dumps({"suggestions": out})


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """Return an error in OpenAI's shape."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class FakeChat(FakeServer):
    """The fake API's state and its server thread."""

    def __init__(
        self,
        key: str | None = "sk-test",
        model: str | None = None,
        reply: Reply = triager,
        latency: float = 0.0,
    ) -> None:
        self.key = key
        self.model = model  # None accepts any model
        self.reply = reply
        self.latency = latency  # every answer takes this long, to make overlap measurable
        self.script: list[Scripted] = []
        self.calls: list[Call] = []
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()
        self.closing = threading.Event()
        super().__init__(_handler_for(self))

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    def __exit__(self, *exc: object) -> None:
        self.closing.set()  # wakes stalled handlers
        super().__exit__(*exc)

    # scripting

    def fail(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` requests with `status` (an OpenAI-shaped error by default)."""
        if body is None:
            body = error_body(_REASONS.get(status, "Error"), _KINDS.get(status, "server_error"))
        self.script.append(Scripted(status, body, headers or {}, None, delay, times))

    def rate_limit(self, retry_after: str = "1", times: int = 1) -> None:
        """Answer the next `times` requests with 429 and `Retry-After: retry_after`."""
        self.fail(429, headers={"retry-after": retry_after}, times=times)

    def malformed(self, content: str = '{"suggestions": [{"id": 1,', times: int = 1) -> None:
        """Answer the next `times` requests 200 with `content` (not valid JSON by default)."""
        self.script.append(Scripted(content=content, times=times))

    def stall(self, delay: float, times: int = 1) -> None:
        """Wait `delay` seconds before answering the next `times` requests."""
        self.script.append(Scripted(delay=delay, times=times))

    def _take(self) -> Scripted | None:
        with self.lock:
            if not self.script:
                return None
            step = self.script[0]
            step.times -= 1
            if step.times == 0:
                self.script.pop(0)
            return step

    def completion(self, model: str, content: str) -> dict[str, Any]:
        """Return a chat.completion object carrying `content`."""
        return {
            "id": f"chatcmpl-{len(self.calls)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
        }


_REASONS = {
    401: "Incorrect API key provided.",
    404: "Not found",
    429: "Rate limit reached for requests",
    500: "The server had an error while processing your request.",
    503: "The engine is currently overloaded, please try again later",
}
_KINDS = {401: "invalid_request_error", 404: "invalid_request_error", 429: "requests"}


def _handler_for(api: FakeChat) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body: Any = json.loads(raw)
            except ValueError:
                body = raw
            with api.lock:
                api.calls.append(Call(headers, body, time.monotonic()))
                api.in_flight += 1
                api.peak = max(api.peak, api.in_flight)
            try:
                self._answer(headers, body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a cancelled run)
            finally:
                with api.lock:
                    api.in_flight -= 1

        def _answer(self, headers: dict[str, str], body: Any) -> None:
            if self.path != "/v1/chat/completions":
                self._send(404, error_body(f"Unknown request URL: POST {self.path}", "invalid"))
                return
            step = api._take() or Scripted()
            api.closing.wait(step.delay or api.latency)
            presented = headers.get("authorization", "").removeprefix("Bearer ")
            if api.key is not None and presented != api.key:
                message = f"Incorrect API key provided: {presented}."
                self._send(401, error_body(message, "invalid_request_error", "invalid_api_key"))
                return
            if step.status != 200 or step.body is not None:
                self._send(step.status, step.body, step.headers)
                return
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                self._send(400, error_body("'messages' is a required property", "invalid"))
                return
            model = str(body.get("model"))
            if api.model is not None and model != api.model:
                message = f"The model `{model}` does not exist"
                self._send(404, error_body(message, "invalid_request_error", "model_not_found"))
                return
            content = step.content if step.content is not None else api.reply(body["messages"])
            self._send(200, api.completion(model, content))

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
