"""The side-by-side diff view on hand-made diffs: rows, filler, gutters, words, keys, speed."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage

from app.core.diff import FileDiff, FileEntry, FileStatus, Hunk, Row, RowKind, word_spans
from app.qt.review.diffpaint import _LIGHT
from app.qt.review.diffview import DiffView
from app.qt.review.syntax import lexer_for

H, C, X, D, A = RowKind.HUNK, RowKind.CONTEXT, RowKind.CHANGE, RowKind.DELETE, RowKind.ADD


def small_diff(path: str = "src/app.txt") -> FileDiff:
    """Return a diff with one hunk: context, a changed line, a removed and an added line."""
    header = "@@ -1,4 +1,4 @@ def main"
    rows = (
        Row(H, None, header, None, header, 0),
        Row(C, 1, "alpha", 1, "alpha", 0),
        Row(X, 2, "value = 1", 2, "value = 2", 0),
        Row(D, 3, "gone", None, None, 0),
        Row(A, None, None, 3, "new line", 0),
        Row(C, 4, "omega", 4, "omega", 0),
    )
    entry = FileEntry(path, FileStatus.MODIFIED, insertions=2, deletions=2)
    return FileDiff(entry, rows, (Hunk(1, 4, 1, 4, " def main", 0),))


def big_diff(lines: int, hunk_every: int = 0, path: str = "big.py") -> FileDiff:
    """Return a diff of `lines` rows cycling through context, change, delete and add."""
    rows: list[Row] = []
    hunks: list[Hunk] = []
    old = new = 0
    for i in range(lines):
        if hunk_every and i % hunk_every == 0:
            hunks.append(Hunk(old + 1, 1, new + 1, 1, "", len(rows)))
            rows.append(Row(H, None, f"@@ hunk {len(hunks)} @@", None, "", len(hunks) - 1))
        kind = (C, X, D, A)[i % 4]
        o = f"    result_{i} = compute({i}, 'old')" if kind in (C, X, D) else None
        n = f"    result_{i} = compute({i}, 'new')" if kind in (C, X, A) else None
        if kind is C:
            n = o
        old += o is not None
        new += n is not None
        rows.append(Row(kind, old if o else None, o, new if n else None, n, max(0, len(hunks) - 1)))
    entry = FileEntry(path, FileStatus.MODIFIED, insertions=lines // 2, deletions=lines // 2)
    return FileDiff(entry, tuple(rows), tuple(hunks))


@pytest.fixture
def view(qtbot: Any) -> DiffView:
    v = DiffView()
    qtbot.addWidget(v)
    v.resize(900, 400)
    return v


def paint(view: DiffView) -> QImage:
    """Paint the viewport into an image, as the screen would get it."""
    return view.viewport().grab().toImage()


def colours_in(image: QImage, y: int, x0: int, x1: int) -> set[str]:
    return {QColor(image.pixel(x, y)).name() for x in range(x0, x1)}


def test_rows_are_aligned_with_filler_where_lines_were_added_or_removed(view: DiffView) -> None:
    view.set_diff(small_diff())
    assert view.row_count() == 6
    deleted, added = view.row(3), view.row(4)
    assert (deleted.old_no, deleted.new_no) == (3, None)
    assert (added.old_no, added.new_no) == (None, 3)
    image, rh, half = paint(view), view.row_height(), view.viewport().width() // 2
    mid = lambda row: row * rh + rh // 2  # noqa: E731
    # The removed line is red on the left and hatched filler on the right, and vice versa.
    assert _LIGHT["del"] in colours_in(image, mid(3), half - 60, half - 10)
    assert {_LIGHT["filler"], _LIGHT["hatch"]} <= colours_in(image, mid(3), half + 80, half + 200)
    assert {_LIGHT["filler"], _LIGHT["hatch"]} <= colours_in(image, mid(4), 80, 200)
    assert _LIGHT["add"] in colours_in(image, mid(4), view.width() - 80, view.width() - 30)
    # Context rows are plain on both sides.
    assert _LIGHT["del"] not in colours_in(image, mid(1), 0, view.width() - 20)


def test_line_numbers_on_both_sides_in_their_gutters(view: DiffView) -> None:
    view.set_diff(small_diff())
    image, rh, half = paint(view), view.row_height(), view.viewport().width() // 2
    gutter = view._painter.text_column("old", view.viewport().width())[0]

    def has_digits(x0: int, row: int) -> bool:
        """Say whether the gutter at `x0` has ink (backgrounds and filler are all light)."""
        ys = range(row * rh + 2, row * rh + rh - 2)
        xs = range(x0 + 2, x0 + gutter - 2)
        return any(QColor(image.pixel(x, y)).lightness() < 170 for x in xs for y in ys)

    assert has_digits(0, 1) and has_digits(half, 1)  # context: both numbers
    assert has_digits(0, 3) and not has_digits(half, 3)  # removed: only the old number
    assert view.line_at(2, "old") == (2, "value = 1")
    assert view.line_at(2, "new") == (2, "value = 2")
    assert view.line_at(4, "old") is None


def test_unified_view_lists_old_lines_then_new_lines(view: DiffView) -> None:
    view.set_diff(small_diff())
    view.set_unified(True)
    kinds = [view.row(i).kind for i in range(view.row_count())]
    assert kinds == [H, C, D, D, A, A, C]
    assert [view.row(i).new_no for i in range(view.row_count())] == [None, 1, None, None, 2, 3, 4]
    paint(view)
    view.set_unified(False)
    assert view.row_count() == 6


def test_one_scroll_moves_both_sides(view: DiffView) -> None:
    view.set_diff(big_diff(2000))
    view.verticalScrollBar().setValue(101)  # row 101 is a CHANGE row
    assert view.first_visible_row() == 101 and view.row(101).kind is X
    image, rh, half = paint(view), view.row_height(), view.viewport().width() // 2
    assert _LIGHT["del"] in colours_in(image, rh // 2, half - 40, half - 5)
    assert _LIGHT["add"] in colours_in(image, rh // 2, view.width() - 60, view.width() - 30)
    assert view.visible_rows().start == 101


def test_word_spans_are_asked_only_for_visible_rows_and_cached(qtbot: Any) -> None:
    asked: list[tuple[str, str]] = []

    def counting(old: str, new: str) -> Any:
        asked.append((old, new))
        return word_spans(old, new)

    view = DiffView(word_spans=counting)
    qtbot.addWidget(view)
    view.resize(900, 400)
    diff = big_diff(4000)
    view.set_diff(diff)
    paint(view)
    visible = {(view.row(i).old_text, view.row(i).new_text) for i in view.visible_rows()}
    assert asked and set(asked) <= visible
    assert len(asked) <= len(view.visible_rows())
    before = len(asked)
    paint(view)
    assert len(asked) == before  # cached
    view.verticalScrollBar().setValue(3000)
    paint(view)
    later = {(view.row(i).old_text, view.row(i).new_text) for i in view.visible_rows()}
    assert set(asked[before:]) <= later and len(asked) > before


def test_changed_words_are_highlighted_within_a_change_row(view: DiffView) -> None:
    view.set_diff(small_diff())
    image, rh = paint(view), view.row_height()
    x, _w = view._painter.text_column("new", view.viewport().width())
    advance = view._painter.advance  # the font's real advance, a fraction of a pixel at times
    # "value = 2": the "2" at column 8 changed; "value" did not. Probe the middle of the "2".
    changed = x + 6 + int(8.5 * advance)
    y = 2 * rh + 2
    assert QColor(image.pixel(changed, y)).name() == _LIGHT["add_word"]
    assert QColor(image.pixel(x + 6 + 1, y)).name() == _LIGHT["add"]


def test_clicking_a_line_number_opens_the_editor_and_save_reports_the_comment(
    view: DiffView, qtbot: Any
) -> None:
    view.show()
    view.set_diff(small_diff())
    rh, half = view.row_height(), view.viewport().width() // 2
    with qtbot.waitSignal(view.comment_saved) as saved:
        qtbot.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(half + 10, 4 * rh + 3)
        )
        assert view.editor.isVisible()
        assert "new line 3" in view.editor.title.text()
        qtbot.keyClicks(view.editor.edit, "Explain this line")
        qtbot.keyClick(view.editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert saved.args == [4, "new", "Explain this line"]
    assert not view.editor.isVisible()
    view.close()


def test_c_comments_on_the_current_line_and_escape_cancels(view: DiffView, qtbot: Any) -> None:
    view.show()
    view.set_diff(small_diff())
    view.setFocus()
    view.set_current_row(3)  # a removed line: the old side has it, the new side is filler
    qtbot.keyClick(view, "c")
    assert view.editor.isVisible() and "old line 3" in view.editor.title.text()
    qtbot.keyClick(view.editor.edit, Qt.Key.Key_Escape)
    assert not view.editor.isVisible()
    view.close()


def test_clicking_filler_does_not_open_the_editor(view: DiffView, qtbot: Any) -> None:
    view.show()
    view.set_diff(small_diff())
    rh = view.row_height()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(10, 4 * rh + 3))
    assert not view.editor.isVisible()
    view.close()


def test_next_and_previous_hunk_move_the_current_row_and_scroll(view: DiffView) -> None:
    view.set_diff(big_diff(3000, hunk_every=500))
    hunks = view.hunk_rows()
    assert len(hunks) == 6
    assert view.next_hunk() and view.current_row() == hunks[0]
    assert view.next_hunk() and view.current_row() == hunks[1]
    assert hunks[1] in view.visible_rows()
    assert view.next_hunk(backwards=True) and view.current_row() == hunks[0]
    assert not view.next_hunk(backwards=True)
    view.set_current_row(hunks[-1])
    assert not view.next_hunk()


def test_a_placeholder_offers_load_anyway(view: DiffView, qtbot: Any) -> None:
    view.show()
    entry = FileEntry("huge.json", FileStatus.MODIFIED, 30000, 10, size=2_400_000)
    view.set_diff(FileDiff(entry, placeholder="Large file: 2.4 MB, 30,010 changed lines"))
    assert view.row_count() == 0
    assert view.placeholder.isVisible() and view.placeholder.button.isVisible()
    assert "2.4 MB" in view.placeholder.label.text()
    with qtbot.waitSignal(view.load_anyway_requested):
        qtbot.mouseClick(view.placeholder.button, Qt.MouseButton.LeftButton)
    view.set_diff(small_diff())
    assert not view.placeholder.isVisible() and view.row_count() == 6
    view.show_message("Loading…")
    assert view.placeholder.isVisible() and not view.placeholder.button.isVisible()
    view.close()


def test_long_lines_are_clipped_and_scroll_sideways(view: DiffView) -> None:
    long = "x = '" + "a" * 5000 + "'"
    rows = (Row(C, 1, long, 1, long, 0),)
    view.set_diff(FileDiff(FileEntry("long.py", FileStatus.MODIFIED), rows))
    bar = view.horizontalScrollBar()
    assert bar.maximum() > 5000 * view._painter.char_width - view.width()
    bar.setValue(bar.maximum())
    paint(view)


def test_comment_marks_show_in_the_gutter(view: DiffView) -> None:
    view.set_diff(small_diff())
    view.set_comment_marks(old=set(), new={3})
    image, rh, half = paint(view), view.row_height(), view.viewport().width() // 2
    assert _LIGHT["mark"] in colours_in(image, 4 * rh + rh // 2, half, half + 20)
    assert _LIGHT["mark"] not in colours_in(image, 1 * rh + rh // 2, half, half + 20)


def test_syntax_is_lexed_per_visible_line_and_cached(view: DiffView) -> None:
    assert lexer_for("a/b/unknown.zzzq") is None
    assert lexer_for("src/app.py") is not None
    view.set_diff(big_diff(4000, path="src/app.py"))
    paint(view)
    lexed = view.syntax.lexed
    assert 0 < lexed <= 2 * len(view.visible_rows())
    paint(view)
    assert view.syntax.lexed == lexed
    spans = view.syntax.spans(lexer_for("x.py"), "def f(): return 'x'  # note")
    families = {family for _a, _b, family in spans}
    assert len(families) >= 3  # keyword, function name, string, comment


def test_a_20000_line_diff_paints_fast(view: DiffView) -> None:
    diff = big_diff(20000, hunk_every=400, path="big.py")
    start = time.perf_counter()
    view.set_diff(diff)
    first = paint(view)
    opened = time.perf_counter() - start
    times = []
    for value in range(0, view.verticalScrollBar().maximum(), 997):
        view.verticalScrollBar().setValue(value)
        t = time.perf_counter()
        paint(view)
        times.append(time.perf_counter() - t)
    view.set_unified(True)
    t = time.perf_counter()
    paint(view)
    unified = time.perf_counter() - t
    print(
        f"\n20,000-line diff: set_diff+first paint {opened * 1000:.1f} ms; "
        f"viewport paint (cold cache) median {sorted(times)[len(times) // 2] * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms over {len(times)} positions; "
        f"unified toggle+paint {unified * 1000:.1f} ms"
    )
    assert not first.isNull() and view.row_count() > 20000
