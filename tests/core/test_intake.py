"""Intake: pastes, CSV, JSON and GitHub issue JSON into drafts, and bad input refused clearly."""

from __future__ import annotations

import json
import re

import pytest

from app.core.intake import (
    MAX_REPORTS,
    MAX_TITLE,
    draft_from_github_issue,
    parse_csv,
    parse_json,
    parse_paste,
)
from app.core.triage import TriageError


def test_one_report_per_line() -> None:
    drafts = parse_paste("Crash on save\n\n  Typo in the menu  \n")
    assert [(d.title, d.body, d.source) for d in drafts] == [
        ("Crash on save", "", "paste"),
        ("Typo in the menu", "", "paste"),
    ]


def test_markdown_bullets_keep_their_continuation_lines_as_body() -> None:
    text = "- Crash on save\n  when the disk is full\n  every time\n* Typo\n1. Slow start\n"
    drafts = parse_paste(text)
    assert [d.title for d in drafts] == ["Crash on save", "Typo", "Slow start"]
    assert drafts[0].body == "when the disk is full\nevery time"


def test_markdown_sections_take_the_heading_as_title_and_the_rest_as_body() -> None:
    text = "## Crash on save\nSteps:\n1. save\n2. boom\n\n## Typo\n\nIn the *menu*.\n"
    crash, typo = parse_paste(text)
    assert (crash.title, crash.body) == ("Crash on save", "Steps:\n1. save\n2. boom")
    assert (typo.title, typo.body) == ("Typo", "In the *menu*.")


def test_the_same_paste_twice_names_the_same_reports() -> None:
    assert [d.external_id for d in parse_paste("a\nb")] == [
        d.external_id for d in parse_paste("a\nb\n")
    ]
    assert parse_paste("a")[0].external_id != parse_paste("b")[0].external_id


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"])
def test_an_empty_paste_is_refused(text: str) -> None:
    with pytest.raises(TriageError, match="the paste is empty"):
        parse_paste(text)


def test_a_paste_of_more_than_the_limit_is_refused_whole() -> None:
    assert len(parse_paste("\n".join(f"r{i}" for i in range(MAX_REPORTS)))) == MAX_REPORTS
    with pytest.raises(TriageError, match="at most 10,000 at once"):
        parse_paste("\n".join(f"r{i}" for i in range(MAX_REPORTS + 1)))


def test_an_overlong_title_is_cut_and_kept_whole_in_the_body() -> None:
    line = "word " * 100
    [draft] = parse_paste(line)
    assert len(draft.title) == MAX_TITLE and draft.title.endswith("…")
    assert draft.body == line.strip()


def test_csv_reads_known_columns_and_aliases() -> None:
    text = (
        "\ufeffTitle,Description,Author,created,priority,labels,id\n"
        'Crash,"line 1\nline 2",maya,2024-05-01T10:00:00Z,p1,"ui, crash",BB-7\n'
        "\n"
        "Typo,,,1700000000,,,\n"
    )
    crash, typo = parse_csv(text, "bugs.csv")
    assert (crash.title, crash.body, crash.reporter) == ("Crash", "line 1\nline 2", "maya")
    assert crash.created_at == 1714557600.0 and crash.priority == "P1"
    assert crash.labels == ("ui", "crash") and crash.external_id == "BB-7"
    assert typo.created_at == 1700000000.0 and typo.external_id.startswith("file:")


def test_csv_without_a_title_column_is_refused() -> None:
    with pytest.raises(TriageError, match=re.escape("bugs.csv: no `title` column")):
        parse_csv("summary_of_it,body\nx,y\n", "bugs.csv")


def test_csv_unknown_columns_are_named() -> None:
    with pytest.raises(TriageError, match="unknown columns 'Severity', 'os'"):
        parse_csv("title,Severity,os\nx,high,linux\n", "bugs.csv")


def test_csv_row_with_extra_fields_names_its_line() -> None:
    with pytest.raises(
        TriageError, match=re.escape("bugs.csv line 3: 3 fields, but the header has 2")
    ):
        parse_csv("title,body\na,b\nc,d,e\n", "bugs.csv")


def test_csv_bad_priority_and_date_name_their_line() -> None:
    with pytest.raises(TriageError, match="line 2: 'urgent' is not a priority"):
        parse_csv("title,priority\na,urgent\n", "b.csv")
    with pytest.raises(TriageError, match="line 2: 'yesterday' is not a date"):
        parse_csv("title,created\na,yesterday\n", "b.csv")


def test_csv_with_only_a_header_has_nothing_to_take_in() -> None:
    with pytest.raises(TriageError, match=re.escape("b.csv has no reports")):
        parse_csv("title,body\n", "b.csv")
    with pytest.raises(TriageError, match=re.escape("b.csv is empty")):
        parse_csv("", "b.csv")


def test_json_list_of_objects() -> None:
    text = json.dumps([{"title": "Crash", "body": "x", "labels": ["ui"], "priority": 2}])
    [draft] = parse_json(text, "r.json")
    assert (draft.title, draft.labels, draft.priority, draft.source) == (
        "Crash",
        ("ui",),
        "P2",
        "file",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"title": "x"}', "r.json holds an object, not a list of reports"),
        ("[1, 2]", "r.json item 1 is not an object"),
        ("[{", "r.json is not valid JSON"),
        ('[{"body": "no title"}]', "r.json item 1: no title"),
        ('[{"title": ["a"]}]', "`title` must be text, not list"),
        ("[]", "r.json has no reports"),
    ],
)
def test_bad_json_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(TriageError, match=message.replace("(", "\\(")):
        parse_json(text, "r.json")


def _issue(number: int, **extra: object) -> dict[str, object]:
    return {
        "number": number,
        "title": f"Issue {number}",
        "body": None,
        "user": {"login": "maya"},
        "labels": [{"name": "bug"}, {"name": "priority: P1"}, {"name": "category: ui"}],
        "assignees": [{"login": "lee"}],
        "created_at": "2024-05-01T10:00:00Z",
        "html_url": f"https://github.com/octo/app/issues/{number}",
        **extra,
    }


def test_github_issue_becomes_a_draft_and_a_pull_request_none() -> None:
    draft = draft_from_github_issue(_issue(7), "octo/app")
    assert draft is not None
    assert (draft.external_id, draft.reporter, draft.body, draft.owner) == (
        "octo/app#7",
        "maya",
        "",
        "lee",
    )
    assert (draft.priority, draft.category, draft.created_at) == ("P1", "ui", 1714557600.0)
    assert draft.labels == ("bug", "priority: P1", "category: ui")
    assert draft_from_github_issue(_issue(8, pull_request={"url": "x"}), "octo/app") is None


def test_github_issue_json_file_is_read_in_github_shape() -> None:
    text = json.dumps([_issue(1), _issue(2, pull_request={})])
    [draft] = parse_json(text, "issues.json")
    assert draft.external_id == "octo/app#1" and draft.source == "github"


def test_malformed_github_issue_is_refused() -> None:
    with pytest.raises(TriageError, match="without a number or a title"):
        draft_from_github_issue({"number": "7", "title": None}, "octo/app")
