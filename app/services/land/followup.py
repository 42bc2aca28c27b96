"""Review comments and follow-up turns: a reviewer's remarks go back to the same agent."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Collection
from pathlib import Path, PurePosixPath

from app.core.events import one_line
from app.core.followup import DROP_TRAILER, compose_followup, merge_followups, unsent_count
from app.core.states import CLOSED_STATES, LIVE_STATES, TaskState, can_transition
from app.core.task import Comment, Task
from app.services.orchard import Orchard, UserError
from app.services.repo import git, worktree_present

SIDES = ("new", "old")
_REVERTS = re.compile(r"This reverts commit ([0-9a-f]{40})")
_DROP = re.compile(rf"^{DROP_TRAILER}: ", re.MULTILINE)
QUOTE_SCAN_BYTES = 8 << 20  # a line past this far into a file is not quoted
QUOTE_CHARS = 2000  # bytes of one line kept as its quote


async def add_comment(
    orchard: Orchard,
    ref: str,
    path: str,
    line: int,
    text: str,
    side: str = "new",
    quote: str = "",
) -> Comment:
    """Record an open comment on one line of a task's diff; quote that line if no quote is given."""
    task = orchard.task(ref)
    if task.state in CLOSED_STATES:
        raise UserError(f"task {task.short_id} is {task.state}; it takes no more comments")
    if not text.strip():
        raise UserError("the comment is empty; say what should change")
    if side not in SIDES:
        raise UserError(f"side must be 'new' or 'old', not '{side}'")
    if isinstance(line, bool) or not isinstance(line, int) or line < 1:
        raise UserError(f"line must be a number from 1 up, not {line!r}")
    rel = relative_path(path)
    if not quote:
        repo = orchard.store.project(task.project).path
        quote = await _quote_line(task, repo, rel, line, side)
    comment = Comment(task.id, rel, line, text.strip(), side, quote, time.time())
    return orchard.store.add_comment(comment)


def open_comments(orchard: Orchard, ref: str) -> list[Comment]:
    """Return the task's comments not yet sent to its agent, oldest first."""
    return orchard.store.comments(orchard.task(ref).id, open_only=True)


async def send_followup(orchard: Orchard, ref: str, text: str = "") -> Task:
    """Queue a follow-up turn carrying every open comment and `text` to the task's agent."""
    task = orchard.task(ref)
    _check_can_follow_up(task)
    comments = orchard.store.comments(task.id, open_only=True)
    if not comments and not text.strip():
        raise UserError(
            f"nothing to send to task {task.short_id}: add a comment or write a follow-up"
        )
    dropped = await drops_since(task, task.finished_at or 0.0)
    if dropped:
        note = "The reviewer dropped these parts of your change (each is a commit now):"
        text = "\n".join([note, *dropped, "", text]).strip()
    prompt = merge_followups(task.next_prompt, compose_followup(comments, text))
    # Queue first, then mark sent: a failure in between repeats a comment, never loses one.
    queued = orchard.store.update(
        task.id,
        state=TaskState.QUEUED,
        next_prompt=prompt,
        exit_code=None,
        error=None,
        stop_requested=False,
        finished_at=None,
    )
    orchard.store.mark_comments_sent([c.id for c in comments if c.id is not None], time.time())
    orchard.wake()
    return queued


async def drops_since(task: Task, since: float) -> list[str]:
    """Return a line per part the reviewer dropped after `since` (a time), for the agent."""
    return [
        f"- {subject} (commit {sha[:10]})"
        for sha, subject, when in await drop_commits(task)
        if when >= int(since)
    ]


async def drop_commits(task: Task) -> list[tuple[str, str, int]]:
    """Return the task's drop commits not since undone, oldest first: (sha, subject, time)."""
    if not worktree_present(task.worktree):
        return []
    log = await git.git(
        task.worktree, "log", "--format=%H%x00%ct%x00%s%x00%b%x1e",
        f"{task.base_commit}..HEAD", check=False,
    )  # fmt: skip
    reverted: set[str] = set()
    drops: list[tuple[str, str, int]] = []
    for record in log.text.split("\x1e"):
        parts = record.strip("\n").split("\0")
        if len(parts) != 4:
            continue
        sha, when, subject, body = parts
        reverted.update(_REVERTS.findall(body))
        if _DROP.search(body):
            drops.append((sha, subject, int(when)))
    return [d for d in reversed(drops) if d[0] not in reverted]


def _check_can_follow_up(task: Task) -> None:
    name, state = task.short_id, task.state
    if state in LIVE_STATES:
        raise UserError(f"task {name} is {state}; wait for it or stop it first")
    if state in CLOSED_STATES:
        raise UserError(f"task {name} is {state}; a follow-up needs a task that is not landed")
    if state is TaskState.QUEUED and task.next_prompt is None:
        raise UserError(f"task {name} has not started yet; nothing to follow up on")
    if state is not TaskState.QUEUED and not can_transition(state, TaskState.QUEUED):
        raise UserError(f"task {name} is {state}; it cannot take a follow-up")
    if not Path(task.worktree).is_dir():
        raise UserError(
            f"the worktree of task {name} is gone ({task.worktree}); "
            "restore it before sending a follow-up"
        )


def relative_path(path: str) -> str:
    """Return `path` as a clean path inside a worktree; refuse one that leaves it."""
    clean = PurePosixPath(path.strip())
    if not path.strip() or clean.is_absolute() or ".." in clean.parts:
        raise UserError(f"'{path}' is not a path inside the task's worktree")
    return str(clean)


async def _quote_line(task: Task, repo: str, path: str, line: int, side: str) -> str:
    try:
        if side == "new":
            found = await asyncio.to_thread(_read_line, Path(task.worktree) / path, line)
        else:
            data = (await git.git(repo, "show", f"{task.base_commit}:{path}")).stdout
            found = _line_in(data[:QUOTE_SCAN_BYTES], line)
    except (OSError, git.GitError):
        version = "the task's" if side == "new" else "the base"
        raise UserError(f"{path} is not in {version} version of task {task.short_id}") from None
    if isinstance(found, int):
        raise UserError(f"{path} has {found} lines; there is no line {line}")
    return found


def _read_line(file: Path, line: int) -> str | int:
    """Return line `line` of `file`'s first QUOTE_SCAN_BYTES, or how many lines those hold."""
    with file.open("rb") as f:
        return _line_in(f.read(QUOTE_SCAN_BYTES), line)


def _line_in(data: bytes, line: int) -> str | int:
    """Return line `line` of `data`, or how many lines it has when it is not there."""
    lines = data.splitlines()
    return _decode(lines[line - 1]) if line <= len(lines) else len(lines)


def _decode(raw: bytes) -> str:
    return raw[:QUOTE_CHARS].decode("utf-8", errors="replace")


class UnsentComments(UserError):
    """A land, a pull request or a discard would leave review comments unsent; nothing changed."""

    def __init__(self, task: Task, comments: list[Comment], verb: str) -> None:
        named = "; ".join(f"{c.where} “{one_line(c.text, 50)}”" for c in comments[:3])
        more = f" and {len(comments) - 3} more" if len(comments) > 3 else ""
        count = unsent_count(len(comments))
        super().__init__(
            f"task {task.short_id} has {count} ({named}{more}); send with "
            f"`orchard task followup {task.short_id}`, or {verb} without with --drop-comments"
        )
        self.task, self.comments = task, comments


def comments_to_drop(
    orchard: Orchard, task: Task, drop: bool | Collection[int], verb: str
) -> list[Comment]:
    """Return the open comments an action may go ahead without; raise UnsentComments if not.

    `drop` is True (the person said to drop them all), or the ids of the comments the person
    was shown and chose to drop: one added since then stops the action.
    """
    comments = orchard.store.comments(task.id, open_only=True)
    allowed = drop if isinstance(drop, bool) else {c.id for c in comments} <= set(drop)
    if comments and not allowed:
        raise UnsentComments(task, comments, verb)
    return comments


def drop_comments(orchard: Orchard, comments: list[Comment]) -> list[str]:
    """Record the comments as dropped (kept, never sent); return the note that says so."""
    if not comments:
        return []
    orchard.store.mark_comments_dropped([c.id for c in comments if c.id is not None], time.time())
    count = unsent_count(len(comments))
    return [f"dropped {count}: " + ", ".join(c.where for c in comments)]
