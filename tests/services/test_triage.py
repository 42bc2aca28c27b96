"""Triage operations on a real Orchard: capture, paste, set, duplicates, dispatch, land, CSV."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.states import TaskState
from app.core.triage import DEFAULT_TEMPLATE, ReportStatus, TriageError
from app.services.config.settings import Home, Settings, TriageSettings
from app.services.land.landing import land_task
from app.services.orchard import Orchard, UserError
from app.services.triage.importer import import_file
from app.services.triage.reports import (
    capture_report,
    default_agent,
    dispatch_reports,
    export_csv,
    mark_fixed_by_task,
    paste_reports,
    prompt_for,
    set_reports,
)
from tests.conftest import git, make_repo

FIX = "echo fixed > fix.txt"  # a shell agent's whole work: one new file


@pytest.fixture
def repo_path(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "app", {"README.md": "hello\n"})


@pytest.fixture
def orchard(tmp_path: Path, repo_path: Path) -> Iterator[Orchard]:
    settings = Settings(
        triage=TriageSettings(templates={"Crash": "CRASH {title} #{id}\n{steps}", "ui": FIX})
    )
    o = Orchard(Home(tmp_path / "home"), settings=settings)
    asyncio.run(o.add_project(str(repo_path), name="app"))
    yield o
    o.close()


def _three(orchard: Orchard) -> list[int]:
    return list(paste_reports(orchard, "app", "Crash on save\nTypo\nSlow start").new_ids)


def test_capture_and_paste(orchard: Orchard) -> None:
    report = capture_report(orchard, "app", "  Crash   on save ", "Steps:\n1. save", "maya")
    assert (report.title, report.reporter, report.source, report.status) == (
        "Crash on save",
        "maya",
        "capture",
        ReportStatus.NEW,
    )
    pasted = paste_reports(orchard, "app", "- One\n- Two\n  more about two\n")
    assert pasted.added == 2 and orchard.store.report(pasted.new_ids[1]).body == "more about two"
    again = paste_reports(orchard, "app", "- One\n- Two\n  more about two\n")
    assert (again.added, again.unchanged) == (0, 2)  # the same paste twice adds nothing


def test_capture_refuses_empty_title_and_unknown_project(orchard: Orchard) -> None:
    with pytest.raises(UserError, match="needs a title"):
        capture_report(orchard, "app", "   ")
    with pytest.raises(UserError, match="no project"):
        capture_report(orchard, "nope", "Crash")
    with pytest.raises(TriageError, match="the paste is empty"):
        paste_reports(orchard, "app", "\n \n")
    assert orchard.store.reports() == []


def test_set_triage_fields(orchard: Orchard) -> None:
    crash, typo, _ = _three(orchard)
    [changed] = set_reports(orchard, [f"#{crash}"], priority="p1", category="CRASH", owner="lee")
    assert (changed.priority, changed.category, changed.owner) == ("P1", "crash", "lee")
    assert changed.status is ReportStatus.TRIAGED and changed.triaged_at is not None
    [cleared] = set_reports(orchard, [crash], owner="")
    assert cleared.owner is None
    with pytest.raises(TriageError, match="'urgent' is not a priority"):
        set_reports(orchard, [typo], priority="urgent")
    with pytest.raises(TriageError, match="'weird' is not a category"):
        set_reports(orchard, [typo], category="weird")
    with pytest.raises(UserError, match="cannot set title"):
        set_reports(orchard, [typo], title="x")
    with pytest.raises(UserError, match="no report with id 99"):
        set_reports(orchard, [typo, 99], priority="P2")
    assert orchard.store.report(typo).priority is None  # all or nothing


def test_duplicates_link_flatten_and_refuse_cycles(orchard: Orchard) -> None:
    a, b, c = _three(orchard)
    [dup] = set_reports(orchard, [b], duplicate_of=a)
    assert (dup.status, dup.duplicate_of) == (ReportStatus.DUPLICATE, a)
    [c_dup] = set_reports(orchard, [c], duplicate_of=b)  # b's original is a
    assert c_dup.duplicate_of == a
    with pytest.raises(TriageError, match="already a duplicate of"):
        set_reports(orchard, [a], duplicate_of=b)
    with pytest.raises(TriageError, match="of itself"):
        set_reports(orchard, [a], duplicate_of=a)
    with pytest.raises(TriageError, match="say which report"):
        set_reports(orchard, [a], status="duplicate")
    [back] = set_reports(orchard, [c], duplicate_of="")
    assert (back.status, back.duplicate_of) == (ReportStatus.TRIAGED, None)


def test_marking_a_duplicate_repoints_its_own_duplicates(orchard: Orchard) -> None:
    a, b, c = _three(orchard)
    set_reports(orchard, [c], duplicate_of=b)
    changed = set_reports(orchard, [b], duplicate_of=a)
    assert {r.id: r.duplicate_of for r in changed} == {b: a, c: a}


def test_a_duplicate_in_another_project_is_refused(orchard: Orchard, tmp_path: Path) -> None:
    asyncio.run(orchard.add_project(str(make_repo(tmp_path / "other")), name="other"))
    a = capture_report(orchard, "app", "A").id
    b = capture_report(orchard, "other", "B").id
    with pytest.raises(TriageError, match="must be in the same project"):
        set_reports(orchard, [b], duplicate_of=a)


def test_duplicates_follow_their_original_to_fixed_and_wont_fix(orchard: Orchard) -> None:
    a, b, c = _three(orchard)
    set_reports(orchard, [b], duplicate_of=a)
    changed = set_reports(orchard, [a], status="won't fix")
    assert {r.id: r.status for r in changed} == {a: ReportStatus.WONT_FIX, b: ReportStatus.WONT_FIX}
    assert orchard.store.report(b).duplicate_of == a  # still linked
    [late] = set_reports(orchard, [c], duplicate_of=a)  # joins a closed original: follows it
    assert (late.status, late.duplicate_of) == (ReportStatus.WONT_FIX, a)


def test_prompt_comes_from_the_category_template(orchard: Orchard) -> None:
    a, b, _ = _three(orchard)
    set_reports(orchard, [a], category="crash")
    crash = orchard.store.report(a)
    assert (
        prompt_for(orchard, crash)
        == f"CRASH Crash on save #{a}\n(none given; see the report above)"
    )
    typo = orchard.store.report(b)
    assert prompt_for(orchard, typo).startswith(DEFAULT_TEMPLATE.split("\n")[0])
    assert "Title: Typo" in prompt_for(orchard, typo)
    huge = capture_report(orchard, "app", "Huge", "y" * 1_000_000)
    prompt = prompt_for(orchard, huge)
    assert len(prompt) < 70_000 and f"is #{huge.id})" in prompt


def test_default_agent_is_codex(orchard: Orchard) -> None:
    assert default_agent(orchard) == "codex"


def test_dispatch_makes_real_tasks_and_refuses_whole_batches(orchard: Orchard) -> None:
    a, b, c = _three(orchard)
    set_reports(orchard, [c], duplicate_of=a)
    with pytest.raises(UserError, match=f"#{c} is a duplicate of #{a}"):
        asyncio.run(dispatch_reports(orchard, [b, c], agent="shell"))
    with pytest.raises(UserError, match="unknown agent 'nobody'"):
        asyncio.run(dispatch_reports(orchard, [a], agent="nobody"))
    with pytest.raises(UserError, match="attempts must be between"):
        asyncio.run(dispatch_reports(orchard, [a], agent="shell", attempts=0))
    assert orchard.store.tasks() == []  # nothing was made
    sent = asyncio.run(dispatch_reports(orchard, [a, b], agent="shell", attempts=2))
    assert [(r.id, r.status, len(ts)) for r, ts in sent] == [
        (a, ReportStatus.DISPATCHED, 2),
        (b, ReportStatus.DISPATCHED, 2),
    ]
    task = sent[0][1][0]
    assert (task.title, task.agent, task.state) == ("Crash on save", "shell", TaskState.QUEUED)
    assert "Title: Crash on save" in task.prompt
    assert orchard.store.report(a).tasks == tuple(sorted(t.id for t in sent[0][1]))
    set_reports(orchard, [b], status="fixed")
    with pytest.raises(UserError, match=f"#{b} is fixed; reopen it"):
        asyncio.run(dispatch_reports(orchard, [b], agent="shell"))


def test_a_cluster_goes_as_one_task_for_its_original(orchard: Orchard) -> None:
    a, _b, c = _three(orchard)
    orchard.store.update_reports({c: {"body": "Seen with a 0-byte file: ZeroDivisionError"}})
    set_reports(orchard, [c], duplicate_of=a)
    sent = asyncio.run(dispatch_reports(orchard, [a, c], agent="shell"))
    assert [(r.id, len(ts)) for r, ts in sent] == [(a, 1)]
    prompt = sent[0][1][0].prompt
    assert "Duplicates of this report add these details" in prompt
    assert f"#{c}" in prompt and "0-byte file: ZeroDivisionError" in prompt
    assert orchard.store.report(c).status is ReportStatus.DUPLICATE  # it rides with a


def test_landing_a_dispatched_task_marks_its_report_and_duplicates_fixed(
    orchard: Orchard, repo_path: Path
) -> None:
    a, b, _ = _three(orchard)
    set_reports(orchard, [a], category="ui")  # its template is the shell command FIX
    set_reports(orchard, [b], duplicate_of=a)

    async def go() -> str:
        [(_, [task])] = await dispatch_reports(orchard, [a], agent="shell")
        orchard.lock.acquire()
        await orchard.supervisor.run()
        assert orchard.task(task.id).state is TaskState.SUCCEEDED
        result = await land_task(orchard, task.id)
        assert f"report #{a} marked fixed" in result.notes
        return result.commit

    landed = asyncio.run(go())
    assert git(repo_path, "show", "main:fix.txt") == "fixed\n"
    fixed = orchard.store.report(a)
    assert (fixed.status, fixed.fix_commit) == (ReportStatus.FIXED, landed)
    assert fixed.fixed_at is not None
    dup = orchard.store.report(b)
    assert (dup.status, dup.fix_commit, dup.duplicate_of) == (ReportStatus.FIXED, landed, a)


def test_mark_fixed_records_the_pull_request(orchard: Orchard) -> None:
    a, _, _ = _three(orchard)
    [(_, [task])] = asyncio.run(dispatch_reports(orchard, [a], agent="shell"))
    task = orchard.store.update(task.id, landed_commit="abc123", pr_url="https://x/pull/1")
    [fixed] = mark_fixed_by_task(orchard, task)
    assert (fixed.fix_commit, fixed.pr_url) == ("abc123", "https://x/pull/1")
    assert mark_fixed_by_task(orchard, task) == []  # once


def test_export_csv_round_trips(orchard: Orchard, tmp_path: Path) -> None:
    a, b, _ = _three(orchard)
    set_reports(orchard, [a], priority="P0", category="crash", owner="lee")
    set_reports(orchard, [b], status="wontfix")
    path = tmp_path / "out" / "reports.csv"
    assert export_csv(orchard, "app", path) == 3
    rows = list(csv.DictReader(path.open()))
    assert [(r["title"], r["priority"], r["status"]) for r in rows] == [
        ("Crash on save", "P0", "triaged"),
        ("Typo", "", "won't fix"),
        ("Slow start", "", "new"),
    ]
    asyncio.run(orchard.add_project(str(make_repo(tmp_path / "copy")), name="copy"))
    result = asyncio.run(import_file(orchard, "copy", path))
    copied = orchard.store.report(result.new_ids[0])
    assert result.added == 3 and (copied.priority, copied.owner) == ("P0", "lee")
    with pytest.raises(UserError, match="no project"):
        export_csv(orchard, "nope", path)
