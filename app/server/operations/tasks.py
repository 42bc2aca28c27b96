"""Operations on tasks: queue, read, stop, retry, resume, discard, restore, comment, follow up."""

from __future__ import annotations

import asyncio

from app.core.budget import Caps
from app.core.landing import Dropped
from app.core.task import Comment, CommentThread, Task
from app.server.operations.registry import (
    Params,
    drop_choice,
    flag,
    number,
    operation,
    optional_amount,
    optional_text,
    text,
)
from app.services.orchard import Orchard, UserError


@operation("tasks.new")
async def new_tasks(orchard: Orchard, params: Params) -> list[Task]:
    """Queue a task, or a best-of-N group of attempts; the supervisor starts them.

    Refused (AgentMissing, PromptTooLong) with nothing made if the agent could not start;
    `anyway` queues for an agent that is not installed yet.
    """
    return await orchard.new_tasks(
        text(params, "project"),
        text(params, "prompt"),
        text(params, "agent", "codex"),
        optional_text(params, "title"),
        optional_text(params, "base"),
        number(params, "attempts", 1),
        flag(params, "anyway"),
        _caps(params),
    )


def _caps(params: Params) -> Caps:
    tokens = optional_amount(params, "budget_tokens")
    return Caps(
        None if tokens is None else int(tokens),
        optional_amount(params, "budget_usd"),
        optional_amount(params, "budget_minutes"),
    )


@operation("tasks.start_now")
async def start_now(orchard: Orchard, params: Params) -> None:
    """Start these queued tasks at once, even past the parallel limit."""
    ids = params.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise UserError("the request needs 'ids' as a list of task ids")
    orchard.supervisor.start_now(ids)


@operation("tasks.list")
async def list_tasks(orchard: Orchard, params: Params) -> list[Task]:
    """Return the tasks, newest first; only a project's if one is named."""
    project = optional_text(params, "project")
    if project:
        orchard.store.project(project)  # an unknown project is an error, not an empty list
    return await asyncio.to_thread(orchard.store.tasks, project=project)  # off the agents' loop


@operation("task.get")
async def get_task(orchard: Orchard, params: Params) -> Task:
    """Return one task, by id or unique prefix."""
    return orchard.task(text(params, "ref"))


@operation("task.stop")
async def stop_task(orchard: Orchard, params: Params) -> Task:
    """Stop a task's agent; answer once it has stopped."""
    return await orchard.stop_task(text(params, "ref"))


@operation("task.retry")
async def retry_task(orchard: Orchard, params: Params) -> Task:
    """Queue a finished task again from its start."""
    return orchard.retry_task(text(params, "ref"))


@operation("task.resume")
async def resume_task(orchard: Orchard, params: Params) -> tuple[Task, bool]:
    """Queue an interrupted task again; say whether it resumes its agent's session."""
    return orchard.resume_task(text(params, "ref"))


@operation("task.discard")
async def discard_task(orchard: Orchard, params: Params) -> Task:
    """Discard a task's worktree and branch, archived first so it can be restored."""
    from app.services.land import archive

    ref, force = text(params, "ref"), flag(params, "force")
    return await archive.discard_task(orchard, ref, force, drop_choice(params))


@operation("task.restore")
async def restore_task(orchard: Orchard, params: Params) -> Task:
    """Bring a discarded task back from its archive."""
    from app.services.land import archive

    return await archive.restore_task(orchard, text(params, "ref"))


@operation("comments.list")
async def comments(orchard: Orchard, params: Params) -> list[Comment]:
    """Return a task's review comments, oldest first; only the unsent ones if asked."""
    task = orchard.task(text(params, "ref"))
    return orchard.store.comments(task.id, flag(params, "open_only"))


@operation("comments.threads")
async def comment_threads(orchard: Orchard, params: Params) -> list[CommentThread]:
    """Return every comment of a task, oldest first, each with the agent's answer if any."""
    from app.core.followup import comment_threads
    from app.services.store import read_turn_events

    task = orchard.task(text(params, "ref"))
    comments = orchard.store.comments(task.id)
    if not any(c.sent_at is not None for c in comments):
        return comment_threads(comments, [])  # nothing sent: no log to read
    path = orchard.home.logs / task.id / "events.jsonl"
    events = await asyncio.to_thread(read_turn_events, path)
    return comment_threads(comments, events)


@operation("comments.check_unsent")
async def check_unsent(orchard: Orchard, params: Params) -> None:
    """Refuse (UnsentComments) if an action would leave review comments unsent."""
    from app.services.land import comments_to_drop

    task = orchard.task(text(params, "ref"))
    comments_to_drop(orchard, task, drop_choice(params), text(params, "verb"))


@operation("comment.add")
async def add_comment(orchard: Orchard, params: Params) -> Comment:
    """Record a comment on a line of a task's diff, to be sent with the next follow-up."""
    from app.services.land import followup

    return await followup.add_comment(
        orchard,
        text(params, "ref"),
        text(params, "path"),
        number(params, "line"),
        text(params, "text"),
        text(params, "side", "new"),
        text(params, "quote", ""),
    )


@operation("comment.delete")
async def delete_comment(orchard: Orchard, params: Params) -> None:
    """Forget an unsent comment."""
    orchard.store.delete_comment(number(params, "id"))


@operation("followup.send")
async def send_followup(orchard: Orchard, params: Params) -> Task:
    """Send the unsent comments and a message to the agent as its next turn."""
    from app.services.land import followup

    return await followup.send_followup(orchard, text(params, "ref"), text(params, "text", ""))


@operation("change.drop")
async def drop_change(orchard: Orchard, params: Params) -> Dropped:
    """Undo one hunk (from 1) or all of a file's change in a task, as a commit of its own."""
    from app.services.land import drop_change

    hunk = number(params, "hunk", 0)
    return await drop_change(orchard, text(params, "ref"), text(params, "path"), hunk or None)


@operation("change.undo_drop")
async def undo_drop(orchard: Orchard, params: Params) -> str:
    """Bring back the latest dropped part of a task's change; return the commit that does."""
    from app.services.land import undo_drop

    return await undo_drop(orchard, text(params, "ref"))
