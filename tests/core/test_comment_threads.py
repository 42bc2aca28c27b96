"""A sent comment's answer: the last agent message of the first turn that started after it."""

from __future__ import annotations

from typing import Any

from app.core.followup import comment_threads
from app.core.task import Comment, CommentThread


def state(name: str, ts: float) -> dict[str, Any]:
    return {"kind": "status", "text": f"state: {name}", "status": name, "ts": ts}


def message(text: str, ts: float, seq: int, **more: Any) -> dict[str, Any]:
    return {"kind": "message", "text": text, "ts": ts, "seq": seq, **more}


LOG = [
    state("preparing", 10.0),
    state("running", 10.5),
    message("first turn's answer", 11.0, 3),
    state("succeeded", 12.0),
    state("preparing", 20.0),  # the follow-up that carried the comments
    state("running", 20.5),
    message("Looking at it", 21.0, 7),
    {"kind": "command", "command": "pytest", "ts": 21.5},
    message("## Done\n- lower case now", 22.0, 9),
    message("partial", 22.5, 10, status="started"),  # not a complete message
    state("succeeded", 23.0),
    state("preparing", 30.0),
    message("a later turn", 31.0, 13),
]


def comment(sent_at: float | None, **more: Any) -> Comment:
    return Comment("t1", "a.py", 2, "lower case", sent_at=sent_at, id=1, **more)


def test_a_sent_comment_is_answered_by_the_last_message_of_the_turn_it_started() -> None:
    sent = comment(15.0)
    assert comment_threads([sent], LOG) == [
        CommentThread(sent, "## Done\n- lower case now", turn=2, answering=False, seq=9)
    ]


def test_an_open_or_dropped_comment_has_no_answer() -> None:
    unsent, dropped = comment(None), comment(None, dropped_at=16.0)
    assert comment_threads([unsent, dropped], LOG) == [
        CommentThread(unsent),
        CommentThread(dropped),
    ]


def test_a_comment_sent_after_every_turn_waits_for_one() -> None:
    late = comment(40.0)
    assert comment_threads([late], LOG) == [CommentThread(late)]


def test_a_running_turn_answers_with_what_it_said_so_far() -> None:
    sent = comment(25.0)
    assert comment_threads([sent], LOG) == [
        CommentThread(sent, "a later turn", turn=3, answering=True, seq=13)
    ]
    silent = LOG[:-1]
    assert comment_threads([sent], silent) == [CommentThread(sent, None, turn=3, answering=True)]


def test_a_turn_started_in_the_same_millisecond_as_the_send_counts() -> None:
    sent = comment(20.0004)  # the log's times are rounded to the millisecond
    assert comment_threads([sent], LOG)[0].turn == 2
