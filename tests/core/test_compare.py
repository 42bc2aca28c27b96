"""The best-of-N scoreboard: ranking, best values, cell texts, kept results."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.compare import (
    Attempt,
    TestResult,
    build_scoreboard,
    cells,
    count_failures,
    duration_of,
    format_count,
    format_duration,
    is_stale,
    outcome_text,
    tail,
)
from app.core.states import TaskState
from tests.taskkit import make_task

BASE = make_task(id="", prompt="do it", group="g", started_at=100.0, finished_at=160.0)
RESULT = TestResult("make test", 0, 1.5, "ok\n", "c1", "tree1", 200.0)


def attempt(
    name: str,
    files: int = 1,
    plus: int = 10,
    minus: int = 0,
    test: TestResult | None = None,
    stale: bool = False,
    **task: object,
) -> Attempt:
    t = replace(BASE, id=name * 32, created_at=float(ord(name)), **task)  # type: ignore[arg-type]
    return Attempt(t, files, plus, minus, duration_of(t, now=1000.0), test, stale)


def ranked(*attempts: Attempt) -> list[str]:
    return [a.id[0] for a in build_scoreboard("g", "make test", attempts).attempts]


def failed(output: str = "", code: int = 1) -> TestResult:
    return replace(RESULT, exit_code=code, output_tail=output)


def test_passing_tests_rank_first_then_fewer_failures_then_not_run() -> None:
    order = ranked(
        attempt("a", test=failed("== 5 failed, 2 passed ==")),
        attempt("b"),
        attempt("c", test=failed("== 1 failed, 9 passed ==")),
        attempt("d", test=RESULT),
        attempt("e", test=replace(RESULT, exit_code=None, timed_out=True)),
    )
    assert order == ["d", "b", "c", "a", "e"]


def test_a_stale_pass_ranks_below_a_fresh_one_but_above_unknown() -> None:
    order = ranked(attempt("a"), attempt("b", test=RESULT, stale=True), attempt("c", test=RESULT))
    assert order == ["c", "b", "a"]


def test_ties_on_tests_go_to_finished_then_changed_then_smaller_then_cheaper() -> None:
    assert ranked(attempt("a", state=TaskState.FAILED), attempt("b")) == ["b", "a"]
    assert ranked(attempt("a", files=0, plus=0), attempt("b", plus=500)) == ["b", "a"]
    assert ranked(attempt("a", plus=50), attempt("b", plus=5)) == ["b", "a"]
    assert ranked(attempt("a", cost_usd=0.9), attempt("b", cost_usd=0.1)) == ["b", "a"]
    assert ranked(attempt("a", test=RESULT, state=TaskState.DISCARDED), attempt("b")) == ["b", "a"]


def test_best_values_per_field() -> None:
    board = build_scoreboard(
        "g",
        "make test",
        [
            attempt("a", files=3, plus=30, minus=4, test=RESULT, cost_usd=0.5, tokens_in=900),
            attempt("b", files=1, plus=2, minus=1, test=failed(), cost_usd=0.2, tokens_in=300),
            attempt("c", files=0, plus=0, minus=0, test=failed(), finished_at=130.0),
        ],
    )
    ids = {k: {i[0] for i in v} for k, v in board.best.items()}
    # c changed nothing: the smallest diff among real changes wins, not an empty one
    assert ids == {
        "state": set(),
        "duration": {"c"},
        "files": {"b"},
        "lines": {"b"},
        "tokens": {"b"},
        "cost": {"b"},
        "tests": {"a"},
    }


def test_best_ignores_closed_attempts_and_running_durations() -> None:
    board = build_scoreboard(
        "g",
        None,
        [
            attempt("a", plus=1, state=TaskState.DISCARDED),
            attempt("b", plus=9, state=TaskState.RUNNING, finished_at=None),
            attempt("c", plus=20),
        ],
    )
    assert {i[0] for i in board.best["lines"]} == {"b"}
    assert board.best["duration"] == frozenset()  # only one finished open attempt
    assert {i[0] for i in board.best["state"]} == {"c"}


def test_cells_say_what_each_field_holds() -> None:
    a = attempt("a", files=2, plus=12, minus=3, test=RESULT, tokens_in=1200, tokens_out=300)
    a = replace(a, picked=True, task=replace(a.task, cost_usd=0.125))
    assert cells(a) == {
        "state": "succeeded ★ winner",
        "duration": "1m 00s",
        "files": "2",
        "lines": "+12 -3",
        "tokens": "1.5k",
        "cost": "$0.12",
        "tests": "passed in 1.5s",
    }
    assert cells(attempt("b"))["tokens"] == "-" and cells(attempt("b"))["tests"] == "not run"


def test_outcome_texts() -> None:
    assert outcome_text(attempt("a", test=failed("3 failed, 1 passed", 2))) == (
        "failed (exit 2, 3 failed)"
    )
    timed_out = replace(RESULT, exit_code=None, timed_out=True, duration=30.0)
    assert outcome_text(attempt("a", test=timed_out)) == "timed out after 30s"
    assert outcome_text(attempt("a", test=RESULT, stale=True)) == "passed in 1.5s (stale)"
    broken = replace(RESULT, exit_code=None, error="no such folder")
    assert outcome_text(attempt("a", test=broken)) == "error: no such folder"


def test_count_failures_reads_common_summaries() -> None:
    assert count_failures("===== 3 failed, 10 passed in 1.2s =====") == 3
    assert count_failures("== 2 failed, 1 error ==") == 3
    assert count_failures("Ran 4 tests\nFAILED (failures=2)") is None
    assert count_failures("Tests: 1 failure") == 1
    assert count_failures("all good") is None
    assert count_failures("test_x: 1 failed\n== 2 failed, 5 passed ==\ndone") == 2


def test_results_round_trip_and_bad_ones_are_refused() -> None:
    assert TestResult.from_json(RESULT.to_json()) == RESULT
    with pytest.raises(ValueError, match="not a test result"):
        TestResult.from_json({"command": "x"})
    with pytest.raises(ValueError, match="not a test result"):
        TestResult.from_json({**RESULT.to_json(), "duration": "soon"})


def test_stale_when_content_or_command_changed() -> None:
    assert not is_stale(RESULT, "tree1", "make test")
    assert is_stale(RESULT, "tree2", "make test")
    assert is_stale(RESULT, "tree1", "make check")


def test_formats() -> None:
    assert [format_duration(s) for s in (None, 0.42, 12.0, 185.0, 3720.0)] == [
        "-",
        "0.4s",
        "12s",
        "3m 05s",
        "1h 02m",
    ]
    assert [format_count(n) for n in (950, 12_345, 4_100_000)] == ["950", "12.3k", "4.1M"]
    assert duration_of(replace(BASE, finished_at=None), now=130.0) == 30.0
    assert duration_of(replace(BASE, started_at=None), now=130.0) is None


def test_tail_keeps_the_end_from_a_line_start() -> None:
    text = "".join(f"line {i}\n" for i in range(1000))
    kept = tail(text, 100)
    assert text.endswith(kept) and len(kept) <= 100 and kept.startswith("line ")
    assert tail("short", 100) == "short"


def test_json_has_rank_and_best_fields() -> None:
    board = build_scoreboard(
        "g", "make test", [attempt("a", test=failed()), attempt("b", test=RESULT)]
    )
    data = board.to_json()
    assert [(a["rank"], a["id"][0]) for a in data["attempts"]] == [(1, "b"), (2, "a")]
    assert data["attempts"][0]["best"] == ["tests"]
    assert data["attempts"][0]["test"]["passed"] is True
