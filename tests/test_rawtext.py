"""detente.rawtext: line ends ("\\n", "\\r\\n", lone "\\r") and the byte-order mark."""

from __future__ import annotations

import pytest

from detente.pipeline.clean import clean_text
from detente.rawtext import line_end_style, line_pieces, split_lines


@pytest.mark.parametrize(
    ("text", "pieces", "style"),
    [
        ("a\nb\n", ["a", "b"], "lf"),
        ("a\r\nb\r\n", ["a\r", "b\r"], "crlf"),
        ("a\rb\r", ["a", "b"], "cr"),  # old Mac line ends: before 0.5.0 this was one line
        ("a\rb\nc\r\nd", ["a", "b", "c\r", "d"], "mixed"),
        ("a\u2028b\u0085c", ["a\u2028b\u0085c"], "none"),  # only real line ends split a line
        ("", [""], "none"),  # as before: an empty page is one empty line
        ("\n\n", ["", ""], "lf"),
    ],
)
def test_line_pieces_and_style(text, pieces, style):
    assert line_pieces(text) == pieces
    assert line_end_style(text) == style
    starts = [line.start for line in split_lines(text)]
    assert all(text[s : s + len(p.removesuffix("\r"))] == p.removesuffix("\r") for s, p in zip(starts, pieces))


PAGE = "Minister meets counterpart in Beijing\rThe two ministers met on Monday and agreed to talk again soon.\rThey spoke for three hours about trade, visas and flights.\r"


def test_lone_cr_pages_are_split_into_lines():
    doc = clean_text(PAGE)
    assert len(doc.labels) == 3
    assert "The two ministers met on Monday" in doc.text and "\r" not in doc.text


def test_a_byte_order_mark_is_not_part_of_the_text_or_title():
    plain, with_bom = clean_text(PAGE.replace("\r", "\n")), clean_text("\ufeff" + PAGE.replace("\r", "\n"))
    assert with_bom.text == plain.text and with_bom.title == plain.title
    assert not with_bom.text.startswith("\ufeff")
    assert [s.raw_start for s in with_bom.segments] == [s.raw_start + 1 for s in plain.segments]  # offsets count the mark
