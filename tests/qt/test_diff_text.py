"""Diff text as a code editor draws it: syntax-coloured runs neither overlap nor leave gaps."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRect
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QImage, QPainter

from app.core.diff import Row, RowKind
from app.qt.review.diffpaint import PAD, Palette, RowPainter
from app.qt.review.syntax import SyntaxColours, lexer_for

LINE = "    return car(items, discount=0.0) + total['tax'] * 2  # sum"
WIDTH = 900


def _ink(image: QImage, background: QColor) -> list[tuple[int, int]]:
    """Return the pixels that differ from the background: where glyphs are."""
    bg = background.rgb()
    return [
        (x, y)
        for y in range(image.height())
        for x in range(image.width())
        if image.pixel(x, y) != bg
    ]


def _painted_row(font: QFont) -> QImage:
    """Paint LINE as an unchanged row of a Python diff, syntax coloured."""
    painter_ = RowPainter(QFontMetrics(font), Palette(False), SyntaxColours(False))
    painter_.set_rows((Row(RowKind.CONTEXT, 1, LINE, 1, LINE, 0),), unified=True)
    image = QImage(WIDTH, painter_.row_height, QImage.Format.Format_RGB32)
    p = QPainter(image)
    p.setFont(font)
    state = {
        "first": 0, "width": WIDTH, "current": -1, "side": "new", "hoff": 0,
        "marks": {"old": set(), "new": set()}, "words": lambda a, b: ((), ()),
        "lexer": lexer_for("cart.py"),
    }  # fmt: skip
    painter_.paint(p, state, QRect(0, 0, WIDTH, painter_.row_height))
    p.end()
    return image


def _one_run(font: QFont, like: QImage, x: int, baseline: int) -> QImage:
    """Draw LINE in one colour, in one go, where the row draws its text."""
    image = QImage(like.size(), QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    p = QPainter(image)
    p.setFont(font)
    p.setPen(QColor("#1f2328"))
    p.drawText(QPointF(x, baseline), LINE)
    p.end()
    return image


@pytest.mark.parametrize("size", [8, 11, 15])
def test_coloured_runs_draw_exactly_where_one_run_would(qapp: object, size: int) -> None:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(size)
    row = _painted_row(font)
    painter_ = RowPainter(QFontMetrics(font), Palette(False), SyntaxColours(False))
    painter_.set_rows((Row(RowKind.CONTEXT, 1, LINE, 1, LINE, 0),), unified=True)
    x, _w = painter_.text_column("new", WIDTH)
    # only the text column: the gutters hold line numbers
    text_part = row.copy(x, 0, WIDTH - x, row.height())
    plain = _one_run(font, text_part, PAD, QFontMetrics(font).ascent() + 2)
    coloured = {p for p in _ink(text_part, QColor("#ffffff"))}
    single = {p for p in _ink(plain, QColor("#ffffff"))}
    assert coloured and single
    moved = len(coloured ^ single) / len(single)
    assert moved < 0.02, f"{moved:.1%} of the glyph pixels moved at {size} pt"


def test_a_changed_word_highlight_covers_exactly_its_characters(qapp: object) -> None:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(11)
    metrics = QFontMetrics(font)
    painter_ = RowPainter(metrics, Palette(False), SyntaxColours(False))
    old, new = "x = discount(0.0)", "x = discount(0.25)"
    painter_.set_rows((Row(RowKind.CHANGE, 1, old, 1, new, 0),), unified=False)
    image = QImage(WIDTH, painter_.row_height, QImage.Format.Format_RGB32)
    p = QPainter(image)
    p.setFont(font)
    state = {
        "first": 0, "width": WIDTH, "current": -1, "side": "new", "hoff": 0,
        "marks": {"old": set(), "new": set()},
        "words": lambda a, b: (((13, 16),), ((13, 17),)), "lexer": None,
    }  # fmt: skip
    painter_.paint(p, state, QRect(0, 0, WIDTH, painter_.row_height))
    p.end()
    x, _w = painter_.text_column("new", WIDTH)
    word = QColor("#abf2bc").rgb()
    y = painter_.row_height // 2
    lit = [i for i in range(x, WIDTH) if image.pixel(i, y) == word or _near(image, i, y, word)]
    start = x + PAD + metrics.horizontalAdvance(new[:13])
    end = x + PAD + metrics.horizontalAdvance(new[:17])
    assert abs(min(lit) - start) <= 1 and abs(max(lit) + 1 - end) <= 1, (min(lit), max(lit))


def _near(image: QImage, x: int, y: int, rgb: int) -> bool:
    return any(image.pixel(x, yy) == rgb for yy in range(2, image.height() - 2))


def test_a_proportional_font_draws_as_one_run_too(qapp: object) -> None:
    font = QFont("DejaVu Sans", 11)  # the user's choice of font must not break the layout
    row = _painted_row(font)
    painter_ = RowPainter(QFontMetrics(font), Palette(False), SyntaxColours(False))
    painter_.set_rows((Row(RowKind.CONTEXT, 1, LINE, 1, LINE, 0),), unified=True)
    x, _w = painter_.text_column("new", WIDTH)
    text_part = row.copy(x, 0, WIDTH - x, row.height())
    plain = _one_run(font, text_part, PAD, QFontMetrics(font).ascent() + 2)
    coloured = set(_ink(text_part, QColor("#ffffff")))
    single = set(_ink(plain, QColor("#ffffff")))
    assert len(coloured ^ single) / len(single) < 0.02
