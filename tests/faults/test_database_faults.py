"""Database faults: garbage written over orchard.db, a page damaged inside it, an old schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.services.config.settings import Home
from app.services.orchard import Orchard
from app.services.store.database import Store, StoreCorrupt
from tests.conftest import Cli, git

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "schemas"


def test_a_corrupt_database_is_moved_aside_and_tasks_rebuilt(
    cli: Cli, repo: Path, home: Path
) -> None:
    cli("project", "add", str(repo), "--test", "true")
    ids = [
        cli("task", "new", "repo", f"echo {n} > f{n}.txt", "--agent", "shell").out.strip()
        for n in range(3)
    ]
    assert cli("run").code == 0
    before = {t["id"]: t for t in cli("task", "list", "--json").json()}
    db = home / "orchard.db"
    db.write_bytes(b"\x00garbage" * 4096)  # over the header and the first pages

    listing = cli("task", "list", "--json")
    assert listing.code == 0, listing.err
    assert "the database was damaged (file is not a database)" in listing.err
    assert "3 tasks were rebuilt" in listing.err
    [aside] = home.glob("orchard.db.corrupt-*")
    assert aside.read_bytes().startswith(b"\x00garbage")  # kept, not deleted
    rebuilt = {t["id"]: t for t in listing.json()}
    assert set(rebuilt) == set(ids)
    for task_id, task in rebuilt.items():
        old = before[task_id]
        assert task["state"] == "interrupted"
        for key in ("project", "branch", "worktree", "prompt", "agent", "title", "base_commit"):
            assert task[key] == old[key], key
    assert cli("project", "list", "--json").json()[0]["path"] == str(repo)

    # only once: the next command opens the new database quietly, and Orchard works on
    again = cli("task", "list")
    assert "damaged" not in again.err and again.out.count("interrupted") == 3
    assert cli("task", "retry", ids[0]).code == 0 and cli("run").code == 0
    assert cli("task", "show", ids[0], "--json").json()["state"] == "succeeded"
    assert git(repo, "show", f"{before[ids[0]]['branch']}:f0.txt") == "0\n"


def test_a_damaged_page_is_caught_by_the_integrity_check(tmp_path: Path) -> None:
    db = tmp_path / "orchard.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT)")
        conn.executemany(
            "INSERT INTO filler (text) VALUES (?)", [("x" * 500,) for _ in range(2000)]
        )
        conn.execute("CREATE INDEX filler_text ON filler (text)")
    data = bytearray(db.read_bytes())
    page = 4096
    data[page * 40 : page * 40 + 200] = b"\xff" * 200  # a page in the middle, header intact
    db.write_bytes(bytes(data))
    with pytest.raises(StoreCorrupt) as caught:
        Store(db)
    assert str(db) in str(caught.value)


@pytest.mark.parametrize("version", [1, 2])
def test_an_old_schema_is_migrated_on_open(cli: Cli, repo: Path, home: Path, version: int) -> None:
    home.mkdir(parents=True)
    with sqlite3.connect(home / "orchard.db") as conn:
        conn.executescript((SCHEMAS / f"v{version}.sql").read_text())
    listing = cli("task", "list", "--json")
    assert listing.code == 0, listing.err
    [old] = listing.json()
    assert old["title"] == "Fix login" and old["session_id"] == "sess-1"
    # the old project's repository is gone: reported, not fatal
    doctor = cli("doctor")
    assert doctor.code == 1 and "repo_moved" in doctor.out
    cli("project", "add", str(repo))
    task_id = cli("task", "new", "repo", "echo new > new.txt", "--agent", "shell").out.strip()
    assert cli("run").code == 0
    assert cli("task", "show", task_id, "--json").json()["state"] == "succeeded"


def test_a_rebuild_left_by_another_process_is_done_by_the_next_command(
    cli: Cli, repo: Path, home: Path
) -> None:
    cli("project", "add", str(repo))
    task_id = cli("task", "new", "repo", "echo x > x.txt", "--agent", "shell").out.strip()
    assert cli("run").code == 0
    (home / "orchard.db").write_bytes(b"not a database at all" * 100)
    opened = Orchard(Home(home))  # e.g. the window: sets the database aside, then dies
    assert opened.recovered_from is not None and opened.store.tasks() == []
    opened.close()
    listing = cli("task", "list", "--json")
    assert "moved aside" in listing.err
    assert [t["id"] for t in listing.json()] == [task_id]
