"""Needs-you benchmark. Not run as a test.

    uv run python tests/bench/bench_inbox.py [--agents 20] [--rounds 10]

Over the real inbox door (the Unix socket the service and a foreground `orchard run` serve,
which Claude Code's permission helper and `orchard inbox --follow` use), each round has
`--agents` agents ask at once, as Orchard's MCP helper does, while a follower reads the live
feed (`door_follow`, what `orchard inbox --follow` prints). Prints, each beside a baseline
from the same run (medians and p99 over every agent of every round):

- request -> item shown in the follower's feed, against a bare round trip on the same socket;
- answering all of them at once (one `answer` request) -> every agent has its reply, against
  answering one agent;
- the automatic answer of a command by the project's list (the asker as an adapter awaits
  it, with the list read from inbox.toml), against `decide` alone. Goal: <= 5 ms p99.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from app.client import door_follow, door_request  # noqa: E402
from app.core.inbox import DEFAULT_ALLOW, Answer, Ask, AskKind, Policy, Verdict, decide  # noqa: E402
from app.core.wire import encode  # noqa: E402
from app.localsocket import reachable  # noqa: E402
from app.services.inbox import Door, Inbox, Rules  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _line(name: str, values: list[float], base_name: str, base: list[float]) -> None:
    ms = [v * 1000 for v in values]
    bms = [v * 1000 for v in base]
    print(
        f"{name:<38} p50 {statistics.median(ms):8.3f} ms  p99 {_pct(ms, 0.99):8.3f} ms"
        f"   | {base_name:<26} p50 {statistics.median(bms):8.3f} ms  p99 {_pct(bms, 0.99):8.3f} ms"
    )


class Agent:
    """One agent's helper: asks through the door and waits for its reply."""

    def __init__(self, home: Path, task: str, command: str) -> None:
        self.home, self.task, self.command = home, task, command
        self.sent = 0.0
        self.replied = 0.0

    async def ask(self) -> dict[str, object]:
        with reachable(self.home / "asks.sock") as address:
            reader, writer = await asyncio.open_unix_connection(address)
        request = {"tool_name": "Bash", "input": {"command": self.command}, "tool_use_id": "x"}
        self.sent = time.perf_counter()
        writer.write(orjson.dumps({"op": "claude", "task": self.task, "request": request}) + b"\n")
        await writer.drain()
        line = await reader.readline()
        self.replied = time.perf_counter()
        writer.close()
        return dict(orjson.loads(line))


async def _round(
    home: Path, inbox: Door, agents: int, n: int, shown: list[float], answered: list[float]
) -> None:
    seen: dict[str, float] = {}
    everyone = asyncio.Event()

    async def follow() -> None:
        async for items in door_follow(home):
            now = time.perf_counter()
            for item in items:
                seen.setdefault(str(item["task_id"]), now)
            if len(seen) >= agents:
                everyone.set()
                return

    follower = asyncio.create_task(follow())
    await asyncio.sleep(0.05)  # the follower's first (empty) line has gone
    crowd = [Agent(home, f"r{n}t{i}", f"make step-{i}") for i in range(agents)]
    for agent in crowd:
        inbox.asker_of_registry[agent.task] = inbox.inbox.asker_for(agent.task, "claude", "p", "/w")
    jobs = [asyncio.create_task(a.ask()) for a in crowd]
    await asyncio.wait_for(everyone.wait(), 30)
    shown += [seen[a.task] - a.sent for a in crowd]
    start = time.perf_counter()
    request = {
        "op": "answer_matching",
        "pattern": "make step-*",
        "answer": encode(Answer(Verdict.ALLOW)),
    }
    await door_request(home, request)
    replies = await asyncio.gather(*jobs)
    assert all(r["reply"]["behavior"] == "allow" for r in replies)  # type: ignore[index]
    answered.append(max(a.replied for a in crowd) - start)
    await follower


async def _one_answer(home: Path, door: Door, n: int) -> float:
    agent = Agent(home, f"one{n}", "make one")
    door.asker_of_registry[agent.task] = door.inbox.asker_for(agent.task, "claude", "p", "/w")
    job = asyncio.create_task(agent.ask())
    while not door.inbox.pending():
        await asyncio.sleep(0.001)
    start = time.perf_counter()
    ids = [a.id for a in door.inbox.pending()]
    await door_request(home, {"op": "answer", "ids": ids, "answer": encode(Answer(Verdict.ALLOW))})
    await job
    return agent.replied - start


class BenchDoor(Door):
    """The real door, its askers kept in a plain dict as Orchard keeps them."""

    def __init__(self, inbox: Inbox, home: Path) -> None:
        self.asker_of_registry: dict[str, object] = {}
        super().__init__(inbox, self.asker_of_registry.get, home)  # type: ignore[arg-type]


async def _policy(home: Path, count: int) -> tuple[list[float], list[float]]:
    rules = Rules(home, lambda _p: "npm test")
    rules.set_policy(
        "p", Policy((*DEFAULT_ALLOW, "npm test*", *(f"tool{i} *" for i in range(50))), ("curl *",))
    )
    inbox = Inbox(rules.policy, rules.remember)
    asker = inbox.asker_for("t", "claude", "p", "/w/t")
    ask = Ask("", "", "", AskKind.COMMAND, command="bash -lc 'npm test -- --watch=false'")
    policy = rules.policy("p")
    auto, base = [], []
    for _ in range(count):
        start = time.perf_counter()
        answer = await asker(ask)
        auto.append(time.perf_counter() - start)
        assert answer.by == "policy"
        filled = Ask("t-1", "t", "claude", AskKind.COMMAND, cwd="/w/t", command=ask.command)
        start = time.perf_counter()
        decide(policy, filled)
        base.append(time.perf_counter() - start)
    return auto, base


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-inbox-") as tmp:
        home = Path(tmp)
        door = BenchDoor(Inbox(), home)
        await door.start()
        trips = []
        for _ in range(200):
            start = time.perf_counter()
            await door_request(home, {"op": "list"})
            trips.append(time.perf_counter() - start)
        shown: list[float] = []
        answered: list[float] = []
        for n in range(args.rounds):
            await _round(home, door, args.agents, n, shown, answered)
        single = [await _one_answer(home, door, n) for n in range(args.rounds)]
        door.close()
        auto, base = await _policy(home, 2000)
    print(f"{args.agents} agents at once, {args.rounds} rounds")
    _line("request -> shown in the live feed", shown, "bare socket round trip", trips)
    _line(
        f"answer {args.agents} at once -> all continue",
        answered,
        "answer one -> it continues",
        single,
    )
    _line("automatic answer by the list (asker)", auto, "decide() alone", base)


if __name__ == "__main__":
    asyncio.run(main())
