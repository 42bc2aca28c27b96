"""Each project's list of allowed and denied command patterns: Orchard's one record of them.

Kept in the home's `inbox.toml` (one `[projects.NAME]` table with `allow` and `deny` lists),
never in a worktree, where the turn-end commit would pick it up, nor in an agent's own config.
A project without a table gets the defaults: core's DEFAULT_ALLOW and its own test command.
A file that cannot be read answers nothing (every request reaches a person), says so once in
the log, and is shown by `orchard doctor`; it is never overwritten until it reads again.
"""

from __future__ import annotations

import logging
import os
import threading
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from app.core.inbox import DEFAULT_ALLOW, Policy
from app.services.config import dumps, write_atomically
from app.services.errors import UserError

RULES_FILE = "inbox.toml"
MAX_PATTERN = 500
TestOf = Callable[[str], str | None]  # a project's test command, by name
log = logging.getLogger(__name__)


class Rules:
    """Read and write the projects' lists; reads are cached until the file changes."""

    def __init__(self, home_root: Path, test_of: TestOf | None = None) -> None:
        self.path = home_root / RULES_FILE
        self._test_of = test_of or (lambda _project: None)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._tables: dict[str, Any] = {}
        self._warned = ""

    def policy(self, project: str) -> Policy:
        """Return the project's list, its defaults where it has none recorded.

        An unreadable file gives an empty list: nothing is answered for the person, all asks.
        """
        try:
            tables = self._read()
        except UserError as exc:
            if str(exc) != self._warned:
                self._warned = str(exc)
                log.warning("%s; every request asks a person until it is fixed", exc)
            return Policy()
        self._warned = ""
        table = tables.get(project)
        if not isinstance(table, dict):
            return self.defaults(project)
        return Policy(_patterns(table.get("allow")), _patterns(table.get("deny")))

    def defaults(self, project: str) -> Policy:
        """Return what a project allows before anyone edits its list."""
        test = (self._test_of(project) or "").strip()
        allow = (*DEFAULT_ALLOW, test) if test and test not in DEFAULT_ALLOW else DEFAULT_ALLOW
        return Policy(allow, ())

    def set_policy(self, project: str, policy: Policy) -> Policy:
        """Record the project's whole list; refuse an unusable pattern in one line."""
        clean = Policy(_checked(policy.allow), _checked(policy.deny))
        with self._lock:
            data = self._load()
            data[project] = {"allow": list(clean.allow), "deny": list(clean.deny)}
            self._save(data)
        return clean

    def remember(self, project: str, pattern: str) -> None:
        """Add `pattern` to the project's allowed list ("always allow in this project")."""
        current = self.policy(project)
        if pattern not in current.allow:
            self.set_policy(project, Policy((*current.allow, pattern), current.deny))

    # the file

    def _read(self) -> dict[str, Any]:
        with self._lock:
            return self._load()

    def _load(self) -> dict[str, Any]:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            self._stamp, self._tables = None, {}
            return {}
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp != self._stamp:
            try:
                projects = tomllib.loads(self.path.read_text()).get("projects", {})
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise UserError(f"{self.path} cannot be read: {exc}") from None
            self._tables = projects if isinstance(projects, dict) else {}
            self._stamp = stamp
        return dict(self._tables)

    def _save(self, tables: dict[str, Any]) -> None:
        text = "# Orchard's per-project lists of allowed and denied commands (globs).\n"
        text += dumps({"projects": tables})
        write_atomically(self.path, text.encode("utf-8"))
        self._stamp = None  # read back on next use


def unreadable(home_root: Path) -> str | None:
    """Return why the home's inbox.toml cannot be read, in one line; None if it can."""
    path = home_root / RULES_FILE
    try:
        tomllib.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"{path} cannot be read: {exc}"
    return None


def _patterns(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if isinstance(v, str) and v.strip())


def _checked(patterns: Iterable[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise UserError("a pattern must be text")
        text = " ".join(pattern.split())
        if len(text) > MAX_PATTERN or "\n" in pattern:
            raise UserError(f"the pattern {pattern[:40]!r}… is too long for one command line")
        if text and text not in seen:
            seen.append(text)
    return tuple(seen)
