"""The persistent blob reader: one cat-file for many reads, exact bytes, a dead child replaced."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from app.services.repo.blobs import BlobReader, BlobReaders
from tests.conftest import git as run_git


def _commit(repo: Path, files: dict[str, bytes]) -> str:
    for name, data in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", "files")
    return run_git(repo, "rev-parse", "HEAD^{tree}").strip()


def test_reads_blobs_by_id_and_path_in_order_with_missing_ones_as_none(repo: Path) -> None:
    big = os.urandom(3 << 20)  # past the stream's buffer limit
    tree = _commit(repo, {"bin/big.dat": big, "a b.txt": b"no newline at end", "nl\n.txt": b"x\n"})
    oid = run_git(repo, "rev-parse", f"{tree}:README.md").strip()

    async def main() -> list[bytes | None]:
        reader = BlobReader(str(repo))
        try:
            return await reader.read_many([
                oid, f"{tree}:bin/big.dat", f"{tree}:missing.txt", f"{tree}:a b.txt",
                f"{tree}:nl\n.txt", f"{tree}:src", "",
            ])  # fmt: skip
        finally:
            reader.close()

    assert asyncio.run(main()) == [
        b"hello\n", big, None, b"no newline at end", b"x\n", None, None,
    ]  # fmt: skip


def test_one_child_serves_every_read_and_a_dead_one_is_replaced(repo: Path) -> None:
    tree = _commit(repo, {f"f{i}.txt": f"{i}\n".encode() for i in range(50)})

    async def main() -> tuple[list[bytes | None], int, bytes | None, int]:
        reader = BlobReader(str(repo))
        try:
            reads = await asyncio.gather(*(reader.read(f"{tree}:f{i}.txt") for i in range(50)))
            assert reader._proc is not None
            first = reader._proc.pid
            reader._proc.kill()
            await reader._proc.wait()
            again = await reader.read(f"{tree}:f7.txt")
            assert reader._proc is not None
            return list(reads), first, again, reader._proc.pid
        finally:
            reader.close()

    reads, first, again, second = asyncio.run(main())
    assert reads == [f"{i}\n".encode() for i in range(50)]
    assert again == b"7\n" and second != first


def test_readers_are_one_per_repository_and_close_together(repo: Path, tmp_path: Path) -> None:
    async def main() -> list[asyncio.subprocess.Process]:
        readers = BlobReaders()
        assert readers.of(str(repo)) is readers.of(str(repo))
        await readers.of(str(repo)).read("HEAD:README.md")
        proc = readers.of(str(repo))._proc
        assert proc is not None
        readers.close()
        await asyncio.wait_for(proc.wait(), 5)
        return [proc]

    (proc,) = asyncio.run(main())
    assert proc.returncode is not None
