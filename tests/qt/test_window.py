"""The whole window over a real Orchard: dialog, board, log, stop, filter, restart, demo."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest

from app.core.states import ENDED_STATES, TaskState
from app.services.config.settings import Home
from app.services.orchard import Orchard
from tests.conftest import git, make_repo, process_alive
from tests.qt.conftest import run, until

pytestmark = pytest.mark.timeout(180)


class Session:
    """A window and controller over `home`, run as the app runs them."""

    def __init__(self, home: Path) -> None:
        from app.client import Operations
        from app.qt.window import build_window
        from app.server.operations import local_call

        self.orchard = Orchard(Home(home))
        ops = Operations(local_call(self.orchard))
        self.window, self.controller = build_window(self.orchard, ops)
        self.window.show()
        self.runner = asyncio.ensure_future(self.controller.run())

    async def close(self) -> None:
        self.controller.close()
        await self.runner
        self.orchard.close()
        self.window.deleteLater()

    def task(self, task_id: str) -> Any:
        return self.controller._tasks.get(task_id)


def group_of(s: Session, task_id: str) -> str | None:
    """Return the title of the board group showing `task_id`, as the model has it."""
    from app.qt.board.model import GROUPS, BoardGroup

    index = s.window.board.board_model.index_of(task_id)
    if not index.isValid():
        return None
    return GROUPS[BoardGroup(index.parent().row())][0]


def visible_task_ids(s: Session) -> set[str]:
    """Return the ids of the tasks the filtered board shows."""
    from app.qt.board.model import TASK_ID_ROLE

    proxy, out = s.window.board.filter_model, set()
    for g in range(proxy.rowCount()):
        group = proxy.index(g, 0)
        out |= {proxy.index(r, 0, group).data(TASK_ID_ROLE) for r in range(proxy.rowCount(group))}
    return out


async def _launch_from_dialog(s: Session, prompt: str) -> str:
    from app.qt.board.newtask import NewTaskDialog

    s.controller.projects.new_task()
    dialog = await until(lambda: next(iter(s.window.findChildren(NewTaskDialog)), None))
    dialog.agent.setCurrentText("shell")
    dialog.prompt.setPlainText(prompt)
    dialog.title.setText("Dialog task")
    dialog._on_buttons_accepted()
    return await until(
        lambda: next(
            (t.id for t in s.controller._tasks.values() if t.title == "Dialog task"), None
        ),
        what="task created",
    )


def test_dialog_task_runs_and_is_ready_for_review(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = Session(tmp_path / "home")
        await s.orchard.add_project(str(repo))
        prompt = "for i in 1 2 3; do echo line-$i; sleep 0.4; done; echo done > out.txt"
        task_id = await _launch_from_dialog(s, prompt)
        await until(lambda: group_of(s, task_id) == "Running", what="running")
        await until(lambda: s.task(task_id).state is TaskState.SUCCEEDED, what="success")
        await until(lambda: group_of(s, task_id) == "Ready for review")
        sent = s.controller.notifier.sent
        await until(lambda: sent, what="the notification (after its batch)")
        assert sent[-1] == ("Task finished", "Dialog task")
        s.window.board.select_task(task_id)
        await until(
            lambda: any(
                "line-3" in s.window.log.row_text(i) for i in range(s.window.log.row_count())
            ),
            what="log lines",
        )
        await s.close()

    run(loop, scenario)


def test_stop_kills_the_process_tree(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = Session(tmp_path / "home")
        await s.orchard.add_project(str(repo))
        task_id = await _launch_from_dialog(
            s, "echo $$ > agent.pid; sleep 60 & echo $! > child.pid; wait"
        )
        wt = Path(s.orchard.task(task_id).worktree)
        await until(lambda: (wt / "child.pid").exists() and (wt / "agent.pid").exists())
        await asyncio.sleep(0.2)
        pids = [int((wt / n).read_text()) for n in ("agent.pid", "child.pid")]
        s.window.board.select_task(task_id)
        await until(lambda: s.window.header.buttons["stop"].isEnabled())
        s.window.header.buttons["stop"].click()
        await until(lambda: s.task(task_id).state is TaskState.STOPPED, what="stopped")
        assert s.controller.notifier.sent == []  # a stop the person asked for is no news
        for pid in pids:
            await until(lambda pid=pid: not process_alive(pid), what=f"pid {pid} dead")
        await s.close()

    run(loop, scenario)


def test_filter_and_restart_restore_board_and_selection(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def first() -> str:
        s = Session(tmp_path / "home")
        await s.orchard.add_project(str(repo))
        ids = []
        for title in ("Fix login", "Add search", "Fix logout"):
            [t] = await s.orchard.new_tasks("repo", "true", agent="shell", title=title)
            ids.append(t.id)
        await until(
            lambda: all(s.task(i) and s.task(i).state is TaskState.SUCCEEDED for i in ids),
            what="all done",
        )
        s.window.board.set_filter_text("fix")
        await until(lambda: visible_task_ids(s) == {ids[0], ids[2]})
        s.window.board.select_task(ids[2])
        await until(lambda: s.controller._shown == ids[2])
        await s.close()
        return ids[2]

    selected = loop.run_until_complete(first())

    async def second() -> None:
        s = Session(tmp_path / "home")
        await until(lambda: s.controller._shown == selected, what="selection restored")
        assert s.window.board.filter_text() == "fix"
        assert len(visible_task_ids(s)) == 2
        await s.close()

    run(loop, second)


def test_demo_runs_end_to_end(loop: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("ORCHARD_DEMO_PACE", "0.03")

    async def scenario() -> None:
        s = Session(tmp_path / "home")
        await s.controller.projects.try_demo()
        await until(lambda: len(s.controller._tasks) == 6)
        await until(
            lambda: all(t.state in ENDED_STATES for t in s.controller._tasks.values()),
            what="demo done",
        )
        tasks = {t.id: t for t in s.controller._tasks.values()}
        by_title: dict[str, list[Any]] = {}
        for task in tasks.values():
            by_title.setdefault(task.title, []).append(task)
            assert task.agent == "demo"
        # the one that fails on its first turn succeeds when retried
        [docs] = by_title["Document the cart"]
        assert docs.state is TaskState.FAILED
        await s.controller.ops.retry(docs.id)
        await until(lambda: s.task(docs.id).state is TaskState.SUCCEEDED, what="retried")
        # each task edits the files its prompt names; the three attempts write different code
        worktrees = {t.title: Path(t.worktree) for t in tasks.values()}
        assert "VAT_RATE" in (worktrees["Add VAT"] / "shop/cart.py").read_text()
        assert "round(" in (worktrees["Round the total"] / "shop/cart.py").read_text()
        assert (worktrees["Document the cart"] / "docs/cart.md").exists()
        helpers = {
            (Path(t.worktree) / "shop/pricing.py").read_text()
            for t in by_title["Add a discount helper"]
        }
        assert len(helpers) == 3
        [group] = s.window.board.board_model.attempt_groups()
        assert (
            s.window.board.board_model.rowCount(s.window.board.board_model.group_index(group)) == 3
        )
        # VAT and rounding change the same lines: the forecast says so before any merge
        from app.qt.land.forecastcontroller import ForecastController

        [forecaster] = [t for t in s.controller.tools if isinstance(t, ForecastController)]
        result = await forecaster.refresh()
        [vat], [rounding] = by_title["Add VAT"], by_title["Round the total"]
        assert rounding.id in {c.other for c in result.for_task(vat.id)}
        # and no build junk was committed for any of them
        for task in tasks.values():
            names = git(Path(task.worktree), "ls-tree", "-r", "--name-only", task.branch)
            assert "__pycache__" not in names and ".pyc" not in names
        await s.close()

    run(loop, scenario)


def test_raw_view_shows_a_json_agents_own_stream(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    home = tmp_path / "home"
    home.mkdir()
    fixture = Path(__file__).resolve().parent.parent / "data" / "codex_exec.jsonl"
    (home / "config.toml").write_text(
        f'[agents.replay]\nargv = ["cat", "{fixture}"]\nformat = "codex-jsonl"\n'
    )

    async def scenario() -> None:
        s = Session(home)
        await s.orchard.add_project(str(repo))
        [task] = await s.orchard.new_tasks("repo", "replay", agent="replay")
        await until(lambda: s.task(task.id) and s.task(task.id).state is TaskState.SUCCEEDED)
        s.window.board.select_task(task.id)
        log = s.window.log
        await until(lambda: any("All done." in log.row_text(i) for i in range(log.row_count())))
        s.window.actions["raw_log"].setChecked(True)
        await until(
            lambda: any(
                '"type":"thread.started"' in log.row_text(i) for i in range(log.row_count())
            ),
            what="raw JSON lines",
        )
        s.window.actions["raw_log"].setChecked(False)
        await until(lambda: not any('"type"' in log.row_text(i) for i in range(log.row_count())))
        await s.close()

    run(loop, scenario)


def test_search_all_logs_jumps_to_the_task(loop: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")

    async def scenario() -> None:
        s = Session(tmp_path / "home")
        await s.orchard.add_project(str(repo))
        [plain] = await s.orchard.new_tasks("repo", "echo nothing here", agent="shell")
        [needle] = await s.orchard.new_tasks(
            "repo",
            "echo zanzibar early; sleep 0.3; echo filler; sleep 0.3; echo the ZANZIBAR marker",
            agent="shell",
            title="needle",
        )
        await until(
            lambda: all(
                s.task(t.id) and s.task(t.id).state is TaskState.SUCCEEDED for t in (plain, needle)
            )
        )
        s.window.actions["search_logs"].trigger()
        search = s.controller.tools[0]
        panel = search.panel
        panel.query.setText("ZANZIBAR")
        panel.query.returnPressed.emit()
        await until(lambda: len(panel.hits()) >= 2, what="both hits")
        assert [head for head, _ in panel.results()] == ["needle — Ready for review  (2)"]
        [last] = [h for h in panel.hits() if "marker" in h[2]]
        panel.hit_activated.emit(last[0], last[1])
        await until(lambda: s.controller._shown == needle.id, what="jumped to the task")
        log = s.window.log
        await until(lambda: log.table.currentIndex().isValid(), what="a row selected")
        # the exact event, not the first row that mentions the word
        assert "ZANZIBAR marker" in log.row_text(log.table.currentIndex().row())
        assert panel.isVisible() and not panel.isFloating()  # docked beside the log, not over it
        await s.close()

    run(loop, scenario)


def test_settings_save_parallel_and_check_an_agent(loop: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        s = Session(tmp_path / "home")
        settings = s.controller.tools[1]
        s.window.actions["settings"].trigger()
        dialog = await until(lambda: settings.dialog)
        dialog.parallel_spin.setValue(7)
        dialog.check_requested.emit("shell")
        await until(lambda: "shell" in dialog._checks, what="agent checked")
        assert dialog._checks["shell"][1] is True
        dialog.accept()
        await until(lambda: s.orchard.settings.parallel == 7)
        assert "parallel = 7" in (tmp_path / "home" / "config.toml").read_text()
        assert s.orchard.supervisor.settings.parallel == 7
        await s.close()

    run(loop, scenario)


def test_settings_shows_every_agent_checked_on_open_and_saves_every_tab(
    loop: Any, tmp_path: Path
) -> None:
    async def scenario() -> None:
        s = Session(tmp_path / "home")
        settings = s.controller.tools[1]
        s.window.actions["settings"].trigger()
        dialog = await until(lambda: settings.dialog)
        tabs = [dialog.tabs.tabText(i).replace("&", "") for i in range(dialog.tabs.count())]
        assert tabs[:5] == ["Agents", "Triage", "Integrations", "Notifications", "Limits"]
        # installed or not, with the version, with no click: sh is installed, gemini is not
        await until(lambda: dialog._checks.get("shell", ("Checking…",))[0] != "Checking…")
        await until(lambda: dialog._checks.get("gemini", ("Checking…",))[0] != "Checking…")
        assert dialog._checks["shell"][1] is True and "sh" in dialog._checks["shell"][0]
        assert dialog._checks["gemini"][1] is False
        dialog.select_agent("shell")
        assert dialog.argv_edit.text() == "sh -c {prompt}"  # one line
        assert "{worktree}" in dialog.argv_hint.text()
        dialog.triage.categories_edit.setPlainText("bug\nux")
        dialog.triage.owners_edit.setPlainText("alice: ui, diff view")
        dialog.integrations.github_url_edit.setText("https://ghe.example/api/v3")
        dialog.integrations.llm_url_edit.setText("http://127.0.0.1:9/v1")
        dialog.integrations.llm_model_edit.setText("tiny")
        dialog.limits.memory_spin.setValue(512)
        dialog.notifications.boxes["failed"].setChecked(False)
        dialog.accept()
        await until(lambda: s.orchard.settings.min_free_memory_mb == 512, what="saved")
        text = (tmp_path / "home" / "config.toml").read_text()
        assert 'categories = ["bug", "ux"]' in text and "min_free_memory_mb = 512" in text
        assert s.orchard.settings.triage.owners == {"alice": "ui, diff view"}
        assert s.orchard.supervisor.settings.llm.model == "tiny"
        assert s.orchard.supervisor.settings.github_api_url == "https://ghe.example/api/v3"
        assert not s.controller.notifier.actions["failed"].isChecked()  # the menu follows
        await s.close()

    run(loop, scenario)


def test_progress_reaches_the_board_twice_a_second_and_a_state_change_at_once(
    loop: Any, tmp_path: Path
) -> None:
    from app.qt.board.model import BoardColumn
    from app.services.tasks.supervisor import TaskUpdated

    repo = make_repo(tmp_path / "repo")

    async def body() -> None:
        s = Session(tmp_path / "home")
        await s.orchard.add_project(str(repo))
        script = "for i in $(seq 1 40); do echo line $i; sleep 0.05; done"
        [task] = await s.orchard.new_tasks("repo", script, agent="shell", title="Chatty")
        model = s.window.board.board_model
        shown: list[tuple[float, str]] = []
        while group_of(s, task.id) != "Ready for review":
            await asyncio.sleep(0.01)
            cell = model.index_of(task.id, BoardColumn.EVENT).data() or ""
            running = group_of(s, task.id) == "Running"  # a new state brings its last line
            if running and cell.startswith("line") and (not shown or shown[-1][1] != cell):
                shown.append((loop.time(), cell))
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(shown)]
        assert len(shown) >= 2, shown
        assert min(gaps) >= 0.45, gaps  # the store has it four times a second

        # Within half a second of that progress, more progress waits; a new state does not.
        ended = s.task(task.id)
        await asyncio.sleep(0.6)  # the board's last update (the new state) is half a second old
        feed, tick = s.controller._on_supervisor_message, s.controller._on_timer_timeout
        feed(TaskUpdated(dataclasses.replace(ended, last_event="first")))
        tick()
        assert model.index_of(task.id, BoardColumn.EVENT).data() == "first"
        feed(TaskUpdated(dataclasses.replace(ended, last_event="second")))
        tick()
        assert model.index_of(task.id, BoardColumn.EVENT).data() == "first"
        feed(TaskUpdated(dataclasses.replace(ended, state=TaskState.FAILED, error="third")))
        tick()
        assert group_of(s, task.id) == "Failed / Stopped / Interrupted"
        assert model.index_of(task.id, BoardColumn.EVENT).data() == "third"
        await s.close()

    run(loop, body)
