"""Agent messages read as Markdown, one styled line per log row."""

from __future__ import annotations

from app.core.markdown import Block, Line, Run, inline, inline_runs, markdown_blocks, markdown_lines

MESSAGE = """## Summary
I changed **three** files:

- `cart.py`: added *discount* support
  - nested item
1. ran the tests
> note: see [the docs](https://example.com/docs)

```python
def total(items):
    # a comment, not a heading
    return sum(items)
```
Done."""


def test_each_line_gets_its_style_and_loses_its_marks() -> None:
    assert markdown_lines(MESSAGE) == [
        (Line.HEADING, "Summary"),
        (Line.TEXT, "I changed three files:"),
        (Line.TEXT, ""),
        (Line.ITEM, "• cart.py: added discount support"),
        (Line.ITEM, "  • nested item"),
        (Line.ITEM, "1. ran the tests"),
        (Line.QUOTE, "│ note: see the docs (https://example.com/docs)"),
        (Line.TEXT, ""),
        (Line.CODE, "def total(items):"),
        (Line.CODE, "    # a comment, not a heading"),
        (Line.CODE, "    return sum(items)"),
        (Line.TEXT, "Done."),
    ]


def test_an_unclosed_fence_keeps_the_rest_as_code() -> None:
    assert markdown_lines("```\nx = 1\n# not a heading") == [
        (Line.CODE, "x = 1"),
        (Line.CODE, "# not a heading"),
    ]


def test_plain_text_and_arithmetic_stay_as_they_are() -> None:
    for text in ("2 * 3 * 4 = 24", "a_b_c and snake_case_name", "price: $5", "a * b * c"):
        assert markdown_lines(text) == [(Line.TEXT, text)]
    assert inline("[https://x.org](https://x.org)") == "https://x.org"


def test_code_spans_are_kept_exactly() -> None:
    assert inline('pass `**kwargs` and `**opts`, run `-k "*foo*"`') == (
        'pass **kwargs and **opts, run -k "*foo*"'
    )
    assert inline("edit `__init__.py` and snake__case__name") == (
        "edit __init__.py and snake__case__name"
    )
    assert inline("**bold** and __strong__ text") == "bold and strong text"


def test_blocks_group_lines_and_keep_inline_marks_and_code_exactly() -> None:
    assert markdown_blocks(MESSAGE) == [
        Block(Line.HEADING, ("Summary",), level=2),
        Block(Line.TEXT, ("I changed **three** files:",)),
        Block(Line.ITEM, ("`cart.py`: added *discount* support", "nested item")),
        Block(Line.ITEM, ("ran the tests",), ordered=True),
        Block(Line.QUOTE, ("note: see [the docs](https://example.com/docs)",)),
        Block(
            Line.CODE,
            ("def total(items):", "    # a comment, not a heading", "    return sum(items)"),
        ),
        Block(Line.TEXT, ("Done.",)),
    ]


def test_a_blank_line_parts_paragraphs_and_an_unclosed_fence_runs_to_the_end() -> None:
    assert markdown_blocks("one\ntwo\n\nthree\n```\ncode") == [
        Block(Line.TEXT, ("one", "two")),
        Block(Line.TEXT, ("three",)),
        Block(Line.CODE, ("code",)),
    ]


def test_inline_runs_name_their_style_and_keep_code_spans_exactly() -> None:
    assert inline_runs("see **bold**, `a*b*c` and [docs](https://x.org) or *em*") == [
        (Run.TEXT, "see ", ""),
        (Run.STRONG, "bold", ""),
        (Run.TEXT, ", ", ""),
        (Run.CODE, "a*b*c", ""),
        (Run.TEXT, " and ", ""),
        (Run.LINK, "docs", "https://x.org"),
        (Run.TEXT, " or ", ""),
        (Run.EMPHASIS, "em", ""),
    ]
