"""A scripted, stateless fake LLM endpoint for driving the real agent CLIs.

The server speaks just enough of two wire protocols for end-to-end tests:

* OpenAI Responses API (``POST /v1/responses``, SSE) - used by ``codex``.
* Anthropic Messages API (``POST /v1/messages``, SSE or JSON) - used by
  ``claude`` (Claude Code), plus ``/v1/messages/count_tokens``.

The "model" follows a fixed script: it asks the agent to run each shell
command in turn, then answers with a final text message.  It never keeps
per-conversation state; instead it counts the tool results already present in
the request history.  Both CLIs resend the full history on every turn, so this
stays correct across client retries, parallel side requests and resumes.

Usage::

    with ScriptedModelServer(["printf 'hi\\n' > hi.txt"]) as srv:
        run_agent(base_url=srv.base_url)
        assert srv.requests[0].path == "/v1/responses"
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_NAME = "scripted-model"
DEFAULT_FINAL_TEXT = "All done."
# Said to side requests (titles, summaries) that carry no tools.
SIDE_TEXT = "Scripted task"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, raw text if not JSON, or None if empty
    status: int = 0  # filled in once the response has been chosen


@dataclass(frozen=True)
class ToolUse:
    """A script step that calls one of the agent's own tools by name (Claude Code only).

    ``ToolUse("AskUserQuestion", {"questions": [...]})`` has the model ask the person.
    """

    name: str
    input: dict[str, Any]


@dataclass
class Step:
    """What the scripted model says next: a command to run, a tool to call, or final text."""

    command: str | None = None
    text: str | None = None
    index: int = 0  # how many tool results preceded this step
    tool: ToolUse | None = None

    @property
    def calls(self) -> bool:
        return self.command is not None or self.tool is not None


@dataclass
class _Usage:
    input_tokens: int = 100
    output_tokens: int = 20


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


Event = tuple[str, dict[str, Any]]


def _ev(kind: str, **fields: Any) -> Event:
    """An SSE event whose JSON payload repeats its name in ``type``, as both
    APIs do (the clients dispatch on the payload, not the ``event:`` line)."""
    return kind, {"type": kind, **fields}


def _sse(events: Iterable[Event]) -> bytes:
    """Encode ``(event_name, payload)`` pairs as one SSE body.

    The whole stream is sent at once with a Content-Length: the clients parse
    SSE incrementally either way, and it keeps keep-alive handling trivial.
    """
    chunks = [f"event: {name}\ndata: {json.dumps(payload)}\n\n" for name, payload in events]
    return "".join(chunks).encode()


# --------------------------------------------------------------------------
# Script logic (protocol independent)
# --------------------------------------------------------------------------


def _after_last(items: list[Any], is_marker: Any) -> list[Any]:
    """The items after the last one matching ``is_marker`` (all if none do)."""
    for i in range(len(items) - 1, -1, -1):
        if is_marker(items[i]):
            return items[i + 1 :]
    return items


class Script:
    def __init__(self, commands: list[str | ToolUse], final_text: str) -> None:
        self.commands = list(commands)
        self.final_text = final_text

    def step(self, tool_results_seen: int) -> Step:
        if tool_results_seen < len(self.commands):
            item = self.commands[tool_results_seen]
            if isinstance(item, ToolUse):
                return Step(tool=item, index=tool_results_seen)
            return Step(command=item, index=tool_results_seen)
        return Step(text=self.final_text, index=tool_results_seen)


# --------------------------------------------------------------------------
# OpenAI Responses API (codex)
# --------------------------------------------------------------------------

# Tool names codex may offer for running commands, in order of preference,
# with a function that turns a shell string into that tool's arguments.
# codex 0.169 offers ``exec_command`` (unified exec, ``cmd`` is a string);
# older builds / other configs offer ``shell`` (argv list) or
# ``shell_command`` (string).
_CODEX_SHELL_TOOLS: dict[str, Any] = {
    "exec_command": lambda cmd: {"cmd": cmd},
    "shell_command": lambda cmd: {"command": cmd},
    "shell": lambda cmd: {"command": ["bash", "-lc", cmd]},
}


def _codex_tool_names(body: dict[str, Any]) -> set[str]:
    return {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}


def _pick_codex_tool(body: dict[str, Any]) -> str:
    offered = _codex_tool_names(body)
    for name in _CODEX_SHELL_TOOLS:
        if name in offered:
            return name
    return "exec_command"  # best guess; the test will show the mismatch


_CODEX_OUTPUT_KINDS = {"function_call_output", "custom_tool_call_output", "local_shell_call_output"}


# Orchard's notes to a running turn (a person's reason for a denial, sent with turn/steer)
# arrive as user messages too, but continue the turn: the script does not start over.
ORCHARD_NOTE = "Orchard: "


def _is_codex_user_prompt(item: Any) -> bool:
    if not (
        isinstance(item, dict) and item.get("type") == "message" and item.get("role") == "user"
    ):
        return False
    texts = [c.get("text", "") for c in item.get("content") or [] if isinstance(c, dict)]
    return not any(str(t).startswith(ORCHARD_NOTE) for t in texts)


def _count_codex_tool_outputs(body: dict[str, Any]) -> int:
    """Tool outputs since the latest user message.

    Counting only the current turn lets a resumed session (whose history
    already holds earlier turns' outputs) start the script from the top.
    """
    items = body.get("input") or []
    if not isinstance(items, list):
        return 0
    return sum(
        1
        for it in _after_last(items, _is_codex_user_prompt)
        if isinstance(it, dict) and it.get("type") in _CODEX_OUTPUT_KINDS
    )


def _responses_usage(usage: _Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }


# A step whose command is a patch ("*** Begin Patch" ...) goes to codex's apply_patch tool, a
# freeform (custom) tool: the patch text is its whole input, and codex shows it as a file change.
PATCH_START = "*** Begin Patch"


def patch(path: str, *lines: str) -> str:
    """Return an apply_patch patch that adds `path` with `lines`."""
    added = "".join(f"+{line}\n" for line in lines)
    return f"{PATCH_START}\n*** Add File: {path}\n{added}*** End Patch"


def _codex_output_item(step: Step, body: dict[str, Any]) -> dict[str, Any]:
    if step.tool is not None:
        raise ValueError("a scripted ToolUse is for Claude Code only")
    if step.command is not None and step.command.startswith(PATCH_START):
        return {
            "type": "custom_tool_call",
            "id": _new_id("ctc"),
            "call_id": _new_id("call"),
            "name": "apply_patch",
            "input": step.command,
            "status": "completed",
        }
    if step.command is not None:
        tool = _pick_codex_tool(body)
        return {
            "type": "function_call",
            "id": _new_id("fc"),
            "call_id": _new_id("call"),
            "name": tool,
            "arguments": json.dumps(_CODEX_SHELL_TOOLS[tool](step.command)),
            "status": "completed",
        }
    return {
        "type": "message",
        "id": _new_id("msg"),
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": step.text, "annotations": []}],
    }


def _codex_text_events(item: dict[str, Any]) -> list[Event]:
    text = item["content"][0]["text"]
    ref = {"item_id": item["id"], "output_index": 0, "content_index": 0}
    return [
        _ev(
            "response.output_item.added",
            output_index=0,
            item={**item, "status": "in_progress", "content": []},
        ),
        # The text also goes out as a delta so streaming consumers see it.
        _ev("response.output_text.delta", **ref, delta=text),
        _ev("response.output_text.done", **ref, text=text),
    ]


def _codex_call_events(item: dict[str, Any]) -> list[Event]:
    ref = {"item_id": item["id"], "output_index": 0}
    return [
        _ev(
            "response.output_item.added",
            output_index=0,
            item={**item, "status": "in_progress", "arguments": ""},
        ),
        _ev("response.function_call_arguments.delta", **ref, delta=item["arguments"]),
        _ev("response.function_call_arguments.done", **ref, arguments=item["arguments"]),
    ]


def codex_response_stream(step: Step, body: dict[str, Any]) -> bytes:
    """One Responses API turn holding a single output item.

    codex only acts on ``response.output_item.done`` and needs a final
    ``response.completed`` (with usage); without it the stream counts as
    dropped and is retried.  The other events mirror the real API.
    """
    item = _codex_output_item(step, body)
    base = {"id": _new_id("resp"), "object": "response", "model": body.get("model", MODEL_NAME)}
    in_progress = {**base, "status": "in_progress"}
    completed = {
        **base,
        "status": "completed",
        "output": [item],
        "usage": _responses_usage(_Usage()),
    }
    if item["type"] == "custom_tool_call":
        added = {**item, "status": "in_progress", "input": ""}
        body_events = [_ev("response.output_item.added", output_index=0, item=added)]
    elif item["type"] == "message":
        body_events = _codex_text_events(item)
    else:
        body_events = _codex_call_events(item)
    return _sse(
        [
            _ev("response.created", response=in_progress),
            _ev("response.in_progress", response=in_progress),
            *body_events,
            _ev("response.output_item.done", output_index=0, item=item),
            _ev("response.completed", response=completed),
        ]
    )


# --------------------------------------------------------------------------
# Anthropic Messages API (claude)
# --------------------------------------------------------------------------

CLAUDE_SHELL_TOOL = "Bash"


def _has_claude_shell_tool(body: dict[str, Any]) -> bool:
    tools = body.get("tools") or []
    return any(isinstance(t, dict) and t.get("name") == CLAUDE_SHELL_TOOL for t in tools)


def _tool_results(msg: Any) -> list[dict[str, Any]]:
    content = msg.get("content") if isinstance(msg, dict) else None
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]


def _is_claude_user_prompt(msg: Any) -> bool:
    # Tool results travel in role=user messages too; a prompt is a user
    # message that carries none.
    return isinstance(msg, dict) and msg.get("role") == "user" and not _tool_results(msg)


def _count_claude_tool_results(body: dict[str, Any]) -> int:
    """Tool results since the latest user prompt (see _count_codex_tool_outputs)."""
    messages = body.get("messages") or []
    return sum(len(_tool_results(m)) for m in _after_last(messages, _is_claude_user_prompt))


def _claude_content(step: Step) -> list[dict[str, Any]]:
    if step.tool is not None:
        return [
            {
                "type": "tool_use",
                "id": _new_id("toolu"),
                "name": step.tool.name,
                "input": step.tool.input,
            }
        ]
    if step.command is not None:
        return [
            {
                "type": "tool_use",
                "id": _new_id("toolu"),
                "name": CLAUDE_SHELL_TOOL,
                "input": {
                    "command": step.command,
                    "description": f"Scripted step {step.index + 1}",
                },
            }
        ]
    return [{"type": "text", "text": step.text}]


def claude_message(step: Step, body: dict[str, Any]) -> dict[str, Any]:
    content = _claude_content(step)
    usage = _Usage()
    return {
        "id": _new_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": body.get("model", MODEL_NAME),
        "content": content,
        "stop_reason": "tool_use" if step.calls else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def _claude_block_events(index: int, block: dict[str, Any]) -> list[Event]:
    if block["type"] == "tool_use":
        # Tool input is streamed as JSON text, starting from an empty object.
        start = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
    else:
        start = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": block["text"]}
    return [
        _ev("content_block_start", index=index, content_block=start),
        _ev("content_block_delta", index=index, delta=delta),
        _ev("content_block_stop", index=index),
    ]


def claude_message_stream(message: dict[str, Any]) -> bytes:
    """The streaming form of ``message``: the final stop_reason and usage
    arrive in ``message_delta``, as with the real API."""
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "usage": {**message["usage"], "output_tokens": 1},
    }
    blocks = [ev for i, b in enumerate(message["content"]) for ev in _claude_block_events(i, b)]
    return _sse(
        [
            _ev("message_start", message=start),
            *blocks,
            _ev(
                "message_delta",
                delta={"stop_reason": message["stop_reason"], "stop_sequence": None},
                usage={"output_tokens": message["usage"]["output_tokens"]},
            ),
            _ev("message_stop"),
        ]
    )


def claude_step(script: Script, body: dict[str, Any]) -> Step:
    # Requests without the Bash tool are side requests (title / topic /
    # summary generation with a small model): never script them.
    if not _has_claude_shell_tool(body):
        return Step(text=SIDE_TEXT)
    return script.step(_count_claude_tool_results(body))


# --------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so clients can keep connections alive; every reply therefore
    # carries an exact Content-Length.
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections are dropped after this, so handler threads
    # do not outlive a test for long.
    timeout = 60
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.owner.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding == "gzip":
            return gzip.decompress(raw)
        if encoding == "deflate":
            return zlib.decompress(raw)
        return raw

    def _read_chunked(self) -> bytes:
        data = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()  # trailing CRLF after the last chunk
                return data
            data += self.rfile.read(size)
            self.rfile.readline()

    def _dispatch(self) -> None:
        raw = self._read_body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record = RecordedRequest(self.command, self.path, dict(self.headers), body)
        self.server.owner._record(record)
        status, content_type, payload = self.server.owner._respond(record)
        record.status = status
        self._send(status, content_type, payload)

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must not block shutdown
    # socketserver's default backlog of 5 resets connections when a client
    # opens several at once (Claude Code fires side requests in parallel).
    request_queue_size = 128
    allow_reuse_address = True
    owner: ScriptedModelServer


def _json(status: int, obj: Any) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(obj).encode()


class ScriptedModelServer:
    """Context manager running the scripted model on 127.0.0.1:<free port>.

    ``commands``: shell commands the model asks the agent to run, in order.
    ``final_text``: the closing assistant message once all commands ran.
    ``fail_status``: if set, every model call (``/v1/responses``,
    ``/v1/messages``) answers with this HTTP status and an error body, to
    exercise the CLIs' error reporting.
    """

    def __init__(
        self,
        commands: list[str | ToolUse],
        final_text: str = DEFAULT_FINAL_TEXT,
        *,
        fail_status: int | None = None,
        verbose: bool = False,
    ) -> None:
        self.script = Script(commands, final_text)
        self.fail_status = fail_status
        self.verbose = verbose
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> ScriptedModelServer:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="scripted-model-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> ScriptedModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- introspection for tests ----------------------------------------------

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(record)
        if self.verbose:
            print(f"[model-server] {record.method} {record.path}", flush=True)

    # -- routing ---------------------------------------------------------------

    def _respond(self, req: RecordedRequest) -> tuple[int, str, bytes]:
        path = req.path.split("?")[0].rstrip("/")
        body = req.body if isinstance(req.body, dict) else {}
        if req.method == "POST" and path.endswith("/messages/count_tokens"):
            return _json(200, {"input_tokens": 100})
        if req.method == "POST" and path.endswith("/responses"):
            return self._fail_openai() if self.fail_status else self._codex(body)
        if req.method == "POST" and path.endswith("/messages"):
            return self._fail_anthropic() if self.fail_status else self._claude(body)
        return _json(404, {"error": {"type": "not_found", "message": f"no route for {req.path}"}})

    def _codex(self, body: dict[str, Any]) -> tuple[int, str, bytes]:
        step = self.script.step(_count_codex_tool_outputs(body))
        return 200, "text/event-stream", codex_response_stream(step, body)

    def _claude(self, body: dict[str, Any]) -> tuple[int, str, bytes]:
        message = claude_message(claude_step(self.script, body), body)
        if body.get("stream"):
            return 200, "text/event-stream", claude_message_stream(message)
        return _json(200, message)

    def _fail_openai(self) -> tuple[int, str, bytes]:
        assert self.fail_status is not None
        return _json(
            self.fail_status,
            {
                "error": {
                    "message": "scripted failure",
                    "type": "server_error",
                    "code": "scripted_failure",
                }
            },
        )

    def _fail_anthropic(self) -> tuple[int, str, bytes]:
        assert self.fail_status is not None
        return _json(
            self.fail_status,
            {
                "type": "error",
                "error": {
                    "type": "api_error",
                    "message": "scripted failure",
                },
            },
        )


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout``; handy in tests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
