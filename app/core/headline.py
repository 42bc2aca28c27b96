"""The board's "last event": a short phrase that tells what the agent is doing.

"editing cart.py", "ran tests: passed", "asked for input", not the raw text of the event
("$ python -m pytest -q"). Orchard's commit for the agent is no headline: after it, the task
still reads as the agent's last words ("Added apply_discount() with two tests").
"""

from __future__ import annotations

import re
import shlex

from app.core.events import Event, one_line

# Words in a command line that say it runs tests.
_TEST_WORDS = frozenset({"pytest", "test", "tests", "unittest", "jest", "vitest", "tox", "nox"})
_COMMIT = re.compile(r"^Orchard committed (\w+)")
_CHANGES = {"add": "created", "delete": "deleted", "update": "editing", "edit": "editing"}


def headline(ev: Event, width: int = 200) -> str:
    """Return the phrase the board shows for `ev` as a task's last event ('' for none)."""
    kind, text = ev.get("kind"), str(ev.get("text") or "")
    if kind == "command":
        phrase = _command(str(ev.get("command") or ""), ev.get("exit_code"), ev.get("status"))
    elif kind == "file_change":
        phrase = f"{_CHANGES.get(str(ev.get('change')), 'editing')} {_name(ev.get('path'))}"
    elif kind == "needs_input":
        phrase = "asked for input"
    elif kind == "tool_call":
        phrase = f"used {ev.get('tool') or 'a tool'}"
    elif kind == "reasoning":
        phrase = "thinking"
    elif kind == "error":
        phrase = f"error: {text}"
    elif kind == "session":
        phrase = "session started"
    elif _COMMIT.match(text) is not None:
        phrase = ""  # Orchard's own bookkeeping: the agent's last words say more
    else:
        phrase = text
    return one_line(phrase, width)


def _name(path: object) -> str:
    return str(path or "a file").rstrip("/").rsplit("/", 1)[-1]


def _command(command: str, code: object, status: object) -> str:
    try:
        words = shlex.split(command)
    except ValueError:  # an unclosed quote: the words as they come
        words = command.split()
    if _TEST_WORDS & {_name(word) for word in words}:
        if status == "started":
            return "running tests"
        return "ran tests" if code is None else f"ran tests: {'passed' if code == 0 else 'failed'}"
    program = _name(words[0]) if words else "a command"
    if program in ("python", "python3", "uv", "npx", "npm") and len(words) > 1:
        program = " ".join(_name(w) for w in words[:3] if not w.startswith("-"))
    failed = f" (exit {code})" if isinstance(code, int) and code != 0 else ""
    return f"{'running' if status == 'started' else 'ran'} {program}{failed}"
