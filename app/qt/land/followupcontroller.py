"""Follow-ups from the main window: the composer under the log, and file rows opening diffs."""

from __future__ import annotations

from collections.abc import Callable

from app.client import Refused
from app.core.states import LANDABLE_STATES, STATE_LABELS, TaskState
from app.core.task import Task
from app.qt.shell import WindowHost


def refusal(task: Task) -> str:
    """Return why `task` cannot take a follow-up now, or "" if it can."""
    if task.state in LANDABLE_STATES:
        return ""
    if task.state in (TaskState.MERGED, TaskState.DISCARDED):
        return f"{STATE_LABELS[task.state]}: retry or start a new task to go on"
    return f"{STATE_LABELS[task.state]}: follow up once this turn ends"


class FollowUpController:
    """Points the log's composer at the shown task and sends what it says, errors inline."""

    def __init__(self, main: WindowHost, review_at: Callable[[str, str], None]) -> None:
        self.main, self._review_at = main, review_at
        self.composer = main.window.log.composer
        self._aimed: str | None = None  # the task whose comments were last counted
        self._token = 0
        self.composer.send_requested.connect(self._on_composer_send_requested)
        main.window.log.file_activated.connect(self._on_log_file_activated)
        main.window.board.selection_changed.connect(lambda _ids: self.aim())
        main.task_listeners.append(lambda _tasks: self.aim())
        self.aim()

    def focus(self) -> None:
        """Put the cursor in the composer (the Follow up action), or say why not."""
        task = self.main.shown_task()
        if task is None or refusal(task):
            self.main.say("Select a finished task to follow up on", error=True)
            return
        self.composer.focus()

    def aim(self) -> None:
        """Address the composer to the shown task as it now is."""
        task = self.main.shown_task()
        self.composer.set_target(task.agent if task else None, refusal(task) if task else "")
        tid = task.id if task and not refusal(task) else None
        if tid != self._aimed:
            self._aimed, self._token = tid, self._token + 1
            self.composer.set_comments(0)
            if tid is not None:
                self.main.spawn(self._count_comments(tid, self._token))

    async def _count_comments(self, task_id: str, token: int) -> None:
        comments = await self.main.ops.comments(task_id, open_only=True)
        if token == self._token:
            self.composer.set_comments(len(comments))

    async def send(self, task_id: str, text: str) -> None:
        """Send `text` and the open comments to the task's agent as its next turn."""
        try:
            task = await self.main.ops.send_followup(task_id, text)
        except Refused as exc:
            self.composer.show_error(str(exc))
            return
        self.composer.sent()
        self._aimed = None  # its comments went with it: count them again
        self.main.refresh_task(task)
        self.main.say(f"Sent to {task.agent}; task {task.short_id} is queued for its next turn")

    def _on_composer_send_requested(self, text: str) -> None:
        task = self.main.shown_task()
        if task is not None:
            self.main.spawn(self.send(task.id, text))

    def _on_log_file_activated(self, path: str) -> None:
        task = self.main.shown_task()
        if task is None:
            return
        root = task.worktree.rstrip("/") + "/"
        self._review_at(task.id, path[len(root) :] if path.startswith(root) else path)
