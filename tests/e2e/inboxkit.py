"""What the inbox's end-to-end tests share: a foreground `orchard run` and waiting on the inbox."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, Cli, child_env
from tests.e2e.agent_env import claude_env


def env_for(url: str, tmp: Path) -> dict[str, str]:
    return {**claude_env(url, tmp / "agent"), "ORCHARD_SERVICE": "off"}


def start_run(home: Path, env: dict[str, str], runs: list[subprocess.Popen[str]]) -> Any:
    run = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(home), "run", "--parallel", "5"],
        env=child_env(env),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    runs.append(run)
    return run


def waiting(cli: Cli, env: dict[str, str], count: int, timeout: float = 90) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = cli("inbox", "--json", env=env)
        if found.code == 0 and found.out.strip():
            items = json.loads(found.out)
            if len(items) >= count:
                return list(items)
        time.sleep(0.3)
    raise AssertionError(f"{count} requests never waited in the inbox")


def setup_tasks(cli: Cli, repo: Path, env: dict[str, str], prompt: str, n: int = 1) -> list[str]:
    assert cli("project", "add", str(repo), env=env).code == 0
    made = cli("task", "new", "repo", prompt, "--agent", "claude", "--attempts", str(n), env=env)
    assert made.code == 0, made.err
    return made.out.split()


def tool_result_text(body: Any) -> str:
    """Return the text of the last tool result a request to the model carries."""
    messages = body.get("messages") if isinstance(body, dict) else None
    for message in reversed(messages or []):
        content = message.get("content") if isinstance(message, dict) else None
        for block in reversed(content if isinstance(content, list) else []):
            if isinstance(block, dict) and block.get("type") == "tool_result":
                inner = block.get("content")
                if isinstance(inner, list):
                    return " ".join(str(b.get("text", "")) for b in inner if isinstance(b, dict))
                return str(inner or "")
    return ""
