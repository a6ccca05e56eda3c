"""detente.offsets: the one span check and the one segment check, on hand-made cases including the ugly ones."""

from __future__ import annotations

import pytest

from detente.errors import InputError, OffsetError
from detente.offsets import check_segments, check_span, span_problem

TEXT = "Qin met Blinken."


@pytest.mark.parametrize(
    ("start", "end", "quoted", "problem"),
    [
        (0, 3, "Qin", None),
        (8, 15, None, None),  # no quote given: only the range is checked
        (1, 4, "Qin", "offsets [1, 4) do not reproduce 'Qin' (the text there is 'in ')"),
        (3, 3, "", "offsets [3, 3) are empty: a span's start must be less than its end"),
        (8, 2, None, "offsets [8, 2) are reversed: a span's start must be less than its end"),  # both in range
        (20, 2, None, "offsets [20, 2) out of range for a text of 16 characters"),
        (-1, 3, "Qin", "offsets [-1, 3) out of range"),
        (10, 17, "linken.", "offsets [10, 17) out of range"),
        ("0", 3, "Qin", "offsets ['0', 3) are not integers"),
        (True, 3, "Qin", "offsets [True, 3) are not integers"),
    ],
)
def test_span_problem(start, end, quoted, problem):
    found = span_problem(TEXT, start, end, quoted)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem)


def test_check_span_raises_the_error_type_asked_for_naming_where():
    with pytest.raises(InputError, match=r"^p.jsonl:3: offsets \[1, 4\) do not reproduce 'Qin'"):
        check_span(TEXT, 1, 4, "Qin", "p.jsonl:3", error=InputError)
    with pytest.raises(OffsetError, match=r"^doc: m1: "):
        check_span(TEXT, 1, 4, "Qin", "doc: m1")


RAW = "  Title\n\nBody one.\nBody two.\n"  # clean: "Title\nBody one.\nBody two."
CLEAN = "Title\nBody one.\nBody two."
GOOD = [(0, 2, 5, 1), (6, 9, 9, 3), (16, 19, 9, 4)]


def test_segments_that_tile_the_clean_text_pass():
    check_segments(CLEAN, RAW, GOOD, "d")
    check_segments("", RAW, [], "empty")  # no content lines: an empty clean text maps to nothing


@pytest.mark.parametrize(
    ("segments", "clean", "message"),
    [
        ([(0, 2, 5, 1), (7, 9, 9, 3), (16, 19, 9, 4)], CLEAN, r"d: segment for line 3: starts at 7, expected 6"),
        ([(0, 3, 5, 1), (6, 9, 9, 3), (16, 19, 9, 4)], CLEAN, r"d: segment for line 1: does not reproduce the raw text"),
        (GOOD[:2], CLEAN, r"d: clean text has characters that map to no raw offset"),
        (GOOD, CLEAN + "!", r"d: clean text has characters that map to no raw offset"),
    ],
)
def test_segment_errors_name_the_line(segments, clean, message):
    with pytest.raises(OffsetError, match=message):
        check_segments(clean, RAW, segments, "d")
