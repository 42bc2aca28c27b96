"""What the window and the command line ask of whichever process supervises the home.

One `Operations` object, whatever answers: the background service over the local API, or
(the demo window, a command run with no service) this process itself, through the same JSON.
A refusal arrives as `Refused`, one line with what it carries for the person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, Any

from app.client.errors import Refused, ServiceError
from app.core.landing import Dropped, LandCheck, LandResult, PullRequest
from app.core.task import Comment, Project, Task
from app.core.wire import decode

if TYPE_CHECKING:
    from app.client.connection import ServiceClient
    from app.client.link import ServiceLink

Envelope = dict[str, Any]
Call = Callable[[str, dict[str, Any]], Awaitable[Envelope]]
DropChoice = bool | Collection[int]


def link_call(link: ServiceLink) -> Call:
    """Return the call that asks the service through the window's async link."""

    async def call(name: str, params: dict[str, Any]) -> Envelope:
        try:
            reply = await link.request("POST", f"/v1/do/{name}", params)
        except ServiceError as exc:
            return _refusal_of(exc)
        return {"value": reply["value"]}

    return call


def client_call(client: ServiceClient) -> Call:
    """Return the call that asks the service through the command line's small client."""

    async def call(name: str, params: dict[str, Any]) -> Envelope:
        try:
            reply = await asyncio.to_thread(client.request, "POST", f"/v1/do/{name}", params)
        except ServiceError as exc:
            return _refusal_of(exc)
        return {"value": reply["value"]}

    return call


def _refusal_of(exc: ServiceError) -> Envelope:
    if exc.reply is not None and "kind" in exc.reply:
        return exc.reply
    raise exc


class Operations:
    """Tasks, comments, follow-ups and landing, asked of the process that supervises them."""

    def __init__(self, call: Call) -> None:
        self._call = call

    async def do(self, operation: str, hint: Any = Any, /, **params: Any) -> Any:
        """Perform `operation`; return its value read as `hint`, or raise Refused."""
        envelope = await self._call(operation, _plain(params))
        if "error" in envelope:
            detail = decode(envelope.get("detail") or {})
            raise Refused(str(envelope["error"]), str(envelope.get("kind", "")), detail)
        return decode(envelope.get("value"), hint)

    # tasks

    async def new_tasks(
        self,
        project: str,
        prompt: str,
        agent: str = "codex",
        title: str | None = None,
        base: str | None = None,
        attempts: int = 1,
    ) -> list[Task]:
        """Queue a task, or `attempts` attempts of one prompt; the supervisor starts them."""
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
            )
        )

    async def start_now(self, ids: list[str]) -> None:
        """Start these queued tasks at once, even past the parallel limit."""
        await self.do("tasks.start_now", ids=list(ids))

    async def add_project(
        self,
        path: str,
        name: str | None = None,
        base: str | None = None,
        setup: str | None = None,
        test: str | None = None,
    ) -> Project:
        """Register a git repository as a project."""
        found: Project = await self.do(
            "project.add", Project, path=path, name=name, base=base, setup=setup, test=test
        )
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

    # landing

    async def check_land(self, ref: str, into: str | None = None) -> LandCheck:
        """Say what landing a task would do, and what is in its way."""
        found: LandCheck = await self.do("land.check", LandCheck, ref=ref, into=into)
        return found

    async def land(
        self,
        ref: str,
        strategy: str = "merge",
        into: str | None = None,
        cleanup: bool = False,
        run_tests: bool = True,
        drop_comments: DropChoice = False,
    ) -> LandResult:
        """Land a task by merge, squash or rebase; raise Refused (kind LandRefused) if not."""
        found: LandResult = await self.do(
            "land.run",
            LandResult,
            ref=ref,
            strategy=strategy,
            into=into,
            cleanup=cleanup,
            run_tests=run_tests,
            drop_comments=drop_comments,
        )
        return found

    async def open_pull_request(
        self,
        ref: str,
        remote: str = "origin",
        base: str | None = None,
        repo: str | None = None,
        api_url: str | None = None,
        draft: bool = False,
        github_token: str | None = None,
        drop_comments: DropChoice = False,
    ) -> PullRequest:
        """Push a task's branch and open (or find) its pull request."""
        found: PullRequest = await self.do(
            "pr.open",
            PullRequest,
            ref=ref,
            remote=remote,
            base=base,
            repo=repo,
            api_url=api_url,
            draft=draft,
            github_token=github_token,
            drop_comments=drop_comments,
        )
        return found


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Return the parameters as JSON types (a set of comment ids becomes a sorted list)."""
    return {
        k: sorted(v) if isinstance(v, set | frozenset | tuple) else v for k, v in params.items()
    }
