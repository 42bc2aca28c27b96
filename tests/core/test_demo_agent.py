"""The demo agent on a machine that lacks a tool: the command fails as a shell says, no crash."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.demo_agent import Stream


def test_a_missing_tool_is_a_failed_command_not_a_crash(capsys: pytest.CaptureFixture[str]) -> None:
    code = Stream(pace=0).run(["no-such-tool-orchard", "x"])
    events: list[dict[str, Any]] = [
        json.loads(line) for line in capsys.readouterr().out.splitlines()
    ]
    done = events[-1]["item"]
    assert code == 127 and done["exit_code"] == 127 and done["status"] == "completed"
    assert done["aggregated_output"].startswith("no-such-tool-orchard: ")
