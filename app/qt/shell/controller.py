"""The window's controller: owns every await, feeds the views, and acts on their requests."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QLabel, QMessageBox

from app.client import Operations, ServiceError
from app.client.logfiles import read_task_log
from app.core.events import Event
from app.core.messages import AlreadySupervised, Message, TaskOutput, TaskRawOutput, TaskUpdated
from app.core.profiles import OutputFormat
from app.core.states import ACTIVE_STATES, TaskState
from app.core.task import Task
from app.core.words import counted
from app.qt.confirm import confirm
from app.qt.shell.banner import outcome_text
from app.qt.shell.host import Supervised
from app.qt.shell.mainwindow import MainWindow
from app.qt.shell.notifier import NotifierController
from app.qt.shell.projectcontroller import ProjectController

if TYPE_CHECKING:
    from app.qt.shell.healthcontroller import HealthController
    from app.qt.shell.remote import RemoteSupervisor

log = logging.getLogger(__name__)
T = TypeVar("T")
FLUSH_MS = 50
# Running tasks' progress (last event, counts, usage) reaches the board at most this often;
# a task that appears or changes state gets there within FLUSH_MS. Every board update
# repaints its rows, which at 100 agents cost the loop more than the agents' output did.
PROGRESS_SECONDS = 0.5
POLL_MS = 2000  # how often tasks changed by another process (the CLI) are picked up


class WindowController:
    """Connects one Orchard to one window; the whole app runs as `run()` on Qt's loop."""

    def __init__(
        self,
        orchard: Supervised,
        ops: Operations,
        window: MainWindow,
        remote: RemoteSupervisor | None = None,
    ) -> None:
        self.orchard = orchard
        self.ops = ops  # every change goes through whichever process supervises the home
        self.window = window
        # A window of the service (the usual case) or, for the demo and the tests, one that
        # supervises its own agents and stops them when it closes.
        self.remote = remote
        self.settings = QSettings(str(orchard.home.root / "window.ini"), QSettings.Format.IniFormat)
        self._jobs: set[asyncio.Task[Any]] = set()  # strong refs: never collected mid-flight
        # Plain threads for blocking reads: qasync's QThread pool aborts the process if
        # one of its threads outlives the loop.
        self._io = ThreadPoolExecutor(max_workers=2, thread_name_prefix="orchard-io")
        self._pending: dict[str, Task] = {}
        self._progress_at = 0.0  # when progress last reached the board (time.monotonic)
        self._tasks: dict[str, Task] = {}
        self._shown: str | None = None
        self._loading: list[Event] | None = None
        self._log_token = 0
        self._log_job: asyncio.Task[None] | None = None
        self._raw_separate = False
        self._closed = asyncio.get_event_loop().create_future()
        self.notifier = NotifierController(window, self.settings, window.menu("View"), self.spawn)
        self._timer = QTimer(window)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._polling: asyncio.Future[None] | None = None
        self._poll = QTimer(window)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)
        self.tools: tuple[object, ...] = ()
        self._connected = False  # the service's board has streamed to this window
        self._lost = False  # the service went away and is being started again
        self._background = QLabel()
        if remote is not None:
            window.statusBar().addPermanentWidget(self._background)
        self.health: HealthController | None = None
        self.task_listeners: list[Callable[[list[Task]], None]] = []  # told of every change
        self._connect()
        self.projects = ProjectController(self)

    # wiring

    def _connect(self) -> None:
        w, a = self.window, self.window.actions
        w.board.selection_changed.connect(self._on_board_selection_changed)
        w.board.stop_requested.connect(self._on_board_stop_requested)
        w.board.retry_requested.connect(self._on_board_retry_requested)
        w.board.task_activated.connect(lambda _id: w.log.table.setFocus())
        w.header.stop_clicked.connect(lambda: self._on_board_stop_requested(self._shown_ids()))
        w.header.retry_clicked.connect(lambda: self._on_board_retry_requested(self._shown_ids()))
        a["stop"].triggered.connect(lambda: self._on_board_stop_requested(self._selection()))
        a["retry"].triggered.connect(lambda: self._on_board_retry_requested(self._selection()))
        a["raw_log"].toggled.connect(self._on_raw_log_toggled)
        w.log.mode_changed.connect(self._on_log_mode_changed)
        a["jump_latest"].triggered.connect(w.log.jump_to_latest)
        a["find"].triggered.connect(w.log.open_find)
        a["filter"].triggered.connect(w.board.focus_filter)
        w.close_requested.connect(self._on_window_close_requested)
        self.orchard.supervisor.subscribe(self._on_supervisor_message)

    async def off_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking call on Orchard's I/O threads."""
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run `coro` in the background; a failure shows in the status bar, never vanishes."""
        job = asyncio.ensure_future(coro)
        self._jobs.add(job)
        job.add_done_callback(self._on_job_done)
        return job

    def _on_job_done(self, job: asyncio.Task[Any]) -> None:
        self._jobs.discard(job)
        if job.cancelled() or job.exception() is None:
            return
        exc = job.exception()
        if isinstance(exc, ServiceError):  # a refusal: one line, fit to show as it is
            self.announce(str(exc))
        else:
            log.error("background job failed", exc_info=exc)
            self.announce(f"Something failed: {exc}")

    def say(self, text: str, error: bool = False) -> None:
        """Show a passing message in the status bar."""
        bar = self.window.statusBar()
        bar.setStyleSheet("color: #cf222e;" if error else "")
        bar.showMessage(text, 15000)

    def notify(self, summary: str, body: str, task_id: str) -> None:
        """Tell the desktop about one task (its Open action selects it), never taking focus."""
        self.spawn(self.notifier.tell(summary, body, task_id))

    def announce(self, text: str, tone: str = "error") -> None:
        """Show a result that matters in the banner, until the person dismisses it."""
        self.window.banner.show_message(text, tone)

    # the app's life

    async def run(self) -> None:
        """Supervise, or follow the service that does, until the window closes."""
        if not await self._take_home():
            return
        interrupted = await self.off_thread(self.orchard.supervisor.reconcile)
        if self.health is not None and self.remote is None:
            await self.health.recover()
        try:
            tasks = await self.ops.tasks()
        except ServiceError as exc:  # the board fills once the service answers; it is retried
            self.say(f"The Orchard service cannot start: {exc}", error=True)
            tasks = []
        self._tasks = {t.id: t for t in tasks}
        self.window.board.set_tasks(tasks)
        self._restore()
        self._update_placeholder()
        if interrupted:
            were = counted(len(interrupted), "task was", "tasks were")
            self.say(f"{were} interrupted when Orchard last stopped")
        self._timer.start()
        if self.remote is None:  # a window of the service hears of every change from it
            self._poll.start()
        self._note_background()
        # What was made to open the window lives as long as it: kept out of the
        # collector's full passes, which otherwise stall the loop ~70 ms at 100 agents.
        gc.freeze()
        if self.health is not None:
            # The board is up and answering; faults are found before any agent starts,
            # so no worktree is made while the check looks.
            await self.health.start()
        supervising = asyncio.ensure_future(self.orchard.supervisor.run(until_idle=False))
        try:
            await self._closed
        finally:
            gc.unfreeze()
            self._timer.stop()
            self._save()
            await self.orchard.supervisor.stop_all()
            supervising.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervising
            for job in list(self._jobs):
                job.cancel()
            self._io.shutdown(wait=True)

    async def _take_home(self) -> bool:
        """Start (or find) the service, or take the home's lock; False if the window can't."""
        if self.remote is not None:  # the board streams once the service answers
            self.remote.on_connection = self._on_remote_connection
            return True
        try:
            self.orchard.lock.acquire()
        except AlreadySupervised as exc:
            self.orchard.lock.request_focus()
            text = f"{exc}.\n\nIts window was asked to come to the front."
            QMessageBox.warning(self.window, "Orchard is already running", text)
            return False
        return True

    def _on_remote_connection(self, problem: str | None) -> None:
        if problem is None:
            if self._lost:
                self.say("Connected to the Orchard service again")
                self._reload_log()  # the shown log's stream went with the old service
            self._lost, self._connected = False, True
        elif self._connected:
            self.say(f"Lost the Orchard service ({problem}); starting it again…", error=True)
            self._lost, self._connected = True, False
        else:
            self.say(f"The Orchard service cannot start: {problem}", error=True)

    def _on_window_close_requested(self) -> None:
        running = [t for t in self._tasks.values() if t.state in ACTIVE_STATES]
        if self.remote is not None:
            if running:  # they run in the service: nothing to ask
                print(f"orchard: {_keep_running(len(running))}", file=sys.stderr)
            self.close()
            return
        if running and not confirm(
            self.window,
            "Quit Orchard",
            f"{counted(len(running), 'task is', 'tasks are')} running. Stop and quit?",
            "Stopped tasks keep their work and their logs, and can be retried.",
            "Stop and quit",
            "Keep working",
        ):
            return
        self.close()

    def close(self) -> None:
        """Close the window and end `run()`."""
        self._poll.stop()
        if self._polling is not None:
            self._polling.cancel()
        for tool in self.tools:
            stop = getattr(tool, "stop", None)
            if stop is not None:
                stop()
        self.notifier.close()
        self.window.allow_close = True
        self.window.close()
        if not self._closed.done():
            self._closed.set_result(None)

    # persistence

    def _save(self) -> None:
        s, w = self.settings, self.window
        s.setValue("geometry", w.saveGeometry())
        s.setValue("splitter", w.splitter.saveState())
        s.setValue("selected", self._shown or "")
        s.setValue("filter", w.board.filter_text())
        s.sync()

    def _restore(self) -> None:
        s, w = self.settings, self.window
        if s.value("geometry"):
            w.restoreGeometry(s.value("geometry"))
        if s.value("splitter"):
            w.splitter.restoreState(s.value("splitter"))
        w.board.set_filter_text(str(s.value("filter") or ""))
        selected = str(s.value("selected") or "")
        if selected in self._tasks:
            w.board.select_task(selected)

    # supervisor -> views

    def _on_supervisor_message(self, message: Message) -> None:
        if isinstance(message, TaskUpdated):
            self._pending[message.task.id] = message.task
        elif isinstance(message, TaskRawOutput) and message.task_id == self._shown:
            if self._raw_separate and self._loading is None:
                text = message.data.decode("utf-8", errors="replace")
                self.window.log.append_raw_text(message.task_id, text)
        elif isinstance(message, TaskOutput) and message.task_id == self._shown:
            if self._loading is not None:
                self._loading.extend(message.events)
            else:
                self.window.log.append(message.task_id, list(message.events))

    def _on_timer_timeout(self) -> None:
        if not self._pending:
            return
        now = time.monotonic()
        if now - self._progress_at < PROGRESS_SECONDS and not any(
            (known := self._tasks.get(t.id)) is None or known.state != t.state
            for t in self._pending.values()
        ):
            return  # only progress: it waits for its turn
        self._progress_at = now
        tasks, self._pending = list(self._pending.values()), {}
        for task in tasks:
            self.notifier.on_task_changed(self._tasks.get(task.id), task)
            if failed := outcome_text(self._tasks.get(task.id), task):
                self.announce(failed)
            self._tasks[task.id] = task
        self.window.board.update_tasks(tasks)
        for listener in self.task_listeners:
            listener(tasks)
        if self._shown in {t.id for t in tasks}:
            self.window.header.show_task(self._tasks[self._shown])
        self._update_placeholder()

    def _on_poll_timeout(self) -> None:
        if self._polling is None or self._polling.done():
            self._polling = asyncio.ensure_future(self._poll_store())

    async def _poll_store(self) -> None:
        """Pick up tasks another process added or changed (a command run with no service)."""
        stored = await self.ops.tasks()
        runs = self.orchard.supervisor.runs
        for task in stored:
            if self._tasks.get(task.id) != task and not runs(task.id):
                self._pending.setdefault(task.id, task)

    def _update_placeholder(self) -> None:
        self.window.board.show_placeholder(not self._tasks)
        self._note_background()

    def _note_background(self) -> None:
        """Say, while tasks run, that closing the window leaves them running."""
        if self.remote is None:
            return
        running = sum(t.state in ACTIVE_STATES for t in self._tasks.values())
        self._background.setText(_keep_running(running) if running else "")

    # selection and the log

    def _selection(self) -> list[str]:
        return self.window.board.selected_ids()

    def _shown_ids(self) -> list[str]:
        return [self._shown] if self._shown else []

    def _on_board_selection_changed(self, ids: list[str]) -> None:
        task_id = ids[0] if len(ids) == 1 else None
        if task_id == self._shown:
            return
        self._shown = task_id
        self.window.header.show_task(self._tasks.get(task_id) if task_id else None)
        self._log_token += 1
        if self._log_job is not None:
            self._log_job.cancel()  # arrowing through the board reads only the last log
            self._log_job = None
        if task_id is None:
            self.window.log.clear()
            if self.remote is not None:
                self.spawn(self.remote.unwatch())
            return
        self._log_job = self.spawn(self._load_log(task_id, self._log_token))

    def _reload_log(self) -> None:
        """Read the shown task's log again and follow it anew; a newer selection wins."""
        if self._shown is None:
            return
        self._log_token += 1
        if self._log_job is not None:
            self._log_job.cancel()
        self._log_job = self.spawn(self._load_log(self._shown, self._log_token))

    async def _load_log(self, task_id: str, token: int) -> None:
        """Read the task's stored log off the GUI thread; a newer selection wins."""
        self._loading = []
        if self.remote is not None:
            await self.remote.watch(task_id)  # its new events, then its log complete on disk
            if token != self._log_token:
                return
        else:
            self.orchard.supervisor.flush_log(task_id)
        task = self._tasks.get(task_id)
        profile = self.orchard.settings.profiles.get(task.agent) if task else None
        # Plain-text agents' raw lines are already in their events; JSON agents' raw
        # stream (the JSON itself) lives in raw.log.
        separate = profile is not None and profile.output is not OutputFormat.TEXT
        folder = self.orchard.home.logs / task_id
        events, raw = await self.off_thread(read_task_log, folder, separate)
        if token != self._log_token:
            return
        last = events[-1].get("seq", -1) if events else -1
        live, self._loading = self._loading or [], None
        events += [e for e in live if e.get("seq", last + 1) > last]
        self._raw_separate = separate
        self.window.log.show_task(task_id, events)
        if raw:
            self.window.log.append_raw_text(task_id, raw)

    @property
    def tasks(self) -> dict[str, Task]:
        """Return every task the window knows, by id."""
        return self._tasks

    def show_event(self, task_id: str, seq: int, text: str) -> None:
        """Select a task and, once its log is loaded, find `text` in it."""
        self.window.board.set_filter_text("")
        self.window.board.select_task(task_id)
        self.spawn(self._find_when_loaded(task_id, seq, text))

    async def _find_when_loaded(self, task_id: str, seq: int, text: str) -> None:
        if self._log_job is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._log_job)
        if self.window.log.task_id() == task_id:
            self.window.log.flush()
            if not self.window.log.show_event(seq):
                self.window.log.find(text)

    def _on_raw_log_toggled(self, raw: bool) -> None:
        self.window.log.set_mode("raw" if raw else "structured")

    def _on_log_mode_changed(self, mode: str) -> None:
        action = self.window.actions["raw_log"]
        action.blockSignals(True)  # the menu's tick follows the log's switch (per task)
        action.setChecked(mode == "raw")
        action.blockSignals(False)

    # actions

    def _on_board_stop_requested(self, ids: list[str]) -> None:
        for task_id in ids:
            self.spawn(self.ops.stop(task_id))

    def _on_board_retry_requested(self, ids: list[str]) -> None:
        for task_id in ids:
            self.spawn(self._retry(task_id))

    async def _retry(self, task_id: str) -> None:
        task = self._tasks.get(task_id)
        if task is None or task.state is not TaskState.INTERRUPTED:
            self.refresh_task(await self.ops.retry(task_id))
            return
        queued, resumed = await self.ops.resume(task_id)
        self.refresh_task(queued)  # an interrupted agent goes on in its own session if it can
        self.say(f"Resuming {queued.short_id} in its agent's own session" if resumed else "")

    def shown_task(self) -> Task | None:
        """Return the task whose log is shown, if any."""
        return self._tasks.get(self._shown) if self._shown else None

    def refresh_task(self, task: Task) -> None:
        """Show a task changed outside the supervisor (landed, discarded, restored)."""
        self._pending[task.id] = task
        self._on_timer_timeout()

    def show_new_tasks(self, tasks: list[Task]) -> None:
        """Show tasks just made; an update the supervisor already sent for one wins."""
        for task in tasks:
            self._pending.setdefault(task.id, task)
        self._on_timer_timeout()


def _keep_running(count: int) -> str:
    if count == 1:
        return "1 task keeps running in the background"
    return f"{count} tasks keep running in the background"
