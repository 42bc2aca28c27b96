"""Orchard's MCP server for Claude Code: the permission tool `approve`, answered by the inbox.

Started by Claude Code itself over stdio (its --mcp-config names `orchard --run-module
app.services.inbox.mcpserver --door PATH --task ID`); each `approve` call goes to the
supervising process through the inbox's door and waits there for the answer, however long.
Kept to the standard library: it starts once per agent.
"""

from __future__ import annotations

import json
import sys
import threading
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


def ask_door(door: Path, task: str, request: dict[str, Any]) -> dict[str, Any]:
    """Hand one permission request to the supervising process and return Claude's reply."""
    line = json.dumps({"op": "claude", "task": task, "request": request}).encode() + b"\n"
    try:
        with connect(door) as sock:
            sock.sendall(line)
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        answer = json.loads(data)
        reply = answer.get("reply")
        if isinstance(reply, dict):
            return reply
        message = str(answer.get("error") or "no answer")
    except (OSError, ValueError) as exc:
        message = f"Orchard could not be reached ({exc})"
    return {"behavior": "deny", "message": f"Orchard: {message}; not allowed", "interrupt": False}


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
