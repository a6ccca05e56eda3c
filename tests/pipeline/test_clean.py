"""Clean stage: line labels, offsets back to raw, corrections, the CLI, and properties that hold for any page text."""

from __future__ import annotations

import operator
import os
import re
import socket
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import REPO
from detente.errors import InputError, SchemaError
from detente.lines.rules import MONTHS
from detente.offsets import check_segments
from detente.pipeline.clean import (
    _DATELINE_FORMATS,
    apply_corrections,
    clean_text,
    page_line_features,
    parse_dateline,
    predict_categories,
    predict_labels,
)
from detente.pipeline.corpus import load_corpus
from detente.rawtext import split_lines

PAGE = textwrap.dedent(
    """\
    Advertisement
    facebook
    WORLD
    Minister says talks with neighbour were productive and frank
    12 March 2024 09:30
    The foreign minister said on Monday that the talks had been productive and frank.
    Related: Another headline about something else entirely here
    Officials from both countries will meet again next month, the ministry added.
    Copyright (c) 2024. Example News Ltd. All rights reserved.
    More from Example News
    A headline of another story that is not part of this article
    Views: 12
    """
)


# What the line model decides for PAGE's lines (content or not), written out so that the category pass is
# tested on its own: the model's own decisions on this page are checked below, where they are clear-cut.
PAGE_CONTENT = [False, False, False, True, False, True, False, True, False, False, False, False]


def test_categories_come_from_rules_and_place_given_the_content_decision():
    features = page_line_features(PAGE.split("\n")[:-1])
    categories, rules = predict_categories(features, PAGE_CONTENT)
    assert list(enumerate(zip(categories, rules), start=1)) == [
        (1, ("advertisement", "advertisement")),
        (2, ("share", "share-network")),
        (3, ("navigation", "nav-all-caps")),
        (4, ("title", "model:first-headline")),
        (5, ("dateline", "dateline")),
        (6, ("body", "model:body")),
        (7, ("related_link", "model:headline-in-body")),
        (8, ("body", "model:body")),
        (9, ("copyright", "copyright")),
        (10, ("related_link", "related-header")),
        (11, ("related_link", "model:in-related-section")),
        (12, ("counter", "counter-views")),
    ]


def test_a_dropped_line_no_rule_names_is_named_by_its_place():
    features = page_line_features(["Menu item", "A headline of the article itself here", "The body of the article says something at length, in a sentence.",
                                   "Photographs show the minister at the talks in the capital on Monday.", "The body goes on, in another long sentence of text.", "Footer text"])
    categories, _ = predict_categories(features, [False, True, True, False, True, False])
    assert categories == ["navigation", "title", "body", "caption", "body", "footer"]


class KeepsNothing:
    """Stands in for the line model: decides that no line is content."""

    def is_content(self, stripped_lines: list[str]) -> list[bool]:
        return [False] * len(stripped_lines)


def test_nothing_kept_means_no_title_and_no_text():
    doc = clean_text("Home\nMenu\nSearch\n", model=KeepsNothing())  # type: ignore[arg-type]
    assert doc.text == "" and doc.title is None and {label.line_class for label in doc.labels} == {"boilerplate"}


def test_the_model_keeps_running_text_and_drops_plain_furniture():
    labels = {l.line: l.line_class for l in clean_text(PAGE).labels}
    assert [labels[n] for n in (6, 8)] == ["content", "content"]  # the two body sentences
    assert [labels[n] for n in (1, 2, 5, 9, 10, 12)] == ["boilerplate", "boilerplate", "metadata", "metadata", "boilerplate", "boilerplate"]


def test_clean_text_is_the_content_lines_and_metadata_becomes_fields():
    doc = clean_text(PAGE)
    kept = [l.line for l in doc.labels if l.line_class == "content"]
    assert doc.text.splitlines() == [PAGE.split("\n")[n - 1] for n in kept]
    assert doc.page_metadata["datelines"] == [{"text": "12 March 2024 09:30", "date": "2024-03-12", "time": "09:30"}]
    assert doc.page_metadata["copyrights"] == ["Copyright (c) 2024. Example News Ltd. All rights reserved."]


@pytest.mark.parametrize("raw", load_corpus(REPO / "raw"), ids=lambda d: d.doc_id)
def test_every_clean_character_maps_back_to_raw(raw):
    doc = clean_text(raw.text)
    rebuilt = [None] * len(doc.text)
    for seg in doc.segments:
        for k in range(seg.length):
            rebuilt[seg.start + k] = raw.text[seg.raw_start + k]
    unmapped = [i for i, ch in enumerate(rebuilt) if ch is None]
    assert all(doc.text[i] == "\n" for i in unmapped)
    assert len(unmapped) == len(doc.segments) - 1
    assert "".join(ch if ch is not None else "\n" for ch in rebuilt) == doc.text


def test_bullets_and_indentation_are_stripped_but_mapped():
    raw = "Senior officials hold talks on trade in the capital\n  • A standfirst bullet that summarises the story in brief\nThe officials met on Monday and discussed trade at length in the capital city.\n"
    doc = clean_text(raw)
    assert doc.text.splitlines()[1] == "A standfirst bullet that summarises the story in brief"
    seg = doc.segments[1]
    assert raw[seg.raw_start : seg.raw_start + seg.length] == "A standfirst bullet that summarises the story in brief"
    assert [l.category for l in doc.labels] == ["title", "standfirst", "body"]


def test_page_without_a_headline_has_null_title():
    doc = clean_text("The minister urged his counterpart to keep talking, officials said on Wednesday.\n")
    assert doc.title is None and doc.labels[0].category == "body"


def _corrections(**fix):
    return {"doc_id": "dtn-000000000000", "reviewed_by": "test", "corrections": [fix]}


def test_correction_overrides_and_is_marked_corrected():
    lines = split_lines(PAGE)
    labels = apply_corrections(predict_labels(lines), lines, _corrections(line=3, text="WORLD", category="footer", reason="test"), "c.json")
    assert (labels[2].category, labels[2].label_source, labels[2].rule) == ("footer", "corrected", "nav-all-caps")
    assert all(l.label_source == "predicted" for i, l in enumerate(labels) if i != 2)


@pytest.mark.parametrize(
    ("fix", "message"),
    [
        ({"line": 99, "text": "x", "category": "body", "reason": "r"}, r"c.json: corrections\[0\] \(line 99\): the raw file has only 12 lines"),
        ({"line": 3, "text": "WORLDS", "category": "footer", "reason": "r"}, r"quoted text 'WORLDS' is not the raw line 'WORLD'"),
        ({"line": 3, "text": "WORLD", "category": "navigation", "reason": "r"}, r"correction repeats the prediction 'navigation'"),
    ],
)
def test_bad_corrections_are_refused_with_location(fix, message):
    lines = split_lines(PAGE)
    with pytest.raises(InputError, match=message):
        apply_corrections(predict_labels(lines), lines, _corrections(**fix), "c.json")


def test_correction_with_unknown_category_fails_schema():
    lines = split_lines(PAGE)
    with pytest.raises(SchemaError, match=r"corrections/0/category: 'sidebar' is not one of"):
        apply_corrections(predict_labels(lines), lines, _corrections(line=3, text="WORLD", category="sidebar", reason="r"), "c.json")


def test_cli_clean_prints_clean_text_of_any_file(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(PAGE, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "detente.cli", "clean", str(page)], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == clean_text(PAGE).text.splitlines()
    assert "The foreign minister said on Monday that the talks had been productive and frank." in out.stdout.splitlines()
    assert "Advertisement" not in out.stdout and "Copyright" not in out.stdout


def test_cli_clean_names_a_missing_file_or_a_folder(tmp_path):
    for name, problem in ((tmp_path / "none.txt", "No such file or directory"), (tmp_path, "Is a directory")):
        out = subprocess.run([sys.executable, "-m", "detente.cli", "clean", str(name)], capture_output=True, text=True)
        assert out.returncode == 1 and out.stderr == f"detente clean: error: {name}: cannot read: {problem}\n"


def test_cli_clean_refuses_a_fifo_a_socket_or_a_device_without_hanging(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "fifo.txt")  # reading it would wait for a writer forever
    with monkeypatch.context() as here, socket.socket(socket.AF_UNIX) as server:
        here.chdir(tmp_path)  # a socket's path must be short: bind it by its relative name
        server.bind("sock.txt")
    for name, kind in ((tmp_path / "fifo.txt", "a FIFO"), (tmp_path / "sock.txt", "a socket"), (Path(os.devnull), "a character device")):
        out = subprocess.run([sys.executable, "-m", "detente.cli", "clean", str(name)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 1 and out.stderr == f"detente clean: error: {name}: cannot read: not a regular file ({kind})\n"


def test_cli_clean_refuses_an_empty_file_and_a_page_without_content_as_scale_does(tmp_path):
    empty, controls = tmp_path / "empty.txt", tmp_path / "controls.txt"
    empty.write_bytes(b"")
    controls.write_bytes(b"\x00\x01\n\x02\n")
    for args, message in (([str(empty)], f"{empty}: empty file (0 bytes)"), (["--labels", str(empty)], f"{empty}: empty file (0 bytes)"),
                          ([str(controls)], f"{controls}: no content lines: the cleaner kept no text from 2 lines (--labels shows each line's label)")):
        out = subprocess.run([sys.executable, "-m", "detente.cli", "clean", *args], capture_output=True, text=True)
        assert (out.returncode, out.stdout, out.stderr) == (1, "", f"detente clean: error: {message}\n")
    labelled = subprocess.run([sys.executable, "-m", "detente.cli", "clean", "--labels", str(controls)], capture_output=True, text=True, check=True)
    assert [line.split("\t")[1] for line in labelled.stdout.splitlines()] == ["boilerplate", "boilerplate"]


def test_cli_clean_reports_bad_encoding(tmp_path):
    page = tmp_path / "bad.txt"
    page.write_bytes(b"ok\n\xff\n")
    out = subprocess.run([sys.executable, "-m", "detente.cli", "clean", str(page)], capture_output=True, text=True)
    assert out.returncode == 1
    assert "bad.txt: not valid UTF-8 at byte 3" in out.stderr


# --- Any page text (property-based) ---------------------------------------------------------------------------

REAL_LINES = sorted({line.text for raw in load_corpus(REPO / "raw") for line in split_lines(raw.text)} | set(PAGE.splitlines()))


def digits(count: int) -> st.SearchStrategy[str]:
    return st.text(st.characters(categories=["Nd"]), min_size=count, max_size=count)  # any script's digits


DATELINES = st.builds(  # what the dateline rule matches, in any script's digits: "١٢ March ٢٠٢٤ ٠٩:٣٠"
    "{} {} {}{}".format, digits(1) | digits(2), st.sampled_from(MONTHS.split("|")), digits(4), st.just("") | st.builds(" {}:{}".format, digits(2), digits(2)),
)
PAGE_LINES = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"])),  # any text but lone surrogates ("\r", U+2028, U+0085 ... too)
    st.sampled_from(REAL_LINES),  # lines the model and the rules recognise: titles, body, datelines, furniture
    st.text(st.sampled_from(" \t\r\x0b\x0c\x1c\x85\u00a0\u2028\u3000"), max_size=6),  # empty, or whitespace only
    st.builds(operator.mul, st.sampled_from([*REAL_LINES, "word ", "x"]), st.integers(20, 300)),  # very long lines
    DATELINES,
)


@st.composite
def page_texts(draw: st.DrawFn) -> str:
    """Lines ended by "\n" or "\r\n" at random, the last one maybe unterminated, maybe a BOM in front."""
    lines = draw(st.lists(st.tuples(PAGE_LINES, st.sampled_from(["\n", "\r\n"])), max_size=40))
    text = "".join(line + end for line, end in lines)
    if lines and draw(st.booleans()):
        text = text.removesuffix(lines[-1][1])
    return ("\ufeff" if draw(st.booleans()) else "") + text


@settings(max_examples=300, deadline=None)
@given(page_texts())
def test_any_page_text_gets_one_label_per_line_and_segments_that_reproduce_it(raw):
    # Without corrections clean_text refuses nothing (its InputError is for corrections): no exception at all.
    doc = clean_text(raw, where="page")
    check_segments(doc.text, raw, doc.segments, "page")
    assert len(doc.labels) == len(doc.rules) == len(doc.label_sources) == len(split_lines(raw))
    for dateline in doc.page_metadata["datelines"]:  # as document.schema.json requires
        assert dateline["date"] is None or re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", dateline["date"])
        assert dateline["time"] is None or re.fullmatch(r"[0-9]{2}:[0-9]{2}", dateline["time"])


def strptime_dateline(text: str) -> tuple[str | None, str | None]:
    """The reference parse_dateline's fast path must agree with: strptime alone."""
    for fmt in _DATELINE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.date().isoformat(), (parsed.strftime("%H:%M") if "%H" in fmt else None)
    return None, None


@settings(max_examples=300, deadline=None)
@given(DATELINES | st.builds("{} {}, {}".format, st.sampled_from(MONTHS.split("|")), digits(1) | digits(2), digits(4)))
@example("12 March 2024 ٠٩:٣٠")  # the fast path took other scripts' digits: time "٠٩:٣٠", which no schema allows
@example("31 February 2024")
def test_parse_dateline_agrees_with_strptime(text):
    assert parse_dateline(text) == strptime_dateline(text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Published: 17 September 2023, 9:15am", ("2023-09-17", "09:15")),
        ("Updated Sun, Sep 17, 2023 at 09:15 AM GMT", ("2023-09-17", "09:15")),
        ("Sept. 17, 2023 | 9:15 p.m.", ("2023-09-17", "21:15")),
        ("September 17th, 2023", ("2023-09-17", None)),
        ("Posted on 17 Sep 2023 10:00 HKT", ("2023-09-17", "10:00")),
        ("Last updated: Monday, 13 November 2023 21:39 (GMT+8)", ("2023-11-13", "21:39")),
        ("2023-09-17T09:15", ("2023-09-17", "09:15")),
        ("14 June 2023 09:30", ("2023-06-14", "09:30")),
        ("June 14, 2023", ("2023-06-14", None)),
        ("31 February 2023", (None, None)),  # not a date
        ("Updated 2 hours ago", (None, None)),
    ],
)
def test_common_real_world_dateline_forms_are_read(line, expected):
    from detente.pipeline.clean import parse_dateline

    assert parse_dateline(line) == expected
