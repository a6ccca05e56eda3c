"""Clean stage: line labels, offsets back to raw, corrections, the CLI."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conftest import REPO
from detente.clean import apply_corrections, clean_text, predict_labels
from detente.corpus import load_corpus, split_lines
from detente.errors import InputError, SchemaError

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


def test_unseen_page_is_labelled_by_general_rules():
    labels = {l.line: (l.line_class, l.category) for l in clean_text(PAGE).labels}
    assert labels == {
        1: ("boilerplate", "advertisement"),
        2: ("boilerplate", "share"),
        3: ("boilerplate", "navigation"),
        4: ("content", "title"),
        5: ("metadata", "dateline"),
        6: ("content", "body"),
        7: ("boilerplate", "related_link"),
        8: ("content", "body"),
        9: ("metadata", "copyright"),
        10: ("boilerplate", "related_link"),
        11: ("boilerplate", "related_link"),
        12: ("boilerplate", "counter"),
    }


def test_clean_text_is_title_and_body_and_metadata_becomes_fields():
    doc = clean_text(PAGE)
    assert doc.title == "Minister says talks with neighbour were productive and frank"
    assert doc.text.splitlines() == [
        "Minister says talks with neighbour were productive and frank",
        "The foreign minister said on Monday that the talks had been productive and frank.",
        "Officials from both countries will meet again next month, the ministry added.",
    ]
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
    assert out.stdout.splitlines()[0] == "Minister says talks with neighbour were productive and frank"
    assert "Advertisement" not in out.stdout and "Copyright" not in out.stdout


def test_cli_clean_reports_bad_encoding(tmp_path):
    page = tmp_path / "bad.txt"
    page.write_bytes(b"ok\n\xff\n")
    out = subprocess.run([sys.executable, "-m", "detente.cli", "clean", str(page)], capture_output=True, text=True)
    assert out.returncode == 1
    assert "bad.txt: not valid UTF-8 at byte 3" in out.stderr
