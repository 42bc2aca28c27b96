"""Tasks on a Ray cluster beside the local executor, in the same run.

    uv run python tests/bench/bench_ray.py [--runs 3] [--flood 20000]

Starts its own 2-node cluster on this machine (ray.cluster_utils, RAY_TMPDIR in a temporary
folder; only that cluster is shut down). Figures, each beside the local executor's:
- queue to agent running, and its parts (bundle, actor start, checkout, first line);
- lines/s for one task flooding, and p99 line latency (agent's write to the supervisor's
  hands) at 100 lines/s for one task and for 20 tasks at once;
- the supervising process's CPU per line (Ray tasks' lines come back through the object
  store; local ones through a pipe);
- the memory one task costs on a node (its actor's worker and the reaper) beside a local task
  (nothing but the agent itself).
Medians of --runs where a figure is measured more than once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

STAMP = """
import sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
start = time.time()
out = sys.stdout
for i in range(n):
    if rate:
        wait = start + i / rate - time.time()
        if wait > 0:
            time.sleep(wait)
    out.write(f"{time.time():.6f} {i}\\n")
    if rate:
        out.flush()
out.flush()
"""


class Watch:
    """Collects what the supervisor says: when each task ran, and each line's latency."""

    def __init__(self) -> None:
        self.running: dict[str, float] = {}
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.latencies: list[float] = []
        self.lines = 0
        self._part: dict[str, bytes] = {}

    def on_message(self, message: Any) -> None:
        from app.core.messages import TaskRawOutput, TaskUpdated
        from app.core.states import TaskState

        now = time.time()
        if isinstance(message, TaskUpdated) and message.task.state is TaskState.RUNNING:
            self.running.setdefault(message.task.id, time.monotonic())
        elif isinstance(message, TaskRawOutput):
            self.first.setdefault(message.task_id, time.monotonic())
            self.last[message.task_id] = time.monotonic()
            data = self._part.pop(message.task_id, b"") + message.data
            *lines, rest = data.split(b"\n")
            self._part[message.task_id] = rest
            self.lines += len(lines)
            self.latencies.extend(now - float(line.split()[0]) for line in lines)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    """Return the children of `pid`, started by any of its threads."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def batch(
    orchard: Any, repo: Path, stamp: Path, tasks: int, lines: int, rate: float
) -> dict[str, Any]:
    """Run `tasks` stamping agents at once; return what the supervisor saw."""
    watch = Watch()
    orchard.supervisor.subscribe(watch.on_message)
    prompt = f"{sys.executable} {stamp} {lines} {rate}"
    cpu0, queued = time.process_time(), time.monotonic()
    made = []
    for left in range(tasks, 0, -10):  # at most 10 attempts per prompt
        made += await orchard.new_tasks(repo.name, prompt, agent="shell", attempts=min(10, left))
    await orchard.supervisor.run(parallel=tasks)
    cpu = time.process_time() - cpu0
    ids = [t.id for t in made]
    bad = [orchard.task(i).error for i in ids if orchard.task(i).state.value != "succeeded"]
    assert not bad, bad
    spans = [watch.last[i] - watch.first[i] for i in ids]
    return {
        "to_running": [watch.running[i] - queued for i in ids],
        "first_line": [watch.first[i] - watch.running[i] for i in ids],
        "lines_per_s": statistics.median(lines / max(s, 1e-6) for s in spans),
        "p99_ms": _p(watch.latencies, 0.99) * 1000,
        "cpu_us_per_line": cpu / max(watch.lines, 1) * 1e6,
        "lines": watch.lines,
        "timings": [getattr(orchard.supervisor.executor, "timings", {}).get(i, {}) for i in ids],
    }


def _row(name: str, ray_value: float, local_value: float, unit: str) -> None:
    print(f"  {name:<38} ray {ray_value:10.1f} {unit:<8} local {local_value:10.1f} {unit}")


async def memory_per_task(orchard: Any, repo: Path, flag: Path) -> tuple[float, float]:
    """Return the node-side RSS of a waiting Ray task (worker + reaper), and its agent's."""
    import ray

    from app.services.remote import namespace_for

    prompt = f"while [ ! -e {flag} ]; do sleep 0.05; done"
    (task,) = await orchard.new_tasks(repo.name, prompt, agent="shell")
    running = asyncio.create_task(orchard.supervisor.run())
    name = f"task-{task.id}"
    for _ in range(600):
        try:
            actor = ray.get_actor(name, namespace=namespace_for(orchard.home.root))
            where = ray.get(actor.where.remote())
            if where["running"]:
                break
        except ValueError:
            pass
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)
    worker = where["pid"]
    wrappers = _children(worker)
    kids = [c for p in wrappers for c in _children(p)]
    watchers = [c for c in kids if b"app.services.remote.reaper" in _cmdline(c)]
    agents = [c for c in kids if c not in watchers]
    overhead = sum(_rss_kb(p) for p in [worker, *wrappers, *watchers])
    agent = sum(_rss_kb(p) for p in agents)
    flag.touch()
    await running
    return overhead / 1024, agent / 1024


async def main(args: argparse.Namespace) -> None:
    os.environ["RAY_ENABLE_UV_RUN_RUNTIME_ENV"] = "0"
    import ray
    from ray.cluster_utils import Cluster

    from app.services.config import ExecutorSettings, Home, load_settings
    from app.services.orchard import Orchard
    from app.services.tasks import LocalExecutor
    from tests.conftest import make_repo

    tmp = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    os.environ["RAY_TMPDIR"] = str(tmp / "ray")
    (tmp / "ray").mkdir()
    stamp = tmp / "stamp.py"
    stamp.write_text(STAMP)
    began = time.monotonic()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False, logging_level="error")
    print(f"2-node cluster up in {time.monotonic() - began:.1f} s\n")
    try:
        homes: dict[str, Any] = {}
        for kind in ("ray", "local"):
            home = Home(tmp / f"{kind}-home").ensure()
            settings = replace(
                load_settings(home),
                min_free_memory_mb=0,
                executor=ExecutorSettings(
                    kind=kind,
                    address=cluster.address,
                    cpus=0.0,
                    node_dir=str(tmp / "nodes"),
                    idle_exit_seconds=2,  # each run's actors end before the next one's start
                ),
            )
            executor = None if kind == "ray" else LocalExecutor()
            orchard = Orchard(home, executor=executor, settings=settings)
            repo = make_repo(tmp / f"repo-{kind}", {f"f{i}.txt": f"{i}\n" for i in range(2000)})
            await orchard.add_project(str(repo))
            homes[kind] = (orchard, repo)
        res: dict[str, dict[str, list[dict[str, Any]]]] = {"ray": {}, "local": {}}
        for _ in range(args.runs):
            for kind, (orchard, repo) in homes.items():
                for name, tasks, lines, rate in (
                    ("start", 1, 10, 0),
                    ("flood", 1, args.flood, 0),
                    ("paced1", 1, 300, 100),
                    ("paced20", 20, 300, 100),
                ):
                    got = await batch(orchard, repo, stamp, tasks, lines, rate)
                    res[kind].setdefault(name, []).append(got)
                    await asyncio.sleep(3 if kind == "ray" else 0)

        def med(kind: str, name: str, key: str) -> float:
            values = []
            for got in res[kind][name]:
                value = got[key]
                values.append(statistics.median(value) if isinstance(value, list) else value)
            return statistics.median(values)

        print("Queue to agent running (1 task, 2,000-file repository):")
        _row(
            "queue -> running (ms)",
            1000 * med("ray", "start", "to_running"),
            1000 * med("local", "start", "to_running"),
            "ms",
        )
        parts = [t for got in res["ray"]["start"] for t in got["timings"] if t]
        for part in ("bundle", "actor", "checkout"):
            ray_ms = 1000 * statistics.median(t[part] for t in parts)
            print(f"    ray part: {part:<28} {ray_ms:8.1f} ms")
        _row(
            "running -> first line (ms)",
            1000 * med("ray", "start", "first_line"),
            1000 * med("local", "start", "first_line"),
            "ms",
        )
        print("Lines:")
        _row(
            "1 task flooding: lines/s",
            med("ray", "flood", "lines_per_s"),
            med("local", "flood", "lines_per_s"),
            "lines/s",
        )
        _row(
            "1 task at 100 lines/s: p99 latency",
            med("ray", "paced1", "p99_ms"),
            med("local", "paced1", "p99_ms"),
            "ms",
        )
        _row(
            "20 tasks at 100 lines/s: p99 latency",
            med("ray", "paced20", "p99_ms"),
            med("local", "paced20", "p99_ms"),
            "ms",
        )
        _row(
            "20 tasks: lines/s per task",
            med("ray", "paced20", "lines_per_s"),
            med("local", "paced20", "lines_per_s"),
            "lines/s",
        )
        print("Supervising process's CPU per line:")
        _row(
            "1 task flooding",
            med("ray", "flood", "cpu_us_per_line"),
            med("local", "flood", "cpu_us_per_line"),
            "us",
        )
        _row(
            "20 tasks at 100 lines/s",
            med("ray", "paced20", "cpu_us_per_line"),
            med("local", "paced20", "cpu_us_per_line"),
            "us",
        )
        orchard, repo = homes["ray"]
        overhead, agent = await memory_per_task(orchard, repo, tmp / "go")
        print("Memory one task costs beyond its agent:")
        print(
            f"  ray: actor worker + reaper + watcher on the node {overhead:8.1f} MB "
            f"(the agent itself {agent:.1f} MB)"
        )
        print("  local: nothing but the agent's own processes (0 MB)")
        for orchard, _ in homes.values():
            orchard.close()
    finally:
        ray.shutdown()
        cluster.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--flood", type=int, default=20000)
    asyncio.run(main(parser.parse_args()))
