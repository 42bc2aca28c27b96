"""Local duplicate detection over realistic bug-bash reports."""

from __future__ import annotations

import time

import pytest

from app.core.similarity import MIN_SCORE, SimilarityIndex, features, stem, words

# (id, title, body). 101/102, 103/104, 105/106 and 107/108 are the same bug told twice.
REPORTS: list[tuple[int, str, str]] = [
    (
        101,
        "App crashes when I log in with SSO",
        "Clicked 'Sign in with Okta', the browser came back and then the whole app crashed. "
        "Steps to reproduce:\n1. Log out\n2. Log in with SSO\n3. Crash to desktop",
    ),
    (
        102,
        "Crash on login via single sign-on",
        "After the Okta redirect the application crashes immediately. Happens every time "
        "I try the SSO login. Password login works fine.",
    ),
    (
        103,
        "Dark mode: sidebar text is unreadable",
        "With the dark theme on, the sidebar labels are dark grey on black. Almost invisible.",
    ),
    (
        104,
        "Sidebar labels invisible in dark theme",
        "Switching to dark mode makes the text in the sidebar nearly impossible to read; "
        "contrast is far too low.",
    ),
    (
        105,
        "CSV export drops rows with unicode names",
        "Exporting the customer list to CSV silently loses every row whose name has an accent, "
        "e.g. José or Zoë. The file has 812 rows instead of 840.",
    ),
    (
        106,
        "Missing rows after exporting customers to csv",
        "Customers with accented names like Zoë are missing from the exported CSV file.",
    ),
    (
        107,
        "Upload progress bar freezes at 99%",
        "Uploading a large video, the progress bar freezes at 99 percent and never finishes, "
        "though the file is on the server.",
    ),
    (
        108,
        "Progress stuck at 99% on big uploads",
        "Big file uploads hang at 99% forever. The upload actually completed on the backend.",
    ),
    (
        109,
        "Typo in the onboarding email",
        "The welcome email says 'Wellcome to Orchard'. Should be Welcome.",
    ),
    (
        110,
        "Search results are slow for long queries",
        "Typing a sentence in the global search takes 4 seconds to show results.",
    ),
    (
        111,
        "Notification badge count never resets",
        "The red badge on the bell icon keeps showing 3 even after reading all notifications.",
    ),
    (
        112,
        "Date picker shows the wrong week start",
        "In the German locale the calendar should start on Monday but starts on Sunday.",
    ),
    (
        113,
        "Cannot delete a project with archived tasks",
        "Delete project button is greyed out if any task in it was archived.",
    ),
    (
        114,
        "Keyboard shortcut Ctrl+K does nothing on Linux",
        "The command palette shortcut works on macOS (Cmd+K) but not on Ubuntu.",
    ),
    (
        115,
        "Avatar images are blurry on retina screens",
        "Profile pictures look pixelated on a HiDPI display; they seem to be served at 1x.",
    ),
    (
        116,
        "Billing page shows prices in USD for EU customers",
        "Customers in France see dollar prices on the billing page instead of euros.",
    ),
    (
        117,
        "Password reset link expires too quickly",
        "The reset email link already says expired when opened five minutes later.",
    ),
    (
        118,
        "Tooltip overlaps the save button",
        "Hovering the help icon shows a tooltip that covers the Save button in the editor.",
    ),
    (
        119,
        "Memory usage grows while the dashboard is open",
        "Leaving the dashboard open overnight, the tab uses 3 GB of RAM by morning.",
    ),
    (
        120,
        "Drag and drop reorder loses the last item",
        "Reordering the checklist by drag and drop deletes the item at the end of the list.",
    ),
]
DUPLICATES = [(101, 102), (103, 104), (105, 106), (107, 108)]


@pytest.fixture
def index() -> SimilarityIndex:
    return SimilarityIndex.build(REPORTS)


@pytest.mark.parametrize(("one", "other"), DUPLICATES + [(b, a) for a, b in DUPLICATES])
def test_the_true_duplicate_ranks_first(index: SimilarityIndex, one: int, other: int) -> None:
    hits = index.similar(one)
    assert hits[0][0] == other
    assert hits[0][1] > 0.15


def test_unrelated_reports_score_low(index: SimilarityIndex) -> None:
    paired = {n for pair in DUPLICATES for n in pair}
    for report_id, _title, _body in REPORTS:
        if report_id in paired:
            continue
        hits = index.similar(report_id, k=5)
        assert all(score < 0.15 for _other, score in hits), (report_id, hits)


def test_results_are_sorted_bounded_and_never_the_report_itself(index: SimilarityIndex) -> None:
    for report_id, _title, _body in REPORTS:
        hits = index.similar(report_id, k=10)
        assert report_id not in [other for other, _score in hits]
        scores = [score for _other, score in hits]
        assert scores == sorted(scores, reverse=True)
        assert all(MIN_SCORE <= score <= 1.0 for score in scores)
        assert len(hits) <= 10


def test_an_identical_report_scores_one(index: SimilarityIndex) -> None:
    index.add(200, REPORTS[8][1], REPORTS[8][2])
    assert index.similar(200)[0] == (109, pytest.approx(1.0))


def test_stems_and_joined_words_match() -> None:
    assert {stem(w) for w in ("crash", "crashes", "crashed", "crashing")} == {"crash"}
    assert stem("freezes") == stem("freezing") == stem("freeze")
    assert stem("settings") == stem("setting")
    _singles, pairs = features("I could not log in")
    assert "login" in pairs
    assert "login" in features("login fails")[0]


def test_add_indexes_a_new_report_and_replaces_a_known_one(index: SimilarityIndex) -> None:
    index.add(300, "Export to CSV loses accented customer names", "José is not in the file")
    assert len(index) == len(REPORTS) + 1
    assert index.similar(300)[0][0] in (105, 106)
    index.add(300, "Notification bell badge stuck at 3", "Unread count never goes to zero")
    assert len(index) == len(REPORTS) + 1
    assert index.similar(300)[0][0] == 111
    assert 300 not in [other for other, _s in index.similar(105, k=5)]


def test_remove_forgets_a_report(index: SimilarityIndex) -> None:
    index.remove(102)
    assert 102 not in index
    assert len(index) == len(REPORTS) - 1
    assert index.similar(102) == []
    assert 102 not in [other for other, _s in index.similar(101, k=20)]
    index.remove(102)  # unknown now: ignored
    assert index.search("okta redirect crash", k=20)[0][0] == 101


def test_many_adds_keep_scores_sane() -> None:
    index = SimilarityIndex.build(REPORTS[:4])
    for report_id, title, body in REPORTS[4:]:
        index.add(report_id, title, body)
    built = SimilarityIndex.build(REPORTS)
    for one, other in DUPLICATES:
        assert index.similar(one)[0][0] == other
        assert index.similar(one)[0][1] == pytest.approx(built.similar(one)[0][1], rel=0.25)


def test_empty_title_and_body() -> None:
    index = SimilarityIndex.build(
        [(1, "", ""), (2, "Crash on start", ""), (3, "", "crash on start")]
    )
    assert index.similar(1) == []
    assert index.similar(2)[0][0] == 3
    assert index.search("") == []
    assert index.search("   ") == []
    assert index.similar(99) == []
    assert SimilarityIndex.build([]).similar(1) == []


def test_unicode_reports() -> None:
    index = SimilarityIndex.build(
        [
            (1, "Überweisung schlägt fehl", "Die Überweisung bricht mit Fehler 500 ab"),
            (2, "Ueberweisung: Fehler 500", "uberweisung schlagt fehl beim Bestatigen"),
            (3, "ログイン画面がフリーズする", "ログインボタンを押すと画面が固まる"),
            (4, "ログイン後に画面がフリーズ", "ボタンを押した後、画面が動かない"),
            (5, "Emoji in title 🚀 breaks the list", "A title with 🚀 renders as boxes"),
        ]
    )
    assert index.similar(1)[0][0] == 2
    assert index.similar(3)[0][0] == 4
    assert words("Café NAÏVE") == ["cafe", "naive"]
    assert index.search("emoji")[0][0] == 5


def test_a_huge_body_is_capped_and_fast() -> None:
    body = "The export crashes. " + "lorem ipsum dolor sit amet " * 40_000  # about 1 MB
    assert len(body) > 1_000_000
    started = time.perf_counter()
    index = SimilarityIndex.build([*REPORTS, (500, "CSV export crashes on a big file", body)])
    assert time.perf_counter() - started < 1.0
    assert len(words(body)) == 2_000
    hits = index.similar(500)
    assert all(0.0 <= score <= 1.0 for _other, score in hits)
    assert hits[0][0] in (105, 106)  # the CSV export reports, not drowned by the filler


def test_search_finds_by_words_and_title_prefix(index: SimilarityIndex) -> None:
    assert index.search("dark mode sidebar")[0][0] in (103, 104)
    assert index.search("Upload progr")[0][0] == 107  # the title starts with it
    assert index.search("tooltip")[0][0] == 118
    assert index.search("crashi")[0][0] in (101, 102)  # a word still being typed
    assert index.search("zzzqqq") == []
    assert index.search("nothing")[0][0] == 114


def test_search_excludes_and_takes_a_report_number(index: SimilarityIndex) -> None:
    hits = index.search("dark mode sidebar", exclude={103})
    assert hits[0][0] == 104
    assert 103 not in [other for other, _s in hits]
    assert index.search("#117")[0] == (117, 1.0)
    assert index.search("117", exclude={117}) == []
    assert index.search("tooltip", k=1) == [index.search("tooltip")[0]]
