"""`orchard task comment`, `comments` and `followup` over real repositories and processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, Cli, child_env, git


def _ran(cli: Cli, repo: Path, prompt: str, agent: str = "shell") -> dict:
    assert cli("project", "add", str(repo)).code == 0
    task_id = cli("task", "new", "repo", prompt, "--agent", agent).out.strip()
    run = cli("run")
    assert run.code == 0, run.err
    return cli("task", "show", task_id, "--json").json()


def _fails(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.code == 1 and result.out == "", (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    return result.err.strip()


def test_comment_list_and_followup_run_a_second_turn(cli: Cli, repo: Path) -> None:
    task = _ran(cli, repo, "echo first; echo one > a.txt")
    short = task["id"][:8]
    added = cli("task", "comment", short, "src/app.py:1", "use two", "--old")
    assert added.code == 0, added.err
    assert added.out.startswith("comment 1 on src/app.py:1")
    listed = cli("task", "comments", short, "--json").json()
    assert [(c["path"], c["line"], c["side"], c["quote"], c["text"]) for c in listed] == [
        ("src/app.py", 1, "old", "x = 1", "use two")
    ]
    assert "src/app.py:1 (old)\n    > x = 1\n    use two" in cli("task", "comments", short).out
    _fails(cli, "task", "comment", short, "README.md:2", "no such line")

    sent = cli("task", "followup", short, "echo second; echo two >> a.txt")
    assert sent.code == 0, sent.err
    assert sent.out.startswith(f"{short} queued for a follow-up turn")
    assert cli("task", "comments", short, "--json").json() == []
    queued = cli("task", "show", short, "--json").json()
    assert queued["state"] == "queued" and queued["next_prompt"].startswith("Review comments")
    assert queued["next_prompt"].endswith("echo second; echo two >> a.txt")
    cli("run")  # the shell runs the review prompt too, and fails: the turn still counts
    [thread] = cli("task", "comments", short, "--all", "--json").json()
    assert (thread["text"], thread["turn"], thread["answer"]) == ("use two", 2, None)
    assert "[sent]\n    agent, turn 2:" in cli("task", "comments", short, "--all").out


def test_followup_text_runs_as_the_next_turn(cli: Cli, repo: Path) -> None:
    task = _ran(cli, repo, "echo first; echo one > a.txt")
    sent = cli("task", "followup", task["id"], "echo second; echo two >> a.txt")
    assert sent.code == 0, sent.err
    assert cli("run").code == 0
    done = cli("task", "show", task["id"], "--json").json()
    assert (done["state"], done["turns"], done["next_prompt"]) == ("succeeded", 2, None)
    assert git(repo, "show", f"{task['branch']}:a.txt") == "one\ntwo\n"
    count = git(repo, "rev-list", "--count", f"{task['base_commit']}..{task['branch']}")
    assert count.strip() == "2"
    log = cli("task", "logs", task["id"]).out
    assert log.index("first") < log.index("follow-up turn 2") < log.index("second")
    assert cli("task", "logs", task["id"], "--raw").out == "first\nsecond\n"


def test_comment_send_sends_every_open_comment(cli: Cli, repo: Path) -> None:
    task = _ran(cli, repo, "true")
    assert cli("task", "comment", task["id"], "README.md:1", "first remark").code == 0
    sent = cli("task", "comment", task["id"], "src/app.py:1", "second remark", "--send")
    assert sent.code == 0, sent.err
    prompt = cli("task", "show", task["id"], "--json").json()["next_prompt"]
    assert "1. README.md, line 1 (your version):\n   > hello\n   first remark" in prompt
    assert "2. src/app.py, line 1 (your version):\n   > x = 1\n   second remark" in prompt


def test_bad_input_gets_one_clear_line(cli: Cli, repo: Path) -> None:
    task = _ran(cli, repo, "true")
    tid = task["id"]
    for location in ("README.md", "README.md:0", "README.md:x", ":3"):
        assert _fails(cli, "task", "comment", tid, location, "x") == (
            f"orchard: '{location}' is not FILE:LINE (for example src/app.py:12)"
        )
    assert "no task" in _fails(cli, "task", "comment", "ffffffff", "README.md:1", "x")
    assert "no task" in _fails(cli, "task", "followup", "ffffffff", "x")
    assert _fails(cli, "task", "followup", tid) == (
        f"orchard: nothing to send to task {tid[:8]}: add a comment or write a follow-up"
    )
    assert "the comment is empty" in _fails(cli, "task", "comment", tid, "README.md:1", " ")
    assert cli("task", "show", tid, "--json").json()["state"] == "succeeded"


def test_a_running_task_is_refused(cli: Cli, repo: Path, home: Path) -> None:
    cli("project", "add", str(repo))
    tid = cli("task", "new", "repo", "sleep 30", "--agent", "shell").out.strip()
    runner = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(home), "run"],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while cli("task", "show", tid, "--json").json()["state"] != "running":
            assert time.monotonic() < deadline, "the task never started"
            time.sleep(0.2)
        err = _fails(cli, "task", "followup", tid, "echo late")
        assert err == f"orchard: task {tid[:8]} is running; wait for it or stop it first"
    finally:
        cli("task", "stop", tid)
        runner.wait(timeout=30)
    assert cli("task", "show", tid, "--json").json()["next_prompt"] is None


def test_an_agent_from_config_resumes_its_session(cli: Cli, repo: Path, home: Path) -> None:
    thread = json.dumps({"type": "thread.started", "thread_id": "sess-7"})
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        "[agents.mine]\n"
        f"argv = ['sh', '-c', '''echo '{thread}'; cat > first.txt''']\n"
        'format = "codex-jsonl"\n'
        'prompt_via = "stdin"\n'
        "resume_argv = ['sh', '-c', 'cat > again.txt; echo $1 > session.txt', 'sh', "
        "'{session_id}']\n"
    )
    task = _ran(cli, repo, "start", agent="mine")
    assert task["session_id"] == "sess-7"
    assert cli("task", "followup", task["id"], "go on").code == 0
    assert cli("run").code == 0
    assert git(repo, "show", f"{task['branch']}:again.txt") == "go on"
    assert git(repo, "show", f"{task['branch']}:session.txt") == "sess-7\n"


def test_a_resume_argv_without_the_session_is_a_config_error(cli: Cli, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("[agents.mine]\nargv = ['my']\nresume_argv = ['my', '-r']\n")
    err = _fails(cli, "task", "list")
    assert "agent 'mine': resume_argv must name the program and contain {session_id}" in err
