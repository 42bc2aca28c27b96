"""Orchard killed with SIGKILL while 20 agents run: no agent lives on, no work is lost."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.conftest import Cli, git
from tests.services.test_supervision import popen_run, wait_tasks

# Each agent writes uncommitted work, then waits; with resume.txt present it finishes.
AGENT = "echo work >> work.txt; echo started; test -f resume.txt || sleep 120 & wait"
AGENTS = 20


def group_members(pgids: set[int]) -> list[int]:
    """Return the live (non-zombie) processes whose process group is one of `pgids`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) in pgids:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_sigkilled_supervisor_leaves_no_agent_and_loses_no_work(
    cli: Cli, repo: Path, home: Path
) -> None:
    cli("project", "add", str(repo))
    ids = cli("task", "new", "repo", AGENT, "--agent", "shell", "--attempts", "10").out.split()
    ids += cli("task", "new", "repo", AGENT, "--agent", "shell", "--attempts", "10").out.split()
    assert len(ids) == AGENTS
    proc = popen_run(home, "--parallel", str(AGENTS))
    running = wait_tasks(
        cli,
        ids,
        lambda t: t["state"] == "running" and (Path(t["worktree"]) / "work.txt").exists(),
    )
    pgids = {t["pgid"] for t in running}
    assert len(pgids) == AGENTS and all(pgids)
    proc.send_signal(signal.SIGKILL)  # no chance to clean up
    proc.communicate()
    assert len(group_members(pgids)) >= AGENTS  # the agents outlived their supervisor

    restart = cli("run")
    assert restart.code == 0, restart.err
    assert restart.err.count("now interrupted") == AGENTS
    assert group_members(pgids) == []
    for task in cli("task", "list", "--json").json():
        assert task["state"] == "interrupted" and task["pgid"] is None
        wt = Path(task["worktree"])
        assert (wt / "work.txt").read_text() == "work\n"
        # nothing was committed on the agent's behalf: the work is still uncommitted
        assert git(wt, "status", "--porcelain") == "?? work.txt\n"
        assert git(wt, "rev-parse", "HEAD") == git(repo, "rev-parse", "main")

    # Orchard is usable: the next start found nothing left to reap, and a retry finishes.
    assert "interrupted" not in cli("run").err
    first = ids[0]
    wt = Path(cli("task", "show", first, "--json").json()["worktree"])
    (wt / "resume.txt").write_text("go\n")
    assert "queued" in cli("task", "resume", first).out  # no session: a new turn
    assert cli("run").code == 0
    done = cli("task", "show", first, "--json").json()
    assert done["state"] == "succeeded"
    assert git(wt, "show", "HEAD:work.txt") == "work\nwork\n"
    assert os.listdir(home / "logs" / first)
