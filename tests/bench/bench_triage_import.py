"""GitHub import benchmark. Not run as a test.

    uv run python tests/bench/bench_triage_import.py [--issues 5000] [--runs 3]

5,000 open issues (50 pages of 100, every 10th a pull request) from the fake GitHub API on
127.0.0.1 (in its own process, so its work does not share this one's GIL) into a fresh Orchard
database. Prints, each beside a baseline measured in the same
run: the import time (goal <= 5 s) beside httpx fetching the same 50 pages without storing
them, and the event loop's lateness (a 16 ms timer's p99 and max) while the import runs
beside the same timer with nothing else running.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from app.services.config.settings import Home  # noqa: E402
from app.services.github import next_link  # noqa: E402
from app.services.orchard import Orchard  # noqa: E402
from app.services.triage.importer import import_github  # noqa: E402
from tests.conftest import make_repo  # noqa: E402

TOKEN = "bench-token"
TICK = 0.016
GOAL = 5.0
FETCH_LATE: list[float] = []  # the timer's lateness while only fetching


SERVE = """
import sys
from tests.fakes.github_api import FakeGitHub
with FakeGitHub(token=sys.argv[1]) as api:
    api.add_repo("octo/app")
    api.add_issues("octo/app", int(sys.argv[2]), pull_every=10)
    print(api.url, flush=True)
    sys.stdin.read()
"""


def serve(issues: int) -> tuple[subprocess.Popen[str], str]:
    """Start the fake GitHub in a child process; return it and its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, TOKEN, str(issues)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


async def fetch_only(url: str) -> int:
    """Fetch every page of open issues with httpx, as the import asks for them, storing nothing."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"}
    params = {"state": "open", "sort": "updated", "direction": "asc", "per_page": 100}
    url: str | None = f"{url}/repos/octo/app/issues"
    count = 0
    async with httpx.AsyncClient(headers=headers) as client:
        query: dict[str, str | int] | None = params
        while url:
            response = await client.get(url, params=query)
            count += len(response.json())
            url, query = next_link(response.headers.get("link", "")), None
    return count


async def lateness_while(work: asyncio.Future[object] | None, seconds: float) -> list[float]:
    """Return how late each 16 ms timer fired while `work` ran (or for `seconds` if none)."""
    late: list[float] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (work is not None and not work.done()) or (work is None and loop.time() < end):
        due = loop.time() + TICK
        await asyncio.sleep(TICK)
        late.append(max(0.0, loop.time() - due) * 1000)
    return late


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else max(values, default=0)


async def one_run(api: str, tmp: Path, run: int) -> tuple[float, float, list[float]]:
    repo = make_repo(tmp / f"repo{run}")
    orchard = Orchard(Home(tmp / f"home{run}"))
    try:
        await orchard.add_project(str(repo), name="app")
        started = time.perf_counter()
        fetch = asyncio.ensure_future(fetch_only(api))
        FETCH_LATE.extend(await lateness_while(fetch, 0))
        fetched = fetch.result()
        fetch_time = time.perf_counter() - started
        started = time.perf_counter()
        job = asyncio.ensure_future(import_github(orchard, "app", "octo/app", api_url=api))
        late = await lateness_while(job, 0)
        result = job.result()
        import_time = time.perf_counter() - started
        assert result.added + result.skipped_pulls == fetched, (result, fetched)
        assert result.complete and result.pages == -(-fetched // 100)
        return import_time, fetch_time, late
    finally:
        orchard.close()


async def main(issues: int, runs: int) -> None:
    os.environ["GITHUB_TOKEN"] = TOKEN
    server, api = serve(issues)
    with tempfile.TemporaryDirectory() as folder:
        idle = await lateness_while(None, 2.0)
        imports, fetches, late = [], [], []
        for run in range(runs):
            import_time, fetch_time, lateness = await one_run(api, Path(folder), run)
            imports.append(import_time)
            fetches.append(fetch_time)
            late += lateness
        pages = -(-issues // 100)
        print(f"{issues:,} issues in {pages} pages, {runs} runs (median)")
        print(
            f"  import into a fresh database: {statistics.median(imports):.2f} s "
            f"(goal <= {GOAL:.0f} s; baseline httpx fetch only: "
            f"{statistics.median(fetches):.2f} s)"
        )
        print(
            f"  16 ms timer lateness during import: p99 {p99(late):.1f} ms, max {max(late):.1f} ms "
            f"(idle loop: p99 {p99(idle):.1f} ms, max {max(idle):.1f} ms; "
            f"fetch only: p99 {p99(FETCH_LATE):.1f} ms, max {max(FETCH_LATE):.1f} ms)"
        )
    server.communicate("")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.issues, args.runs))
