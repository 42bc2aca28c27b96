"""What start-up reconciliation finds out of step, and the command that repairs each fault."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.core.task import Task

ORPHAN_KILLED = "orphan_agent_killed"
WORKTREE_MISSING = "worktree_missing"
WORKTREE_UNRECORDED = "worktree_unrecorded"
BRANCH_MISSING = "branch_missing"
INDEX_LOCK = "index_lock"
REPO_MOVED = "repo_moved"
RULES_UNREADABLE = "rules_unreadable"  # the inbox's lists: every request asks a person meanwhile
KINDS = (
    ORPHAN_KILLED,
    WORKTREE_MISSING,
    WORKTREE_UNRECORDED,
    BRANCH_MISSING,
    INDEX_LOCK,
    REPO_MOVED,
    RULES_UNREADABLE,
)

# The kinds a repair can fix without losing anything; the rest need the person's decision.
REPAIRABLE = (WORKTREE_MISSING, BRANCH_MISSING, INDEX_LOCK, WORKTREE_UNRECORDED)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found out of step after a crash or a hand edit, and how to repair it."""

    kind: str
    task_id: str | None
    project: str | None
    path: str | None
    message: str
    repair: str  # the command that repairs it
    needs_decision: bool = True

    def to_json(self) -> dict[str, Any]:
        """Return the finding as the JSON object `orchard doctor --json` prints."""
        return asdict(self)

    def matches(self, target: str | None) -> bool:
        """Say whether `target` (None, 'all', a kind, a task id or prefix) names this finding."""
        if target in (None, "all", self.kind):
            return True
        assert target is not None
        return bool(self.task_id and self.task_id.startswith(target))


def orphan_finding(task: Task) -> Finding:
    """Return the finding for a task whose agent outlived its supervisor and was killed."""
    verb = "resume" if task.session_id else "retry"
    return Finding(
        ORPHAN_KILLED,
        task.id,
        task.project,
        task.worktree,
        f"task {task.short_id}'s agent was still running after Orchard died; it was "
        "stopped and the task marked interrupted (worktree and log kept, nothing committed)",
        f"orchard task {verb} {task.short_id}",
    )


@dataclass
class StartUp:
    """What starting Orchard found and did: a database rebuilt, faults found."""

    damaged: str | None = None  # SQLite's complaint, when the database was set aside
    moved_to: Path | None = None
    rebuilt: list[Task] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
