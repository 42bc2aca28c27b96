"""The scratch checkouts the test gate runs in: kept between runs, switched, removed when idle."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from app.services.repo import ScratchPool
from tests.conftest import git, make_repo


def _commit(repo: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "more")
    return git(repo, "rev-parse", "HEAD").strip()


def _listed(repo: Path) -> list[str]:
    return [line for line in git(repo, "worktree", "list").splitlines() if "scratch-" in line]


def test_a_kept_checkout_is_switched_to_exactly_the_next_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "one\n", ".gitignore": "build/\n"})
    first = git(repo, "rev-parse", "HEAD").strip()
    second = _commit(repo, {"a.txt": "two\n", "b.txt": "new\n"})
    pool = ScratchPool(tmp_path / "scratch")

    async def go() -> None:
        async with pool.checkout(str(repo), first) as path:
            made = Path(path)
            (made / "a.txt").write_text("changed by the test\n")
            (made / "left.txt").write_text("untracked\n")
            (made / "build").mkdir()
            (made / "build" / "out.o").write_text("ignored\n")
        async with pool.checkout(str(repo), second) as again:
            assert again == path  # the same checkout, not a new one
            files = sorted(p.name for p in Path(again).iterdir() if p.name != ".git")
            assert files == [".gitignore", "a.txt", "b.txt"]
            assert (Path(again) / "a.txt").read_text() == "two\n"
            assert git(Path(again), "rev-parse", "HEAD").strip() == second
            assert git(Path(again), "status", "--porcelain", "--ignored") == ""
        await pool.close()

    asyncio.run(go())
    assert _listed(repo) == []
    assert not any((tmp_path / "scratch").iterdir())


def test_runs_at_once_get_checkouts_of_their_own_and_idle_ones_go(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "one\n"})
    head = git(repo, "rev-parse", "HEAD").strip()
    pool = ScratchPool(tmp_path / "scratch")

    async def go() -> None:
        async with pool.checkout(str(repo), head) as one, pool.checkout(str(repo), head) as two:
            assert one != two
            assert pool.paths(free=False) == [one, two]
        assert len(pool.paths(free=True)) == 2
        kept = sorted(pool.paths())
        assert sorted(await _at_once(pool, repo, head)) == kept  # the same two, taken at once
        await pool.prune(idle=3600)
        assert len(pool.paths()) == 2  # used a moment ago: kept
        await pool.prune(idle=0)
        assert pool.paths() == []

    asyncio.run(go())
    assert _listed(repo) == []


async def _at_once(pool: ScratchPool, repo: Path, commit: str) -> list[str]:
    """Take two checkouts at the same moment; return the paths each run got."""
    got: list[str] = []
    release = asyncio.Event()

    async def hold() -> None:
        async with pool.checkout(str(repo), commit) as path:
            got.append(path)
            await release.wait()

    jobs = [asyncio.create_task(hold()) for _ in range(2)]
    while len(got) < 2:
        await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(*jobs)
    assert len(set(got)) == 2
    return got


def test_a_broken_checkout_is_made_again_and_close_now_removes_all(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "one\n"})
    head = git(repo, "rev-parse", "HEAD").strip()
    pool = ScratchPool(tmp_path / "scratch")

    async def go() -> tuple[str, str]:
        async with pool.checkout(str(repo), head) as first:
            pass
        shutil.rmtree(first)  # deleted by hand, or half-removed by a crash
        async with pool.checkout(str(repo), head) as second:
            assert (Path(second) / "a.txt").read_text() == "one\n"
        return first, second

    first, second = asyncio.run(go())
    assert first != second and pool.paths() == [second]
    pool.close_now()
    assert pool.paths() == [] and not Path(second).exists()
    assert _listed(repo) == []
