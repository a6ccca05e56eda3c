"""Raw store: byte-exact seeds, IDs, metadata records."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from conftest import REPO, SEEDS
from detente.errors import InputError, SchemaError
from detente.pipeline.corpus import load_corpus, load_document
from detente.rawtext import doc_id_for, split_lines


def test_raw_files_are_byte_identical_to_what_arrived():
    """The SHA-256 and size recorded on arrival in each metadata record still match the raw file (no outside folder)."""
    docs = load_corpus(REPO / "raw")
    assert len(docs) == 5
    for doc in docs:
        digest = hashlib.sha256(doc.data).hexdigest()
        assert doc.metadata["sha256"] == digest, doc.path
        assert doc.metadata["bytes"] == len(doc.data), doc.path
        assert doc.doc_id == doc.metadata["id"] == "dtn-" + digest[:12]


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"{SEEDS} is absent (only CI and maintainers have ../shared/): cannot compare raw/ with the seeds as they arrived")
def test_raw_files_are_byte_identical_to_the_seeds():
    docs = load_corpus(REPO / "raw")
    by_source = {d.metadata["source_file"]: d for d in docs}
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert sorted(by_source) == seeds
    for name in seeds:
        assert by_source[name].data == (SEEDS / name).read_bytes()
        assert by_source[name].doc_id == "dtn-" + hashlib.sha256((SEEDS / name).read_bytes()).hexdigest()[:12]


def test_metadata_never_invents_a_url_and_keeps_evidence_for_inferred_values():
    for doc in load_corpus(REPO / "raw"):
        meta = doc.metadata
        assert meta["url"] is None  # no page states its URL
        for field in ("publisher", "publication_date"):
            if meta[field]["method"] != "unknown":
                assert meta[field]["evidence"]
            else:
                assert meta[field]["value"] is None


def test_stated_publication_date_matches_the_parsed_dateline():
    from detente.pipeline.clean import clean_text

    doc = load_document(REPO / "raw" / "dtn-32a52c8a8bac.txt")
    assert doc.metadata["publication_date"] == {**doc.metadata["publication_date"], "value": "2023-06-06", "method": "stated"}
    cleaned = clean_text(doc.text)
    assert cleaned.page_metadata["datelines"] == [{"text": "06 June 2023 14:01", "date": "2023-06-06", "time": "14:01"}]


def test_split_lines_handles_crlf_and_final_newline():
    lines = split_lines("a\r\nb\n\nc\n")
    assert [(l.number, l.start, l.text) for l in lines] == [(1, 0, "a"), (2, 3, "b"), (3, 5, ""), (4, 6, "c")]
    assert [l.text for l in split_lines("x")] == ["x"]


def test_changed_raw_bytes_are_refused(tmp_path):
    src = REPO / "raw" / "dtn-32a52c8a8bac"
    shutil.copy(src.with_suffix(".txt"), tmp_path / "dtn-32a52c8a8bac.txt")
    shutil.copy(src.with_suffix(".json"), tmp_path / "dtn-32a52c8a8bac.json")
    with open(tmp_path / "dtn-32a52c8a8bac.txt", "ab") as handle:
        handle.write(b"\n")
    with pytest.raises(InputError, match=r"dtn-32a52c8a8bac.txt: file name 'dtn-32a52c8a8bac' is not the ID of its bytes"):
        load_document(tmp_path / "dtn-32a52c8a8bac.txt")


def test_metadata_violating_the_schema_names_file_and_field(tmp_path):
    data = (REPO / "raw" / "dtn-32a52c8a8bac.txt").read_bytes()
    (tmp_path / "dtn-32a52c8a8bac.txt").write_bytes(data)
    meta = json.loads((REPO / "raw" / "dtn-32a52c8a8bac.json").read_text())
    meta["publication_date"] = {"value": "2023-06-06", "method": "guessed", "evidence": None}
    (tmp_path / "dtn-32a52c8a8bac.json").write_text(json.dumps(meta))
    with pytest.raises(SchemaError, match=r"dtn-32a52c8a8bac.json: does not match schema 'raw_metadata': publication_date/method: 'guessed' is not one of"):
        load_document(tmp_path / "dtn-32a52c8a8bac.txt")


def test_invalid_utf8_is_reported_with_its_byte_offset(tmp_path):
    from detente.rawtext import decode

    with pytest.raises(InputError, match=r"page.txt: not valid UTF-8 at byte 3"):
        decode(b"abc\xff", "page.txt")


def test_doc_id_is_content_addressed():
    assert doc_id_for(b"x") == doc_id_for(b"x") != doc_id_for(b"y")
