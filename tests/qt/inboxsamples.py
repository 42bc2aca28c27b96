"""Realistic waiting asks for the Needs-you tests and screenshots."""

from __future__ import annotations

from app.core.inbox import Ask, AskKind

DIFF = """--- a/src/config.py
+++ b/src/config.py
@@ -12,7 +12,8 @@ def load(path):
     with open(path) as f:
-        data = json.load(f)
+        data = json.load(f) or {}
+        data.setdefault("retries", 3)
     return Config(**data)
"""


def sample_asks(now: float) -> list[Ask]:
    """Return five waiting asks of four tasks, of every kind, one dangerous, oldest first."""
    tree = "/home/ana/.orchard/worktrees"
    return [
        Ask(
            "t1-1",
            "t1",
            "claude",
            AskKind.COMMAND,
            f"{tree}/t1",
            command="bash -lc 'npm test -- --watch=false'",
            tool="Bash",
            reason="Run the unit tests after the fix",
            asked_at=now - 312,
        ),
        Ask(
            "t2-1",
            "t2",
            "codex",
            AskKind.COMMAND,
            f"{tree}/t2",
            command="npm test -- src/auth",
            tool="commandExecution",
            reason="Check the auth tests still pass",
            asked_at=now - 190,
        ),
        Ask(
            "t3-1",
            "t3",
            "codex",
            AskKind.FILE_CHANGE,
            f"{tree}/t3",
            path="src/config.py",
            diff=DIFF,
            tool="fileChange",
            reason="Default the retries",
            asked_at=now - 95,
        ),
        Ask(
            "t4-1",
            "t4",
            "claude",
            AskKind.COMMAND,
            f"{tree}/t4",
            command="git reset --hard HEAD~3",
            tool="Bash",
            reason="Drop the three experimental commits",
            asked_at=now - 41,
            dangerous=True,
        ),
        Ask(
            "t1-2",
            "t1",
            "claude",
            AskKind.QUESTION,
            f"{tree}/t1",
            question="Which database should the migration target?",
            options=("PostgreSQL 16", "SQLite", "Both"),
            tool="AskUserQuestion",
            asked_at=now - 7,
        ),
    ]


TITLES = {
    "t1": "Fix the flaky login test",
    "t2": "Rotate session tokens on password change",
    "t3": "Retry config loads",
    "t4": "Clean up the experiment branch",
}
