"""Best-of-N: a group's attempts on one scoreboard, ranked best first, best value per field."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.diff import FileEntry, ReviewSnapshot
from app.core.states import CLOSED_STATES, LIVE_STATES, TaskState
from app.core.task import Task

DEFAULT_JOBS = 2  # test runs at once; each may itself be heavy
DEFAULT_TIMEOUT = 600.0

# The scoreboard's fields, in the order they are shown.
FIELDS = ("state", "duration", "files", "lines", "tokens", "cost", "tests")
FIELD_TITLES = {
    "state": "State",
    "duration": "Duration",
    "files": "Files",
    "lines": "+/- lines",
    "tokens": "Tokens",
    "cost": "Cost",
    "tests": "Tests",
}
OUTPUT_TAIL_CHARS = 4000
_FAILED_COUNT = re.compile(r"\b(\d+) (?:failed|failures?|errors?)\b", re.IGNORECASE)
_STATE_RANK = {
    TaskState.SUCCEEDED: 0,
    TaskState.NEEDS_INPUT: 1,
    TaskState.PAUSED: 1,
    TaskState.STOPPED: 2,
    TaskState.INTERRUPTED: 2,
    TaskState.RUNNING: 3,
    TaskState.PREPARING: 3,
    TaskState.QUEUED: 3,
    TaskState.FAILED: 4,
    TaskState.MERGED: 5,
    TaskState.DISCARDED: 5,
}


@dataclass(frozen=True, slots=True)
class TestResult:
    """One run of the project's test command in an attempt's worktree."""

    __test__ = False  # not a pytest class, whatever its name says

    command: str
    exit_code: int | None  # None when it timed out or could not start
    duration: float
    output_tail: str
    commit: str  # HEAD of the worktree when it ran
    tree: str  # the worktree's whole content (uncommitted files included) as a tree id
    ran_at: float
    timed_out: bool = False
    error: str | None = None  # why it could not run, if it could not

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and self.error is None

    @property
    def failures(self) -> int | None:
        """Return the failure count the output reports (pytest and the like), if it says."""
        return count_failures(self.output_tail)

    def to_json(self) -> dict[str, Any]:
        """Return the result as the JSON object kept on disk."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TestResult:
        """Build a result from its JSON object; raise ValueError if it is not one."""
        try:
            return cls(
                command=str(data["command"]),
                exit_code=None if data["exit_code"] is None else int(data["exit_code"]),
                duration=float(data["duration"]),
                output_tail=str(data["output_tail"]),
                commit=str(data["commit"]),
                tree=str(data["tree"]),
                ran_at=float(data["ran_at"]),
                timed_out=bool(data.get("timed_out", False)),
                error=None if data.get("error") is None else str(data["error"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a test result: {exc}") from None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt of a group as the scoreboard shows it."""

    task: Task
    files_changed: int
    insertions: int
    deletions: int
    duration: float | None = None
    test: TestResult | None = None
    stale: bool = False  # the worktree or the test command changed since the test ran
    picked: bool = False

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def lines(self) -> int:
        return self.insertions + self.deletions

    @property
    def tokens(self) -> int | None:
        t = self.task
        return (
            None
            if t.tokens_in is None and t.tokens_out is None
            else ((t.tokens_in or 0) + (t.tokens_out or 0))
        )

    @property
    def fresh_pass(self) -> bool:
        return self.test is not None and self.test.passed and not self.stale


@dataclass(frozen=True, slots=True)
class Scoreboard:
    """A group's attempts, best first, and which attempts hold the best value of each field."""

    group: str | None
    test_command: str | None
    attempts: tuple[Attempt, ...]
    best: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def attempt(self, task_id: str) -> Attempt:
        """Return the attempt of task `task_id`."""
        return next(a for a in self.attempts if a.id == task_id)

    def to_json(self) -> dict[str, Any]:
        """Return the scoreboard as the JSON object the CLI prints."""
        return {
            "group": self.group,
            "test_command": self.test_command,
            "attempts": [_attempt_json(a, rank, self.best) for rank, a in enumerate(self.attempts)],
        }


def duration_of(task: Task, now: float) -> float | None:
    """Return how long the task has run: to its end, or to `now` while it runs."""
    if task.started_at is None:
        return None
    return max(0.0, (task.finished_at or now) - task.started_at)


def count_failures(output: str) -> int | None:
    """Return the number of failures a test runner's summary reports, if it reports one."""
    for line in reversed(output.splitlines()):  # the summary is the last line that counts
        counts = [int(m.group(1)) for m in _FAILED_COUNT.finditer(line)]
        if counts:
            return sum(counts)
    return None


def is_stale(result: TestResult, tree: str, command: str | None) -> bool:
    """Say whether `result` no longer describes the worktree's content or the test command."""
    return result.tree != tree or result.command != (command or "")


def build_scoreboard(
    group: str | None, test_command: str | None, attempts: Iterable[Attempt]
) -> Scoreboard:
    """Rank `attempts` best first and find the best value of each field."""
    ranked = tuple(sorted(attempts, key=rank_key))
    return Scoreboard(group, test_command, ranked, best_values(ranked))


def rank_key(a: Attempt) -> tuple[Any, ...]:
    """Order attempts: open first, tests passed, fewer failures, finished, with changes, smaller."""
    return (
        a.task.state in CLOSED_STATES,
        outcome_rank(a),
        a.test.failures if a.test is not None and a.test.failures is not None else 0,
        _STATE_RANK[a.task.state],
        a.files_changed == 0,
        a.lines,
        a.task.cost_usd if a.task.cost_usd is not None else float("inf"),
        a.duration if a.duration is not None else float("inf"),
        a.task.created_at,
    )


def outcome_rank(a: Attempt) -> int:
    """Return 0 for a fresh pass, 1 stale pass, 2 not run, 3 failed, 4 timed out or broken."""
    t = a.test
    if t is None:
        return 2
    if t.passed:
        return 1 if a.stale else 0
    return 4 if t.timed_out or t.error else 3


def best_values(attempts: tuple[Attempt, ...]) -> dict[str, frozenset[str]]:
    """Return, per field, the ids of the attempts holding its best value (none if all tie)."""
    open_ = [a for a in attempts if a.task.state not in CLOSED_STATES]
    changed = [a for a in open_ if a.files_changed > 0]
    return {
        "state": _best(open_, lambda a: _STATE_RANK[a.task.state]),
        "duration": _best(open_, lambda a: a.duration if a.task.state not in LIVE_STATES else None),
        "files": _best(changed, lambda a: a.files_changed),
        "lines": _best(changed, lambda a: a.lines),
        "tokens": _best(open_, lambda a: a.tokens),
        "cost": _best(open_, lambda a: a.task.cost_usd),
        "tests": frozenset(a.id for a in open_ if a.fresh_pass),
    }


def _best(attempts: list[Attempt], value: Callable[[Attempt], float | None]) -> frozenset[str]:
    known = [(v, a.id) for a in attempts if (v := value(a)) is not None]
    if len({v for v, _ in known}) < 2:
        return frozenset()  # nothing to tell apart: highlighting every cell says nothing
    low = min(v for v, _ in known)
    return frozenset(i for v, i in known if v == low)


def cells(a: Attempt) -> dict[str, str]:
    """Return the text of each field of `a` as the scoreboard shows it."""
    t = a.task
    return {
        "state": t.state.value + (" ★ winner" if a.picked else ""),
        "duration": format_duration(a.duration),
        "files": str(a.files_changed),
        "lines": f"+{a.insertions} -{a.deletions}",
        "tokens": "-" if a.tokens is None else format_count(a.tokens),
        "cost": "-" if t.cost_usd is None else f"${t.cost_usd:.2f}",
        "tests": outcome_text(a),
    }


def outcome_text(a: Attempt) -> str:
    """Return the test outcome of `a` in a few words."""
    t = a.test
    if t is None:
        return "not run"
    if t.error:
        text = f"error: {t.error}"
    elif t.timed_out:
        text = f"timed out after {format_duration(t.duration)}"
    elif t.passed:
        text = f"passed in {format_duration(t.duration)}"
    else:
        failures = f", {t.failures} failed" if t.failures else ""
        text = f"failed (exit {t.exit_code}{failures})"
    return f"{text} (stale)" if a.stale else text


def format_duration(seconds: float | None) -> str:
    """Return a duration as 0.4s, 12s, 3m 05s or 1h 02m."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.1f}s"
    secs = int(seconds)
    h, rest = divmod(secs, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h {m:02d}m"
    return f"{m}m {s:02d}s" if m else f"{s}s"


def format_count(n: int) -> str:
    """Return a count as 950, 12.3k or 4.1M."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def tail(text: str, limit: int = OUTPUT_TAIL_CHARS) -> str:
    """Return the last `limit` characters of `text`, starting at a line where possible."""
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    newline = cut.find("\n")
    return cut[newline + 1 :] if 0 <= newline < limit // 2 else cut


def _attempt_json(a: Attempt, rank: int, best: Mapping[str, frozenset[str]]) -> dict[str, Any]:
    return {
        "rank": rank + 1,
        "id": a.id,
        "short_id": a.task.short_id,
        "title": a.task.title,
        "branch": a.task.branch,
        "state": a.task.state.value,
        "duration": a.duration,
        "files_changed": a.files_changed,
        "insertions": a.insertions,
        "deletions": a.deletions,
        "tokens": a.tokens,
        "cost_usd": a.task.cost_usd,
        "test": None if a.test is None else {**a.test.to_json(), "passed": a.test.passed},
        "test_stale": a.stale,
        "picked": a.picked,
        "best": sorted(f for f in FIELDS if a.id in best.get(f, ())),
    }


@dataclass(frozen=True, slots=True)
class Pick:
    """The outcome of picking a winner: the others discarded, and those that could not be."""

    winner: Task
    discarded: list[Task] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # task id -> why


def attempts_text(n: int) -> str:
    """Return "1 attempt" or "3 attempts"."""
    return "1 attempt" if n == 1 else f"{n} attempts"


def untestable_state(task: Task) -> str | None:
    """Say why a task's state keeps its tests from running now, or None if it does not."""
    if task.state is TaskState.QUEUED or task.state in LIVE_STATES:
        return f"it is {task.state}; wait for it to finish"
    if task.state in CLOSED_STATES:
        return f"it is {task.state}"
    return None


# the attempts' code


@dataclass(frozen=True, slots=True)
class AttemptChanges:
    """One attempt's whole state against the group's base: its review snapshot, files listed."""

    task_id: str
    number: int  # #1, #2... in launch order, as the board numbers them
    snapshot: ReviewSnapshot | None  # None when its work is gone (discarded, cleaned up)


@dataclass(frozen=True, slots=True)
class GroupChanges:
    """What each attempt of a group changed, for comparing their code file by file."""

    group: str | None
    attempts: tuple[AttemptChanges, ...]

    def paths(self) -> list[str]:
        """Return every path some attempt changed, sorted."""
        return sorted({f.path for a in self.attempts if a.snapshot for f in a.snapshot.files})

    def entry(self, task_id: str, path: str) -> FileEntry | None:
        """Return what attempt `task_id` did to `path`, or None if it left it as it was."""
        for attempt in self.attempts:
            if attempt.task_id == task_id and attempt.snapshot:
                return next((f for f in attempt.snapshot.files if f.path == path), None)
        return None


@dataclass(frozen=True, slots=True)
class FileVersions:
    """One file as the base and each attempt have it; None where it does not exist."""

    path: str
    base: str | None
    attempts: dict[str, str | None]  # task id -> text
    binary: frozenset[str] = frozenset()  # "base" or task ids whose version is not text


@dataclass(frozen=True, slots=True)
class Take:
    """One part of an attempt's change chosen for a combined result: a whole file or one hunk."""

    task: str  # the attempt's id (a unique prefix when asked; the full id once resolved)
    path: str
    hunk: int | None = None  # numbered from 1 as the review shows them; None: the whole file
    attempt: int = 0  # the attempt's number in its group, #1 the oldest; 0 until resolved

    def label(self) -> str:
        """Return the take as a person reads it: `hunk 2 of src/a.py in #1 (1a2b3c4d)`."""
        what = f"hunk {self.hunk} of {self.path}" if self.hunk else self.path
        return f"{what} in #{self.attempt} ({self.task[:8]})"

    def to_json(self) -> dict[str, Any]:
        """Return the take as the JSON object the CLI prints and the operation accepts."""
        return {"task": self.task, "path": self.path, "hunk": self.hunk, "attempt": self.attempt}


@dataclass(frozen=True, slots=True)
class Combined:
    """A new task made of chosen parts of a group's attempts: the task, the parts, its commit."""

    task: Task
    takes: tuple[Take, ...]
    commit: str
