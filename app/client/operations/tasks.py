"""Operations on tasks: queue, read, stop, retry, resume, discard, restore, comments, drops."""

from __future__ import annotations

from collections.abc import Collection

from app.client.operations.calls import Asker
from app.core.budget import Caps
from app.core.landing import Dropped
from app.core.task import Comment, CommentThread, Task

DropChoice = bool | Collection[int]


class TaskOperations(Asker):
    """Tasks, their review comments and follow-ups."""

    async def new_tasks(
        self,
        project: str,
        prompt: str,
        agent: str = "codex",
        title: str | None = None,
        base: str | None = None,
        attempts: int = 1,
        anyway: bool = False,
        caps: Caps | None = None,
    ) -> list[Task]:
        """Queue a task, or `attempts` attempts of one prompt; the supervisor starts them.

        Raise Refused (AgentMissing unless `anyway`, PromptTooLong) if the agent could not
        start it; nothing is made then.
        """
        return list(
            await self.do(
                "tasks.new",
                list[Task],
                project=project,
                prompt=prompt,
                agent=agent,
                title=title,
                base=base,
                attempts=attempts,
                anyway=anyway,
                budget_tokens=caps.tokens if caps else None,
                budget_usd=caps.usd if caps else None,
                budget_minutes=caps.minutes if caps else None,
            )
        )

    async def start_now(self, ids: list[str]) -> None:
        """Start these queued tasks at once, even past the parallel limit."""
        await self.do("tasks.start_now", ids=list(ids))

    async def tasks(self, project: str | None = None) -> list[Task]:
        """Return the tasks, newest first; only a project's if one is named."""
        found: list[Task] = await self.do("tasks.list", list[Task], project=project)
        return found

    async def task(self, ref: str) -> Task:
        """Return one task, by id or unique prefix."""
        found: Task = await self.do("task.get", Task, ref=ref)
        return found

    async def stop(self, ref: str) -> Task:
        """Stop a task's agent; return the task once it has stopped."""
        found: Task = await self.do("task.stop", Task, ref=ref)
        return found

    async def retry(self, ref: str) -> Task:
        """Queue a finished task again from its start."""
        found: Task = await self.do("task.retry", Task, ref=ref)
        return found

    async def resume(self, ref: str) -> tuple[Task, bool]:
        """Queue an interrupted task again; say whether it resumes its agent's session."""
        found: tuple[Task, bool] = await self.do("task.resume", tuple[Task, bool], ref=ref)
        return found

    async def discard(
        self, ref: str, force: bool = False, drop_comments: DropChoice = False
    ) -> Task:
        """Discard a task's worktree and branch (archived first: it can be restored)."""
        found: Task = await self.do(
            "task.discard", Task, ref=ref, force=force, drop_comments=drop_comments
        )
        return found

    async def restore(self, ref: str) -> Task:
        """Bring a discarded task back from its archive."""
        found: Task = await self.do("task.restore", Task, ref=ref)
        return found

    # review comments and follow-ups

    async def comments(self, ref: str, open_only: bool = False) -> list[Comment]:
        """Return a task's review comments, oldest first; only the unsent ones if asked."""
        found: list[Comment] = await self.do(
            "comments.list", list[Comment], ref=ref, open_only=open_only
        )
        return found

    async def comment_threads(self, ref: str) -> list[CommentThread]:
        """Return every comment of a task, oldest first, each with its agent's answer if any."""
        found: list[CommentThread] = await self.do("comments.threads", list[CommentThread], ref=ref)
        return found

    async def check_unsent(self, ref: str, verb: str, drop_comments: DropChoice = False) -> None:
        """Raise Refused (UnsentComments) if `verb` would leave review comments unsent."""
        await self.do("comments.check_unsent", ref=ref, verb=verb, drop_comments=drop_comments)

    async def add_comment(
        self, ref: str, path: str, line: int, text: str, side: str = "new", quote: str = ""
    ) -> Comment:
        """Record a comment on a line of a task's diff."""
        found: Comment = await self.do(
            "comment.add",
            Comment,
            ref=ref,
            path=path,
            line=line,
            text=text,
            side=side,
            quote=quote,
        )
        return found

    async def delete_comment(self, comment_id: int) -> None:
        """Forget an unsent comment."""
        await self.do("comment.delete", id=comment_id)

    async def send_followup(self, ref: str, text: str = "") -> Task:
        """Send the unsent comments and `text` to the agent as its next turn."""
        found: Task = await self.do("followup.send", Task, ref=ref, text=text)
        return found

    async def drop_change(self, ref: str, path: str, hunk: int | None = None) -> Dropped:
        """Undo one hunk (from 1) or all of a file's change in a task, as its own commit."""
        found: Dropped = await self.do("change.drop", Dropped, ref=ref, path=path, hunk=hunk or 0)
        return found

    async def undo_drop(self, ref: str) -> str:
        """Bring back the latest dropped part of a task's change; return the commit."""
        return str(await self.do("change.undo_drop", str, ref=ref))
