"""A review comment goes back to the real Codex and Claude Code CLIs as a resumed turn."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import Cli, git
from tests.e2e.agent_env import claude_env, codex_env
from tests.e2e.e2ekit import allow_everything, need, task_events
from tests.e2e.model_server import ScriptedModelServer

pytestmark = pytest.mark.e2e

# Each turn appends a line and reports how many there are, so turn 2's history shows turn 1's.
COMMAND = "printf 'line\\n' >> notes.txt; echo appended-$(wc -l < notes.txt)"
PROMPT = "Create notes.txt with one line, then say 'All done.'"


def _recording_shim(binary: str, real: str, folder: Path) -> Path:
    """Put a `binary` on PATH that writes its argv to argv.log, then runs the real one."""
    folder.mkdir(parents=True)
    shim = folder / binary
    log = folder / "argv.log"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return log


def _tool_requests(srv: ScriptedModelServer, start: int) -> list[str]:
    """Bodies of the agent's own model requests (those offering tools) from `start` on."""
    return [
        json.dumps(r.body)
        for r in srv.requests[start:]
        if isinstance(r.body, dict) and r.body.get("tools")
    ]


@pytest.mark.parametrize("agent", ["codex", "claude"])
def test_a_comment_resumes_the_agents_session(
    agent: str, cli: Cli, repo: Path, home: Path, tmp_path: Path
) -> None:
    real = need(agent)
    allow_everything(home)  # the commands are not what this test is about
    argv_log = _recording_shim(agent, real, tmp_path / "shim")
    with ScriptedModelServer([COMMAND]) as srv:
        maker = codex_env if agent == "codex" else claude_env
        env = maker(srv.base_url, tmp_path / "agent")
        env["PATH"] = f"{tmp_path / 'shim'}{os.pathsep}{env['PATH']}"
        assert cli("project", "add", str(repo), env=env).code == 0
        task_id = cli("task", "new", "repo", PROMPT, "--agent", agent, env=env).out.strip()
        first_run = cli("run", env=env, timeout=240)
        first = cli("task", "show", task_id, "--json", env=env).json()
        assert first_run.code == 0, (first_run.err, first["error"])
        session = first["session_id"]
        assert first["state"] == "succeeded" and session and first["turns"] == 1
        assert git(repo, "show", f"{first['branch']}:notes.txt") == "line\n"

        comment = cli("task", "comment", task_id, "notes.txt:1", "Add a second line.", env=env)
        assert comment.code == 0, comment.err
        sent = cli("task", "followup", task_id, "Keep the first one.", env=env)
        assert sent.code == 0, sent.err
        turn_two_from = len(srv.requests)
        second_run = cli("run", env=env, timeout=240)
        turn_two = _tool_requests(srv, turn_two_from)

    task = cli("task", "show", task_id, "--json", env=env).json()
    assert second_run.code == 0, (second_run.err, task["error"])
    assert (task["state"], task["turns"], task["session_id"]) == ("succeeded", 2, session)

    # The second run continued the session it had captured...
    calls = argv_log.read_text().splitlines()
    assert len(calls) == 2
    # (Word by word: the permission helper's config path holds the test's name, "resumes".)
    assert session not in calls[0] and not {"resume", "--resume"} & set(calls[0].split())
    if agent == "codex":
        # The app-server is told the thread to resume in its conversation (thread/resume).
        assert calls == ["app-server", "app-server"]
    else:
        assert f" --resume {session} --output-format stream-json" in calls[1]
        assert calls[1].startswith("-p --mcp-config ")  # still asking through Orchard
    # ...so the model saw turn 1's conversation, then the comment, without any added context.
    assert turn_two, "the second turn never reached the model"
    assert "appended-1" in turn_two[0] and "Create notes.txt" in turn_two[0]
    assert "notes.txt, line 1 (your version)" in turn_two[0] and "Add a second line." in turn_two[0]
    assert "You are continuing earlier work" not in turn_two[0]

    # Both turns' work is committed on the task's branch, one commit each.
    assert git(repo, "show", f"{task['branch']}:notes.txt") == "line\nline\n"
    commits = git(repo, "log", "--format=%s", f"{task['base_commit']}..{task['branch']}")
    assert commits.splitlines() == [f"{task['title']} (follow-up 1)", task["title"]]
    texts = [e.get("text", "") for e in task_events(cli, task_id, env)]
    assert any(t.startswith(f"follow-up turn 2 (resuming session {session}): ") for t in texts)
    assert cli("task", "comments", task_id, "--json", env=env).json() == []
