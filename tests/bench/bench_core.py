"""Core benchmarks: task start overhead, log intake, JSONL ingest. Not run as tests.

    uv run python tests/bench/bench_core.py [--quick] [--only start,intake,ingest]

Each figure is measured against a baseline taken in the same run (the machines are shared
and noisy), as a median over several repetitions, and printed as one table:
figure, Orchard's value, the baseline's, their ratio, the goal, and whether it is met.

The Orchard side of the log-intake and end-to-end ingest figures runs in a child Python
process, so that its peak RSS is Orchard's own (the agents' memory is not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from app.core.profiles import OutputFormat
from app.core.states import TaskState
from app.services.agents import parser_for
from app.services.config.settings import Home
from app.services.orchard import Orchard
from app.services.repo import git as git_service
from app.services.store.logs import TaskLogWriter
from app.services.tasks.supervisor import Message, TaskUpdated

CHUNK = 256 * 1024
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}
FINAL_STATES = {
    TaskState.SUCCEEDED,
    TaskState.FAILED,
    TaskState.STOPPED,
    TaskState.NEEDS_INPUT,
    TaskState.INTERRUPTED,
}


@dataclass(frozen=True)
class Sizes:
    repo_files: int
    start_reps: int
    intake_tasks: int
    intake_lines: int
    intake_reps: int
    ingest_lines: int
    ingest_reps: int
    e2e_reps: int


FULL = Sizes(20_000, 7, 20, 500_000, 3, 1_000_000, 3, 2)
QUICK = Sizes(2_000, 3, 20, 20_000, 1, 100_000, 2, 1)


@dataclass
class Row:
    figure: str
    orchard: str
    baseline: str
    ratio: str
    goal: str
    result: str  # PASS, FAIL or "-" for context figures


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        self.rows.append(Row(*cells))

    def print(self) -> None:
        header = ("figure", "orchard", "baseline", "ratio", "goal", "result")
        table = [
            header,
            *((r.figure, r.orchard, r.baseline, r.ratio, r.goal, r.result) for r in self.rows),
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        line = "  ".join("-" * w for w in widths)
        print()
        for i, row in enumerate(table):
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                print(line)
        for note in self.notes:
            print(f"  * {note}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def rate(lines_per_s: float) -> str:
    return f"{lines_per_s / 1000:,.0f}k lines/s"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# fixtures


def git(cwd: Path | str, *args: str) -> str:
    """Run git quietly in `cwd` and return its stdout."""
    env = {**os.environ, **GIT_ENV}
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


def make_repo(path: Path, n_files: int) -> Path:
    """Create a repository of `n_files` small source-like files in one commit."""
    path.mkdir(parents=True)
    per_dir = 100
    for i in range(n_files):
        folder = path / "src" / f"pkg{i // per_dir:04d}"
        if i % per_dir == 0:
            folder.mkdir(parents=True)
        (folder / f"mod{i % per_dir:03d}.py").write_text(
            f'"""Module {i}."""\n\n\ndef f{i}(x):\n    return x * {i} + {i % 7}\n'
        )
    (path / "README.md").write_text("bench repository\n")
    git(path, "init", "--quiet", "-b", "main")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "initial")
    return path


def drop_worktree(repo: Path, worktree: str, branch: str) -> None:
    """Remove a worktree and its branch after a repetition."""
    subprocess.run(
        ["git", "worktree", "remove", "--force", worktree],
        cwd=repo,
        capture_output=True,
        check=False,
    )
    shutil.rmtree(worktree, ignore_errors=True)
    subprocess.run(["git", "worktree", "prune"], cwd=repo, capture_output=True, check=False)
    subprocess.run(["git", "branch", "-D", branch], cwd=repo, capture_output=True, check=False)


def child(mode: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run this script as `--child mode` and return the JSON it prints last."""
    argv = [sys.executable, __file__, "--child", mode, json.dumps(params)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"child {mode} failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """Return this process's own peak RSS (VmHWM), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StateClock:
    """Listens to the supervisor and notes when each task reaches each state."""

    def __init__(self) -> None:
        self.times: dict[tuple[str, TaskState], float] = {}
        self.changed = asyncio.Event()

    def __call__(self, message: Message) -> None:
        if isinstance(message, TaskUpdated):
            key = (message.task.id, message.task.state)
            self.times.setdefault(key, time.perf_counter())
            self.changed.set()

    def all_in(self, state: TaskState) -> list[float]:
        return [t for (_, s), t in self.times.items() if s is state]

    def finished(self) -> list[float]:
        return [t for (_, s), t in self.times.items() if s in FINAL_STATES]

    async def wait_for(self, task_id: str, state: TaskState) -> float:
        while (task_id, state) not in self.times:
            self.changed.clear()
            await self.changed.wait()
        return self.times[(task_id, state)]


# figure 1: start overhead


def bench_start(tmp: Path, sizes: Sizes, report: Report) -> None:
    say(f"[start] building a repository of {sizes.repo_files:,} files ...")
    t = time.perf_counter()
    repo = make_repo(tmp / "start-repo", sizes.repo_files)
    say(f"[start] repository built in {time.perf_counter() - t:.1f} s")
    home = tmp / "start-home"
    orchard_times, git_times = asyncio.run(_start_reps(repo, home, tmp, sizes.start_reps))
    own = statistics.median(t - w for t, w in zip(orchard_times, _INNER_ADD, strict=True))
    report.add(
        "start overhead inside one run (orchard - its own worktree add)",
        ms(own),
        ms(statistics.median(_INNER_ADD)),
        "-",
        "<= 300 ms",
        verdict(own <= 0.300),
    )
    o, b = statistics.median(orchard_times), statistics.median(git_times)
    overhead = o - b
    spread = [round((x - y) * 1000) for x, y in zip(orchard_times, git_times, strict=True)]
    report.add(
        f"start: 1 task, {sizes.repo_files:,} files (median of {sizes.start_reps})",
        ms(o),
        ms(b),
        f"{o / b:.2f}x",
        "-",
        "-",
    )
    report.add(
        "start overhead (orchard - git worktree add)",
        ms(overhead),
        "0 ms",
        "-",
        "<= 300 ms",
        verdict(overhead <= 0.300),
    )
    report.notes.append(
        f"start: per-rep orchard {[round(x * 1000) for x in orchard_times]} ms, "
        f"git {[round(x * 1000) for x in git_times]} ms, paired differences {spread} ms"
    )


async def _start_reps(
    repo: Path, home: Path, tmp: Path, reps: int
) -> tuple[list[float], list[float]]:
    orchard = Orchard(Home(home))
    orchard.lock.acquire()
    try:
        project = await orchard.add_project(str(repo), name="startbench")
        # one untimed round each, to warm the page cache and git's object access
        await _git_worktree_once(repo, tmp, "warm")
        git_service.add_worktree = _timed_add_worktree(git_service.add_worktree)
        await _orchard_start_once(orchard, project.name, repo)
        _INNER_ADD.clear()
        orchard_times, git_times = [], []
        for i in range(reps):
            sides = [
                ("git", lambda i=i: _git_worktree_once(repo, tmp, f"b{i}")),
                ("orchard", lambda: _orchard_start_once(orchard, project.name, repo)),
            ]
            if i % 2:
                sides.reverse()
            for name, run in sides:
                elapsed = await run()
                (git_times if name == "git" else orchard_times).append(elapsed)
            say(
                f"[start] rep {i + 1}/{reps}: orchard {orchard_times[-1] * 1000:.0f} ms, "
                f"git {git_times[-1] * 1000:.0f} ms"
            )
        return orchard_times, git_times
    finally:
        orchard.close()


async def _git_worktree_once(repo: Path, tmp: Path, name: str) -> float:
    path = tmp / "start-wt" / name
    path.parent.mkdir(exist_ok=True)
    branch = f"bench/{name}"
    await asyncio.to_thread(os.sync)  # let the last rep's writeback finish before timing
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        "git",
        "worktree",
        "add",
        "--quiet",
        "-b",
        branch,
        str(path),
        "HEAD",
        cwd=repo,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"git worktree add failed: {err.decode()}")
    await asyncio.to_thread(drop_worktree, repo, str(path), branch)
    return elapsed


# Time spent inside `git worktree add` during each timed Orchard start: the
# disk here makes a 20,000-file checkout vary by seconds between runs, so the
# overhead is also measured within one run, free of that noise.
_INNER_ADD: list[float] = []


def _timed_add_worktree(real: Any) -> Any:
    async def add(*args: Any, **kwargs: Any) -> None:
        t0 = time.perf_counter()
        try:
            await real(*args, **kwargs)
        finally:
            _INNER_ADD.append(time.perf_counter() - t0)

    return add


async def _orchard_start_once(orchard: Orchard, project: str, repo: Path) -> float:
    clock = StateClock()
    unsubscribe = orchard.supervisor.subscribe(clock)
    try:
        await asyncio.to_thread(os.sync)  # let the last rep's writeback finish before timing
        t0 = time.perf_counter()
        [task] = await orchard.new_tasks(project, "true", agent="shell", title="start bench")
        runner = asyncio.create_task(orchard.supervisor.run(parallel=1))
        running = await clock.wait_for(task.id, TaskState.RUNNING)
        await runner
    finally:
        unsubscribe()
    final = orchard.task(task.id)
    if final.state is not TaskState.SUCCEEDED:
        raise RuntimeError(f"start task ended {final.state}: {final.error}")
    await asyncio.to_thread(drop_worktree, repo, task.worktree, task.branch)
    return running - t0


# figure 2: log intake


def flood_command(lines: int) -> str:
    """Return the shell command an intake agent runs: `lines` lines as fast as it can."""
    code = (
        "import sys\n"
        "w = sys.stdout.write\n"
        f"for i in range({lines}):\n"
        "    w(f'line {i} of the agent output, some text here\\n')\n"
    )
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def bench_intake(tmp: Path, sizes: Sizes, report: Report) -> None:
    n, lines = sizes.intake_tasks, sizes.intake_lines
    repo = make_repo(tmp / "intake-repo", 50)
    command = flood_command(lines)
    walls, spawn_walls, base_walls, rss, idle_rss, kept_ok = [], [], [], [], [], True
    min_raw = min_events = lines
    for rep in range(sizes.intake_reps):
        out_dir = tmp / f"intake-base-{rep}"
        base = _intake_baseline(command, n, out_dir)
        base_lines = [_count_file_lines(p) for p in sorted(out_dir.iterdir())]
        shutil.rmtree(out_dir)
        if base_lines != [lines] * n:
            raise RuntimeError(f"baseline lost lines: {base_lines}")
        home = tmp / f"intake-home-{rep}"
        result = child(
            "intake",
            {"home": str(home), "repo": str(repo), "tasks": n, "command": command},
            timeout=1800,
        )
        raw_counts, event_counts = _count_task_logs(home, result["task_ids"])
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=repo, capture_output=True, check=False)
        ok = raw_counts == [lines] * n and event_counts == [lines] * n
        ok = ok and result["states"] == ["succeeded"] * n
        kept_ok = kept_ok and ok
        if not ok:
            say(
                f"[intake] lines lost or tasks failed: raw.log {raw_counts}, "
                f"events {event_counts}, states {result['states']}, errors {result['errors']}"
            )
        min_raw = min(min_raw, *raw_counts)
        min_events = min(min_events, *event_counts)
        walls.append(result["wall"])
        spawn_walls.append(result["from_first_spawn"])
        base_walls.append(base)
        rss.append(result["peak_rss_mb"])
        idle_rss.append(result["idle_rss_mb"])
        say(
            f"[intake] rep {rep + 1}/{sizes.intake_reps}: orchard {result['wall']:.2f} s "
            f"(from first spawn {result['from_first_spawn']:.2f} s, all spawned after "
            f"{result['spawn_spread']:.2f} s), baseline {base:.2f} s, "
            f"peak RSS {result['peak_rss_mb']:.0f} MB, lines ok {ok}"
        )
    w, s, b = (statistics.median(x) for x in (walls, spawn_walls, base_walls))
    label = f"{n} tasks x {lines:,} lines"
    report.add(
        f"log intake wall, {label} (median of {len(walls)})",
        secs(w),
        secs(b),
        f"{w / b:.2f}x",
        "<= 1.5x",
        verdict(w / b <= 1.5),
    )
    report.add(
        "log intake wall from first agent spawn",
        secs(s),
        secs(b),
        f"{s / b:.2f}x",
        "(context)",
        "-",
    )
    report.add(
        "log intake lines kept (min over tasks, raw.log / events)",
        f"{min_raw:,} / {min_events:,}",
        f"{lines:,}",
        "-",
        f"= {lines:,} in every task",
        verdict(kept_ok),
    )
    peak = max(rss)
    report.add(
        "log intake Orchard peak RSS (max over reps; baseline = idle)",
        f"{peak:.0f} MB",
        f"{max(idle_rss):.0f} MB",
        f"{peak / max(idle_rss):.2f}x",
        "< 300 MB",
        verdict(peak < 300),
    )
    report.notes.append(
        f"intake: orchard walls {[round(x, 2) for x in walls]} s, "
        f"baseline walls {[round(x, 2) for x in base_walls]} s, "
        f"peak RSS {[round(x) for x in rss]} MB"
    )


def _intake_baseline(command: str, n: int, out_dir: Path) -> float:
    out_dir.mkdir()
    files = [open(out_dir / f"{i:02d}.log", "wb") for i in range(n)]  # noqa: SIM115
    try:
        t0 = time.perf_counter()
        procs = [
            subprocess.Popen(
                ["sh", "-c", command],
                stdout=f,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            for f in files
        ]
        for p in procs:
            p.wait()
        return time.perf_counter() - t0
    finally:
        for f in files:
            f.close()


def _count_file_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def _count_task_logs(home: Path, task_ids: list[str]) -> tuple[list[int], list[int]]:
    """Count lines in each task's raw.log and in its stdout RAW events."""
    raw_counts, event_counts = [], []
    for task_id in task_ids:
        folder = home / "logs" / task_id
        raw_counts.append(_count_file_lines(folder / "raw.log"))
        lines = 0
        with open(folder / "events.jsonl", "rb") as f:
            for line in f:
                ev = orjson.loads(line)
                if ev["kind"] == "raw" and "stream" not in ev:
                    lines += ev.get("text", "").count("\n") + 1
        event_counts.append(lines)
    return raw_counts, event_counts


async def child_run_tasks(params: dict[str, Any]) -> dict[str, Any]:
    """Queue shell (or replay) tasks in a fresh home, run them all at once, time the run."""
    home = Path(params["home"])
    home.mkdir(parents=True, exist_ok=True)
    if params.get("config"):
        (home / "config.toml").write_text(params["config"])
    orchard = Orchard(Home(home))
    orchard.lock.acquire()
    try:
        project = await orchard.add_project(params["repo"], name="bench")
        agent = params.get("agent", "shell")
        ids = []
        for i in range(params["tasks"]):
            tasks = await orchard.new_tasks(
                project.name, params["command"], agent=agent, title=f"bench {i}"
            )
            ids.append(tasks[0].id)
        clock = StateClock()
        orchard.supervisor.subscribe(clock)
        idle = peak_rss_mb()
        t0 = time.perf_counter()
        await orchard.supervisor.run(parallel=params["tasks"])
        end = time.perf_counter()
        spawned = clock.all_in(TaskState.RUNNING)
        states = [str(orchard.task(i).state) for i in ids]
        errors = [orchard.task(i).error for i in ids]
        first = min(spawned) if spawned else end
        return {
            "task_ids": ids,
            "states": states,
            "errors": errors,
            "wall": end - t0,
            "from_first_spawn": end - first,
            "spawn_spread": (max(spawned) - first) if spawned else 0.0,
            "idle_rss_mb": idle,
            "peak_rss_mb": peak_rss_mb(),
        }
    finally:
        orchard.close()


# figure 3: JSONL ingest


def codex_lines(rng: random.Random) -> Iterator[bytes]:
    """Yield realistic codex `exec --json` lines: turns of commands, edits and messages."""
    words = (
        "the",
        "file",
        "test",
        "function",
        "update",
        "check",
        "error",
        "value",
        "module",
        "returns",
        "config",
        "import",
        "call",
        "list",
        "path",
        "should",
        "now",
        "fix",
    )

    def text(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    def dumps(obj: dict[str, Any]) -> bytes:
        return orjson.dumps(obj)

    item = 0
    yield dumps({"type": "thread.started", "thread_id": "01a20bbe-6e96-7e61-ae30-670507a4d183"})
    while True:
        yield dumps({"type": "turn.started"})
        for _ in range(rng.randint(3, 12)):
            item += 1
            iid = f"item_{item}"
            pick = rng.random()
            if pick < 0.45:
                cmd = f"/bin/bash -lc 'rg -n {rng.choice(words)} src | head -{rng.randint(5, 40)}'"
                started = {
                    "id": iid,
                    "type": "command_execution",
                    "command": cmd,
                    "aggregated_output": "",
                    "exit_code": None,
                    "status": "in_progress",
                }
                yield dumps({"type": "item.started", "item": started})
                output = "\n".join(
                    f"src/m{rng.randint(1, 99)}.py:{rng.randint(1, 400)}: "
                    + text(rng.randint(3, 12))
                    for _ in range(rng.randint(0, 8))
                )
                done = {
                    **started,
                    "aggregated_output": output,
                    "exit_code": rng.choice((0, 0, 0, 1)),
                    "status": "completed",
                }
                yield dumps({"type": "item.completed", "item": done})
            elif pick < 0.7:
                yield dumps(
                    {
                        "type": "item.completed",
                        "item": {
                            "id": iid,
                            "type": "reasoning",
                            "text": "**Thinking** " + text(rng.randint(8, 60)),
                        },
                    }
                )
            elif pick < 0.85:
                changes = [
                    {
                        "path": f"src/m{rng.randint(1, 99)}.py",
                        "kind": rng.choice(("update", "add", "delete")),
                    }
                    for _ in range(rng.randint(1, 3))
                ]
                yield dumps(
                    {
                        "type": "item.completed",
                        "item": {
                            "id": iid,
                            "type": "file_change",
                            "changes": changes,
                            "status": "completed",
                        },
                    }
                )
            elif pick < 0.93:
                todo = [
                    {"text": text(rng.randint(2, 6)), "completed": rng.random() < 0.5}
                    for _ in range(rng.randint(2, 5))
                ]
                yield dumps(
                    {
                        "type": "item.updated",
                        "item": {"id": iid, "type": "todo_list", "items": todo},
                    }
                )
            else:
                yield dumps(
                    {
                        "type": "item.completed",
                        "item": {
                            "id": iid,
                            "type": "agent_message",
                            "text": text(rng.randint(5, 80)),
                        },
                    }
                )
        yield dumps(
            {
                "type": "turn.completed",
                "usage": {
                    "input_tokens": rng.randint(1000, 90000),
                    "cached_input_tokens": 0,
                    "output_tokens": rng.randint(50, 3000),
                    "reasoning_output_tokens": 0,
                },
            }
        )


def make_jsonl(path: Path, n_lines: int) -> int:
    """Write `n_lines` codex lines (from a varied pool of 20,000) and return the byte count."""
    rng = random.Random(1234)
    pool: list[bytes] = []
    for line in codex_lines(rng):
        pool.append(line)
        if len(pool) >= min(20_000, n_lines):
            break
    with open(path, "wb") as f:
        for start in range(0, n_lines, len(pool)):
            f.write(b"\n".join(pool[: n_lines - start]) + b"\n")
    return path.stat().st_size


def ingest_orchard(path: Path, folder: Path, write: bool = True) -> tuple[float, int]:
    """Feed the file through the codex parser (and the log writer); return seconds, events."""
    parser = parser_for(OutputFormat.CODEX)
    writer = TaskLogWriter(folder)
    events = 0
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            evs = parser.feed(chunk)
            events += len(evs)
            if write:
                writer.write_raw(chunk)
                writer.write_events(evs)
        evs = parser.close()
        events += len(evs)
        if write:
            writer.write_events(evs)
    writer.close()
    return time.perf_counter() - t0, events


def ingest_plain(path: Path) -> tuple[float, int]:
    """Split the same chunks into lines and orjson.loads each; return seconds, lines."""
    loads, n, rest = orjson.loads, 0, b""
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            data = rest + chunk
            end = data.rfind(b"\n")
            rest = data[end + 1 :]
            for line in data[:end].split(b"\n"):
                loads(line)
                n += 1
    return time.perf_counter() - t0, n


def bench_ingest(tmp: Path, sizes: Sizes, report: Report) -> None:
    n = sizes.ingest_lines
    path = tmp / "codex.jsonl"
    size = make_jsonl(path, n)
    say(f"[ingest] {n:,} codex lines, {size / 1e6:.0f} MB")
    full, parse, plain = [], [], []
    for rep in range(sizes.ingest_reps):
        folder = tmp / f"ingest-{rep}"
        dt, events = ingest_orchard(path, folder)
        full.append(dt)
        lines_kept = _count_file_lines(folder / "raw.log")
        if lines_kept != n:
            raise RuntimeError(f"ingest raw.log holds {lines_kept} lines, not {n}")
        shutil.rmtree(folder)
        dt_parse, _ = ingest_orchard(path, folder, write=False)
        parse.append(dt_parse)
        shutil.rmtree(folder)
        dt_plain, counted = ingest_plain(path)
        plain.append(dt_plain)
        if counted != n:
            raise RuntimeError(f"plain ingest counted {counted} lines, not {n}")
        say(
            f"[ingest] rep {rep + 1}/{sizes.ingest_reps}: parser+writer {n / dt:,.0f}/s "
            f"({events:,} events), parser {n / dt_parse:,.0f}/s, orjson {n / dt_plain:,.0f}/s"
        )
    o, p, b = (n / statistics.median(x) for x in (full, parse, plain))
    report.add(
        f"JSONL ingest: codex parser + log writer, {n:,} lines",
        rate(o),
        rate(b),
        f"{o / b:.2f}x",
        ">= 300k lines/s",
        verdict(o >= 300_000),
    )
    report.add(
        "JSONL ingest: codex parser only", rate(p), rate(b), f"{p / b:.2f}x", "(context)", "-"
    )
    _bench_ingest_e2e(tmp, path, n, o, sizes, report)


def _bench_ingest_e2e(
    tmp: Path, path: Path, n: int, inproc: float, sizes: Sizes, report: Report
) -> None:
    repo = tmp / "intake-repo"
    if not repo.exists():
        repo = make_repo(tmp / "ingest-repo", 50)
    config = f'[agents.replay]\nargv = ["cat", {json.dumps(str(path))}]\nformat = "codex-jsonl"\n'
    rates, rss = [], []
    for rep in range(sizes.e2e_reps):
        home = tmp / f"e2e-home-{rep}"
        result = child(
            "tasks",
            {
                "home": str(home),
                "repo": str(repo),
                "tasks": 1,
                "command": "replay",
                "agent": "replay",
                "config": config,
            },
            timeout=1800,
        )
        raw_counts, _ = _count_task_logs(home, result["task_ids"])
        shutil.rmtree(home, ignore_errors=True)
        if raw_counts != [n] or result["states"] != ["succeeded"]:
            raise RuntimeError(f"e2e replay lost lines or failed: {raw_counts} {result}")
        rates.append(n / result["from_first_spawn"])
        rss.append(result["peak_rss_mb"])
        say(
            f"[ingest] e2e rep {rep + 1}: {rates[-1]:,.0f} lines/s, "
            f"run wall {result['wall']:.2f} s, peak RSS {result['peak_rss_mb']:.0f} MB"
        )
    e = statistics.median(rates)
    report.add(
        "JSONL ingest end to end: `cat` agent task (baseline = in-process)",
        rate(e),
        rate(inproc),
        f"{e / inproc:.2f}x",
        "(context)",
        "-",
    )
    report.notes.append(f"ingest e2e: Orchard peak RSS {[round(x) for x in rss]} MB")


# main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--only", default="start,intake,ingest", help="comma-separated figures")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "JSON"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        params = json.loads(args.child[1])
        print(json.dumps(asyncio.run(child_run_tasks(params))))
        return 0
    sizes = QUICK if args.quick else FULL
    figures: dict[str, Callable[[Path, Sizes, Report], None]] = {
        "start": bench_start,
        "intake": bench_intake,
        "ingest": bench_ingest,
    }
    chosen = [f.strip() for f in args.only.split(",") if f.strip()]
    report = Report()
    tmp = Path(tempfile.mkdtemp(prefix="orchard-bench-"))
    t0 = time.perf_counter()
    try:
        for name in chosen:
            figures[name](tmp, sizes, report)
    finally:
        with contextlib.suppress(Exception):
            report.print()
        shutil.rmtree(tmp, ignore_errors=True)
    say(
        f"\n{'quick' if args.quick else 'full'} run took {time.perf_counter() - t0:.0f} s "
        f"on {os.cpu_count()} cores"
    )
    return 0 if all(r.result != "FAIL" for r in report.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
