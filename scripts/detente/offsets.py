"""The one place that decides whether offsets reproduce their text: annotation spans on a clean text, and segments
mapping a clean text back to its raw page. Every stage that checks offsets (compile, build, validate, evaluate,
site) calls these, so a span is judged the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from detente.errors import OffsetError


def span_problem(text: str, start: Any, end: Any, quoted: str | None) -> str | None:
    """Why [start, end) of `text` is not a valid span quoting `quoted` (None: it is; quoted None: not checked)."""
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
        return f"offsets [{start!r}, {end!r}) are not integers"
    if 0 <= end <= start <= len(text):
        return f"offsets [{start}, {end}) are {'empty' if start == end else 'reversed'}: a span's start must be less than its end"
    if not 0 <= start < end <= len(text):
        return f"offsets [{start}, {end}) out of range for a text of {len(text)} characters"
    if quoted is not None and text[start:end] != quoted:
        return f"offsets [{start}, {end}) do not reproduce {quoted!r} (the text there is {text[start:end]!r})"
    return None


def check_span(text: str, start: Any, end: Any, quoted: str | None, where: str, error: type[Exception] = OffsetError) -> None:
    """Raise `error(where, ...)` unless [start, end) is a span of `text` that reproduces `quoted`."""
    problem = span_problem(text, start, end, quoted)
    if problem is not None:
        raise error(where, problem)


def check_annotation_spans(annotation: Mapping[str, Any], text: str, where: str) -> None:
    """Every entity mention, event trigger, quotation and quotation cue of a document record reproduces its quoted text."""
    for mention in annotation["entities"]:
        check_span(text, mention["start"], mention["end"], mention["text"], f"{where}: {mention['id']}")
    for event in annotation["events"]:
        trigger = event["trigger"]
        check_span(text, trigger["start"], trigger["end"], trigger["text"], f"{where}: {event['id']}")
    for quotation in annotation.get("quotations", ()):  # records of releases before 0.7.0 have none
        check_span(text, quotation["start"], quotation["end"], quotation["text"], f"{where}: {quotation['id']}")
        if quotation["cue"] is not None:
            cue = quotation["cue"]
            check_span(text, cue["start"], cue["end"], cue["text"], f"{where}: {quotation['id']} cue")


def check_segments(clean_text: str, raw_text: str, segments: Iterable[tuple[int, int, int, int]], where: str) -> None:
    """Segments (start, raw_start, length, line) tile `clean_text` in order, one "\\n" between neighbours, and each
    reproduces the raw text at raw_start: every clean character maps back to the page."""
    expected_start = 0
    for start, raw_start, length, line in segments:
        if start != expected_start:
            raise OffsetError(f"{where}: segment for line {line}", f"starts at {start}, expected {expected_start}")
        clean = clean_text[start : start + length]
        raw = raw_text[raw_start : raw_start + length]
        if clean != raw:
            raise OffsetError(f"{where}: segment for line {line}", f"does not reproduce the raw text: clean {clean[:40]!r}, raw {raw[:40]!r}")
        expected_start = start + length + 1
    if max(expected_start - 1, 0) != len(clean_text):
        raise OffsetError(where, "clean text has characters that map to no raw offset")
