"""What a land checks, does and says: pure values, shared by the service and its clients."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from app.core.task import Task
from app.core.words import counted

STRATEGIES = ("merge", "squash", "rebase")


@dataclass(frozen=True, slots=True)
class TestRun:
    __test__ = False  # not a pytest class

    command: str
    ok: bool
    exit_code: int | None  # None: timed out
    seconds: float
    output: str  # the tail of stdout and stderr together

    @property
    def summary(self) -> str:
        if self.exit_code is None:
            return f"timed out after {self.seconds:.0f} s"
        return f"exit {self.exit_code} after {self.seconds:.1f} s"

    def to_json(self) -> dict[str, object]:
        """Return the run as the JSON object the CLI prints."""
        return {
            "command": self.command,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "output": self.output,
        }


@dataclass(frozen=True, slots=True)
class Conflict:
    path: str
    hunks: tuple[str, ...] = ()  # the conflicted regions with their markers, as merged
    messages: tuple[str, ...] = ()  # git's own words (binary, modify/delete, rename…)


@dataclass(frozen=True, slots=True)
class LandCheck:
    task: Task
    repo: str
    target: str  # the branch that would move
    target_commit: str
    branch_head: str | None  # None: the branch is gone; the worktree's HEAD lands instead
    tip: str  # what lands: the branch, plus a commit of any uncommitted work
    uncommitted: tuple[str, ...]  # files changed in the task worktree but not committed
    merged_tree: str | None  # None when the merge conflicts
    conflicts: tuple[Conflict, ...]
    ahead: int  # task commits the target lacks
    behind: int  # target commits the task lacks: the base moved ahead
    nothing_to_land: bool
    checkout: str | None  # where the target is checked out, if anywhere
    dirty: tuple[str, ...]  # files in that checkout a land would touch or that are modified
    busy: str | None  # an operation in progress on the target (a rebase), if any
    unsettled: str | None  # why the task worktree is not ready (mid-rebase, other branch), if so
    worktree_missing: bool
    notes: tuple[str, ...] = field(default=())

    def problems(self) -> list[str]:
        """Return why the land cannot go ahead now, one line each."""
        found = []
        if self.nothing_to_land:
            found.append(f"nothing to land: {self.target} already has all of this task's work")
        if self.conflicts:
            found.append(
                f"conflicts with {self.target} in {counted(len(self.conflicts), 'file')}: "
                + ", ".join(repr(c.path) for c in self.conflicts)
            )
        if self.busy:
            found.append(self.busy)
        if self.unsettled:
            found.append(self.unsettled)
        if self.dirty:
            found.append(
                f"{self.target} is checked out in {self.checkout} with uncommitted changes to "
                + ", ".join(repr(p) for p in self.dirty)
                + "; commit or stash them there first"
            )
        return found

    def to_json(self) -> dict[str, object]:
        """Return the check as the JSON object the CLI prints."""
        return {
            "task": self.task.id,
            "target": self.target,
            "target_commit": self.target_commit,
            "branch_head": self.branch_head,
            "tip": self.tip,
            "uncommitted": list(self.uncommitted),
            "conflicts": [
                {"path": c.path, "hunks": list(c.hunks), "messages": list(c.messages)}
                for c in self.conflicts
            ],
            "ahead": self.ahead,
            "behind": self.behind,
            "nothing_to_land": self.nothing_to_land,
            "checkout": self.checkout,
            "dirty": list(self.dirty),
            "busy": self.busy,
            "unsettled": self.unsettled,
            "worktree_missing": self.worktree_missing,
            "notes": list(self.notes),
            "problems": self.problems(),
        }


@dataclass(frozen=True, slots=True)
class LandResult:
    task: Task
    strategy: str
    target: str
    previous: str  # the target's commit before the land
    commit: str  # the target's commit after it
    checkout: str | None  # the checkout updated in place, if the target was checked out
    tests: TestRun | None
    archive: str | None  # the archive commit, when the task was cleaned up
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """Return the result as the JSON object the CLI prints."""
        return {
            "task": self.task.id,
            "state": self.task.state.value,
            "strategy": self.strategy,
            "target": self.target,
            "previous": self.previous,
            "commit": self.commit,
            "checkout": self.checkout,
            "tests": None if self.tests is None else self.tests.to_json(),
            "archive": self.archive,
            "notes": list(self.notes),
        }


def conflict_followup_prompt(check: LandCheck, target: str) -> str:
    """Return instructions asking the agent to rebase onto `target` and resolve the conflicts."""
    lines = [
        f"Your branch conflicts with `{target}`, which has moved ahead "
        f"({counted(check.behind, 'new commit')}). Rebase your work onto `{target}` "
        f"(`git rebase {target}`) and resolve the conflicts so both changes survive.",
        "",
        "Conflicting files:",
    ]
    for conflict in check.conflicts:
        lines.append(f"- {conflict.path}")
        lines += [f"  {m}" for m in conflict.messages]
        for hunk in conflict.hunks:
            lines += ["  ```", *("  " + h for h in hunk.splitlines()), "  ```"]
    lines += [
        "",
        "Keep the intent of both sides, finish the rebase (no merge commits, no conflict "
        "markers left), and make sure the project still builds and its tests pass.",
    ]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class PullRequest:
    """What opening a pull request did: its link, and whether it was already open."""

    url: str
    number: int
    created: bool
    repo: str
    branch: str
    base: str
    pushed: str  # the commit pushed
    uncommitted: int = 0  # files changed in the worktree but not committed, so not pushed

    def to_json(self) -> dict[str, Any]:
        """Return the result as the JSON object the CLI prints."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Dropped:
    """What a drop did: the task, the path and hunk (None: the whole file), its commit."""

    task: Task
    path: str
    hunk: int | None
    commit: str

    @property
    def what(self) -> str:
        """Return "hunk 2 of src/cart.py" or "src/cart.py"."""
        return f"hunk {self.hunk} of {self.path}" if self.hunk else self.path
