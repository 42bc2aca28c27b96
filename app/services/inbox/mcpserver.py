"""Orchard's MCP server for Claude Code: the permission tool `approve`, answered by the inbox.

Started by Claude Code itself over stdio (its --mcp-config names `orchard --run-module
app.services.inbox.mcpserver --door PATH --task ID`); each `approve` call goes to the
supervising process through the inbox's door and waits there for the answer, however long.
If that process goes away (a restart of the service), the call is not answered for it: the
helper reaches the door again, for up to ORCHARD_DOOR_RETRY_SECONDS (default 600), and asks
again under the same id; a process that does not run the task says it expired. Only then, or
when the door never comes back, does Claude hear a refusal; never an allow.
Kept to the standard library: it starts once per agent.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from app.localsocket import connect

TOOL = "approve"
_SCHEMA = {
    "type": "object",
    "properties": {
        "tool_name": {"type": "string"},
        "input": {"type": "object"},
        "tool_use_id": {"type": "string"},
    },
    "required": ["tool_name", "input"],
}


RETRY_SECONDS = 600.0
RETRY_PAUSE = 0.5


def _retry_seconds() -> float:
    try:
        return float(os.environ.get("ORCHARD_DOOR_RETRY_SECONDS", RETRY_SECONDS))
    except ValueError:
        return RETRY_SECONDS


def _refusal(message: str) -> dict[str, Any]:
    return {"behavior": "deny", "message": f"Orchard: {message}; not allowed", "interrupt": False}


def _once(door: Path, task: str, request: dict[str, Any], known: list[str]) -> dict[str, Any]:
    """Ask through the door once; raise OSError if the connection is lost before the answer."""
    body = {"op": "claude", "task": task, "request": request, "tell_id": True}
    if known:
        body["id"] = known[0]
    with connect(door) as sock:
        sock.sendall(json.dumps(body).encode() + b"\n")
        buffer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("the supervising Orchard went away")
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                answer = json.loads(line)
                if "id" in answer and "reply" not in answer:
                    known[:] = [str(answer["id"])]
                    continue
                reply = answer.get("reply")
                if isinstance(reply, dict):
                    return reply
                return _refusal(str(answer.get("error") or "no answer"))


def ask_door(door: Path, task: str, request: dict[str, Any]) -> dict[str, Any]:
    """Hand one permission request to the supervising process and return Claude's reply."""
    known: list[str] = []  # the id the supervising process gave the request
    deadline: float | None = None
    while True:
        try:
            return _once(door, task, request, known)
        except (OSError, ValueError) as exc:
            problem = str(exc)
        now = time.monotonic()
        deadline = deadline if deadline is not None else now + _retry_seconds()
        if now >= deadline:
            return _refusal(f"could not be reached ({problem}); the request expired")
        time.sleep(RETRY_PAUSE)


def _result(message: dict[str, Any], door: Path, task: str) -> dict[str, Any] | None:
    method = message.get("method")
    params = message.get("params") or {}
    if method == "initialize":
        return {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "orchard", "version": "1"},
        }
    if method == "tools/list":
        description = "Ask Orchard (the person supervising this agent) for permission."
        return {"tools": [{"name": TOOL, "description": description, "inputSchema": _SCHEMA}]}
    if method == "tools/call":
        if params.get("name") != TOOL:
            return {"content": [{"type": "text", "text": "no such tool"}], "isError": True}
        reply = ask_door(door, task, params.get("arguments") or {})
        return {"content": [{"type": "text", "text": json.dumps(reply)}]}
    if method == "ping":
        return {}
    return None


def _respond(message: dict[str, Any], door: Path, task: str, lock: threading.Lock) -> None:
    if "id" not in message:
        return  # a notification
    result = _result(message, door, task)
    if result is None:
        body: dict[str, Any] = {"error": {"code": -32601, "message": "method not found"}}
    else:
        body = {"result": result}
    text = json.dumps({"jsonrpc": "2.0", "id": message["id"], **body})
    with lock:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def serve(door: Path, task: str) -> None:
    """Answer Claude Code's MCP messages on stdin/stdout until it closes stdin."""
    lock = threading.Lock()
    for raw in sys.stdin:
        try:
            message = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        # Each call in its own thread: several tool calls of one turn may wait at once.
        threading.Thread(target=_respond, args=(message, door, task, lock), daemon=True).start()


def main(argv: list[str]) -> int:
    """Run the server: `--door PATH --task ID`."""
    args = dict(zip(argv[::2], argv[1::2], strict=False))
    if "--door" not in args or "--task" not in args:
        print("usage: mcpserver --door PATH --task ID", file=sys.stderr)
        return 2
    serve(Path(args["--door"]), args["--task"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
