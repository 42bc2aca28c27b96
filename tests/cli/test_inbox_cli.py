"""`orchard inbox` and `orchard answer` with nobody supervising: one line, the right exit."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli

OFF = {"ORCHARD_SERVICE": "off"}


def test_an_empty_inbox_and_answers_for_unknown_requests(cli: Cli, repo: Path) -> None:
    assert cli("project", "add", str(repo), env=OFF).code == 0
    listed = cli("inbox", "--json", env=OFF)
    assert listed.code == 0 and listed.json() == []
    unknown = cli("answer", "abc-1", "--allow", env=OFF)
    assert unknown.code == 1 and unknown.err == "orchard: abc-1: no such request waits\n"
    nothing = cli("answer", "--match", "npm *", "--deny", "later", env=OFF)
    assert nothing.code == 1 and nothing.err == "orchard: no waiting command matches 'npm *'\n"
    both = cli("answer", "abc-1", "--match", "x", "--allow", env=OFF)
    assert both.code == 1 and len(both.err.splitlines()) == 1
    reply = cli("answer", "abc-1", "--reply", " ", env=OFF)
    assert reply.code == 1 and "needs the text" in reply.err
    follow = cli("inbox", "--follow", env=OFF)
    assert follow.code == 1 and "no Orchard supervises" in follow.err
