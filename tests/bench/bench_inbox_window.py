"""Needs you in the window: benchmark. Not run as a test.

    uv run python tests/bench/bench_inbox_window.py [--agents 20] [--rounds 5]

A window of a real service (another process), as `orchard` opens it, offscreen. The service
runs `--agents` shell tasks; each round, every one of their helpers asks at once through the
inbox's door (as Claude Code's permission tool does) and waits. Prints, each beside a baseline
from the same run (median and p99 over every ask of every round):

- request -> the item shown in the window's Needs-you list, against the same request -> the
  item in `orchard inbox --follow`'s feed (door_follow), followed at the same time;
- all of them selected and answered with one key in the window -> every agent has its reply,
  against `orchard answer` of all of them at once (through the door).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["ORCHARD_SERVICE"] = "on"

import qasync  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.client import door_follow, door_request, stop_service  # noqa: E402
from app.core.inbox import Answer, Verdict  # noqa: E402
from app.core.states import TaskState  # noqa: E402
from app.core.wire import encode  # noqa: E402
from app.services.config import Home  # noqa: E402
from app.services.orchard import Orchard  # noqa: E402
from tests.conftest import make_repo  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _line(name: str, values: list[float], base_name: str, base: list[float]) -> None:
    ms, bms = [v * 1000 for v in values], [v * 1000 for v in base]
    print(
        f"{name:<34} p50 {statistics.median(ms):8.1f} ms  p99 {_pct(ms, 0.99):8.1f} ms"
        f"   | {base_name:<28} p50 {statistics.median(bms):8.1f} ms  p99 {_pct(bms, 0.99):8.1f} ms"
    )


def _request(task_id: str, n: int) -> dict[str, object]:
    command = f"make check-{n}"
    request = {"tool_name": "Bash", "input": {"command": command}, "tool_use_id": f"u{n}"}
    return {"op": "claude", "task": task_id, "request": request}


async def _round(window, inbox, home: Path, ids: list[str], by_window: bool, seen: dict) -> tuple:
    """Have every agent ask; return (shown in window, shown in feed, answered) in seconds."""
    view = inbox.view
    sent: dict[str, float] = {}
    shown: dict[str, float] = {}
    seen.clear()
    view.model.rowsInserted.connect(
        lambda _p, first, last: [
            shown.setdefault(view.model.ask(r).task_id, time.perf_counter())
            for r in range(first, last + 1)
        ]
    )
    jobs = []
    for n, task_id in enumerate(ids):
        sent[task_id] = time.perf_counter()
        jobs.append(asyncio.ensure_future(door_request(home, _request(task_id, n))))
    while len(shown) < len(ids) or len(seen) < len(ids):
        await asyncio.sleep(0.001)
    view.model.rowsInserted.disconnect()
    started = time.perf_counter()
    if by_window:
        view.list.setFocus()
        view.list.selectAll()
        QTest.keyClick(view.list, Qt.Key.Key_A)
    else:
        items = [i["id"] for i in (await door_request(home, {"op": "list"}))["items"]]
        answer = encode(Answer(Verdict.ALLOW))  # as `orchard answer ID... --allow` sends it
        await door_request(home, {"op": "answer", "ids": items, "answer": answer})
    await asyncio.gather(*jobs)
    answered = time.perf_counter() - started
    while view.model.rowCount():
        await asyncio.sleep(0.005)
    return (
        [shown[t] - sent[t] for t in ids],
        [seen[t] - sent[t] for t in ids],
        answered,
    )


async def _follow(home: Path, seen: dict) -> None:
    async for items in door_follow(home):
        now = time.perf_counter()
        for item in items:
            seen.setdefault(item["task_id"], now)


async def main(agents: int, rounds: int) -> None:
    from app.main import build_service_window
    from app.qt.inbox import InboxController

    tmp = Path(tempfile.mkdtemp(prefix="bench-inbox-window-"))
    home = tmp / "home"
    home.mkdir()
    (home / "config.toml").write_text(f"[settings]\nparallel = {agents}\n")
    repo = make_repo(tmp / "repo")
    orchard = Orchard(Home(home))
    await orchard.add_project(str(repo), "bench")
    orchard.close()
    window, controller = build_service_window(Home(home))
    runner = asyncio.ensure_future(controller.run())
    try:
        [inbox] = [t for t in controller.tools if isinstance(t, InboxController)]
        ids = []
        for _ in range(agents):
            [task] = await controller.ops.new_tasks("bench", "sleep 600", agent="shell")
            ids.append(task.id)
        while not all((t := controller.tasks.get(i)) and t.state is TaskState.RUNNING for i in ids):
            await asyncio.sleep(0.05)
        seen: dict[str, float] = {}
        follower = asyncio.ensure_future(_follow(home, seen))
        window_shown, feed_shown, by_window, by_door = [], [], [], []
        for n in range(rounds * 2):
            shown, fed, answered = await _round(window, inbox, home, ids, n % 2 == 0, seen)
            window_shown += shown
            feed_shown += fed
            (by_window if n % 2 == 0 else by_door).append(answered)
        follower.cancel()
        print(f"{agents} agents asking at once, {rounds} rounds each way")
        _line("request -> shown in the window", window_shown, "-> in inbox --follow", feed_shown)
        _line(f"answer {agents} with one key (window)", by_window, "orchard answer (door)", by_door)
        for task_id in ids:
            await controller.ops.stop(task_id)
    finally:
        controller.close()
        await runner
        stop_service(home, force=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(args.agents, args.rounds))
