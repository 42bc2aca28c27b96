"""What the exact signals of a report must catch, and what they must keep apart."""

from __future__ import annotations

from app.core.dupelinks import DEFAULT_MIN_SCORE, duplicate_links
from app.core.signatures import signatures
from app.core.similarity import SimilarityIndex


def test_signatures_fold_paths_case_and_line_numbers() -> None:
    windows = signatures(r"Assertion failed at line 76 of c:\Openttd\compile\src\tile_Map.h: tile")
    posix = signatures("assert in /home/me/openttd/src/tile_map.h:80")
    assert "file:tile_map.h" in windows & posix
    assert "exc:assertion failed" in windows


def test_signatures_find_exceptions_frames_and_versions() -> None:
    found = signatures(
        'File "app/store/loader.py", line 88, in load_manifest\n'
        "KeyError: 'version'\nthread received signal SIGSEGV in Database::save ()\n"
        "KeePassXC 2.7.3 (r18425)"
    )
    assert {
        "file:loader.py",
        "exc:keyerror",
        "exc:sigsegv",
        "frame:database::save",
        "ver:2.7.3",
        "ver:r18425",
    } <= found


def test_signatures_ignore_plain_prose() -> None:
    assert signatures("The export button does nothing when I click it twice.") == set()


def test_same_exception_and_frame_in_other_words_are_found() -> None:
    index = SimilarityIndex.build(
        [
            (
                1,
                "App crashes when opening a project",
                'Traceback:\n  File "app/store/loader.py", line 88, in load_manifest\n'
                "KeyError: 'version'",
            ),
            (
                2,
                "Old workspaces will not load",
                "After the upgrade I get KeyError 'version' from load_manifest (loader.py).",
            ),
            (
                3,
                "App crashes when opening a big project",
                "The app crashes when opening a project with many files; nothing is shown.",
            ),
            (4, "Settings dialog is too small", "The settings window cuts off its last row."),
        ]
    )
    assert index.similar(1, 1)[0][0] == 2
    assert index.similar(2, 1)[0][0] == 1


def test_same_words_about_different_components_are_kept_apart() -> None:
    index = SimilarityIndex.build(
        [
            (
                1,
                "Crash when saving the document",
                "Segmentation fault in Exporter::writePdf (exporter.cpp) when saving.",
            ),
            (
                2,
                "Crash when saving the document",
                "Segmentation fault in Importer::readCsv (importer.cpp) when saving.",
            ),
            (3, "PDF export quits", "It quits with a segfault; gdb shows Exporter::writePdf."),
            (4, "Toolbar icons blurry", "Icons in the toolbar look blurry on a 4K screen."),
        ]
    )
    assert index.similar(3, 1)[0][0] == 1
    ranked = [doc for doc, _ in index.similar(1, 3)]
    assert ranked.index(3) < ranked.index(2)


def test_a_report_never_lists_itself_nor_links_to_itself() -> None:
    docs = [
        (i, "Crash on start", "Segmentation fault in Loader::run (loader.cpp)") for i in (7, 3, 5)
    ]
    index = SimilarityIndex.build(docs)
    for report, _, _ in docs:
        assert report not in [doc for doc, _ in index.similar(report, 10)]
    links = duplicate_links(index, DEFAULT_MIN_SCORE)
    assert links, "identical reports must be linked"
    for report, original, confidence in links:
        assert report != original
        assert original < report  # the earlier report (smaller id) is the likely original
        assert 0.0 < confidence <= 1.0
    assert len({frozenset((a, b)) for a, b, _ in links}) == len(links)


def test_links_below_the_threshold_are_not_proposed() -> None:
    index = SimilarityIndex.build(
        [
            (1, "Crash on start", "Segmentation fault in Loader::run (loader.cpp)"),
            (2, "Dark mode colours", "The sidebar is unreadable in dark mode."),
        ]
    )
    assert duplicate_links(index, DEFAULT_MIN_SCORE) == []


def test_words_ending_like_exceptions_are_not_signatures() -> None:
    found = signatures("The default font is a terror; a failure to save shows a warning.")
    assert not any(s.startswith("exc:") for s in found), found
    assert "exc:nullpointerexception" in signatures("it threw a NullPointerException")
