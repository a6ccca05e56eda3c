"""Keeping the reviewed line labels across a cleaner change (detente keep-line-labels)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from detente.cli import main
from detente.errors import InputError
from detente.pipeline.clean import LineLabel, clean_document
from detente.pipeline.corpus import load_document
from detente.pipeline.line_corrections import carried_corrections, keep_line_labels, main_keep_line_labels, newest_release, release_categories
from detente.version import DATASET_VERSION

RELEASE = REPO / "annotated" / DATASET_VERSION
CORRECTIONS = REPO / "annotated" / "source" / "line_corrections"


def _predicted(*categories: str) -> list[LineLabel]:
    return [LineLabel(n, category, "predicted", f"rule-{n}") for n, category in enumerate(categories, start=1)]


def test_a_changed_prediction_becomes_a_correction_that_names_the_release_and_the_prediction():
    got = carried_corrections("dtn-x", ["Title", "Body text.", "Share"], _predicted("title", "footer", "share"),
                              ["title", "body", "share"], None, "0.7.0", "cleaner/9")
    assert got.corrections == {
        "doc_id": "dtn-x",
        "reviewed_by": "DETENTE maintainers (labels of release 0.7.0 kept when the cleaner changed)",
        "corrections": [{"line": 2, "text": "Body text.", "category": "body",
                         "reason": "Reviewed gold label kept from release 0.7.0; cleaner/9 predicts 'footer' (rule rule-2)."}],
    }
    assert (got.kept, got.dropped, got.added) == (0, 0, 1)


def test_an_old_correction_keeps_its_reason_and_one_the_new_cleaner_makes_unnecessary_is_dropped():
    old = {"doc_id": "dtn-x", "reviewed_by": "a reviewer", "corrections": [
        {"line": 1, "text": "Title", "category": "title", "reason": "not needed any more"},
        {"line": 3, "text": "Link copied", "category": "share", "reason": "the copy-link toast"},
    ]}
    got = carried_corrections("dtn-x", ["Title", "Body text.", "Link copied"], _predicted("title", "body", "footer"),
                              ["title", "body", "share"], old, "0.7.0", "cleaner/9")
    assert got.corrections == {"doc_id": "dtn-x", "reviewed_by": "a reviewer", "corrections": [old["corrections"][1]]}
    assert (got.kept, got.dropped, got.added) == (1, 1, 0)
    nothing = carried_corrections("dtn-x", ["Title"], _predicted("title"), ["title"], old, "0.7.0", "cleaner/9")
    assert nothing.corrections is None and nothing.dropped == 2


def test_a_kept_reason_states_what_the_current_cleaner_predicts():
    old = {"doc_id": "dtn-x", "reviewed_by": "r", "corrections": [{"line": 1, "text": "A", "category": "title",
           "reason": "Label kept from release 0.3.0; detente-cleaner/2 predicts 'navigation' (rule model:before-content)."}]}
    got = carried_corrections("dtn-x", ["A"], _predicted("related_link"), ["title"], old, "0.8.0", "cleaner/9+m")
    assert got.corrections is not None
    assert got.corrections["corrections"][0]["reason"] == "Label kept from release 0.3.0; cleaner/9+m predicts 'related_link' (rule rule-1)."


def test_an_old_correction_to_another_category_is_replaced():
    old = {"doc_id": "dtn-x", "reviewed_by": "r", "corrections": [{"line": 1, "text": "A", "category": "body", "reason": "old"}]}
    got = carried_corrections("dtn-x", ["A"], _predicted("footer"), ["navigation"], old, "0.7.0", "c")
    assert got.corrections is not None and got.corrections["corrections"][0]["category"] == "navigation"
    assert got.corrections["corrections"][0]["reason"].startswith("Reviewed gold label kept")
    assert (got.kept, got.dropped, got.added) == (0, 1, 1)


def test_mismatched_lengths_are_a_programming_error():
    with pytest.raises(ValueError, match="2 lines, 1 predictions"):
        carried_corrections("dtn-x", ["a", "b"], _predicted("body"), ["body", "body"], None, "0.7.0", "c")


@pytest.fixture
def corrections(tmp_path) -> Path:
    copy = tmp_path / "line_corrections"
    shutil.copytree(CORRECTIONS, copy)
    return copy


def test_the_repository_corrections_are_those_the_packaged_cleaner_needs_for_the_current_release(corrections):
    """Run over the real corpus: the sources' corrections come out byte for byte (they are in step with the model),
    and cleaning with them gives the release's line labels."""
    reports = keep_line_labels(RELEASE, REPO / "raw", corrections)
    assert len(reports) == 5 and all("0 dropped, 0 new" in report for report in reports), reports
    assert sorted(p.name for p in corrections.iterdir()) == sorted(p.name for p in CORRECTIONS.iterdir())
    for path in CORRECTIONS.iterdir():
        assert (corrections / path.name).read_bytes() == path.read_bytes(), path.name
    released = release_categories(RELEASE)
    for raw in sorted((REPO / "raw").glob("*.txt")):
        doc = load_document(raw)
        assert clean_document(doc, corrections).categories == released[doc.doc_id]


def test_a_stale_correction_file_is_rewritten_and_an_unneeded_one_removed(corrections):
    needed = json.loads((corrections / "dtn-32a52c8a8bac.json").read_text(encoding="utf-8"))
    (corrections / "dtn-32a52c8a8bac.json").write_text(json.dumps({**needed, "corrections": needed["corrections"][:1]}), encoding="utf-8")
    unneeded = {"doc_id": "dtn-0885a700d99d", "reviewed_by": "r", "corrections": [{"line": 1, "text": "x", "category": "body", "reason": "r"}]}
    (corrections / "dtn-0885a700d99d.json").write_text(json.dumps(unneeded), encoding="utf-8")
    reports = keep_line_labels(RELEASE, REPO / "raw", corrections)
    rewritten = json.loads((corrections / "dtn-32a52c8a8bac.json").read_text(encoding="utf-8"))["corrections"]
    assert [(c["line"], c["category"]) for c in rewritten] == [(c["line"], c["category"]) for c in needed["corrections"]]
    assert rewritten[0] == needed["corrections"][0]  # kept with its reason
    assert all(c["reason"].startswith(f"Reviewed gold label kept from release {DATASET_VERSION}; ") for c in rewritten[1:])
    assert f"dtn-32a52c8a8bac: {len(needed['corrections'])} corrections (was 1; 0 dropped, {len(needed['corrections']) - 1} new)" in reports
    assert "dtn-0885a700d99d: 0 corrections (was 1; 1 dropped, 0 new)" in reports
    assert not (corrections / "dtn-0885a700d99d.json").exists()


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("name, content, message", [
    ("dtn-692ce5b72fcc.json", {"doc_id": "dtn-692ce5b72fcc", "reviewed_by": "r", "corrections": [{"line": 3, "category": "body", "reason": "r"}]},
     r"dtn-692ce5b72fcc\.json.*corrections/0: 'text' is a required property"),
    ("dtn-692ce5b72fcc.json", [], r"dtn-692ce5b72fcc\.json.*is not of type 'object'"),
    ("dtn-692ce5b72fcc.json", {"doc_id": "dtn-518a5a6a036e", "reviewed_by": "r", "corrections": []}, r"doc_id 'dtn-518a5a6a036e' does not match the file name"),
    ("dtn-000000000000.json", {"doc_id": "dtn-000000000000", "reviewed_by": "r", "corrections": []}, r"corrections for document\(s\) with no raw page: dtn-000000000000\.json"),
])
def test_a_bad_corrections_file_is_an_error_naming_it_and_nothing_is_written(corrections, name, content, message):
    (corrections / "dtn-2544203ab46a.json").write_text(json.dumps({"doc_id": "dtn-2544203ab46a", "reviewed_by": "r", "corrections": []}), encoding="utf-8")
    (corrections / name).write_text(json.dumps(content), encoding="utf-8")
    before = _tree(corrections)
    with pytest.raises(InputError, match=message):
        keep_line_labels(RELEASE, REPO / "raw", corrections)
    assert _tree(corrections) == before  # the earlier document's file was not rewritten


def test_a_corrections_path_that_is_not_a_file_is_refused_before_anything_is_written(corrections):
    (corrections / "dtn-0885a700d99d.json").mkdir()
    (corrections / "dtn-2544203ab46a.json").write_text(json.dumps({"doc_id": "dtn-2544203ab46a", "reviewed_by": "r", "corrections": []}), encoding="utf-8")
    before = (corrections / "dtn-2544203ab46a.json").read_bytes()
    with pytest.raises(InputError, match="dtn-0885a700d99d.json"):
        keep_line_labels(RELEASE, REPO / "raw", corrections)
    assert (corrections / "dtn-2544203ab46a.json").read_bytes() == before


def test_a_release_document_without_its_raw_page_is_an_error(tmp_path, corrections):
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    (raw / "dtn-692ce5b72fcc.txt").unlink()
    with pytest.raises(InputError, match="has document\\(s\\) with no raw page here: dtn-692ce5b72fcc"):
        keep_line_labels(RELEASE, raw, corrections)


def test_a_page_the_release_does_not_hold_is_reported_and_left_alone(tmp_path, corrections):
    release = tmp_path / "release"
    (release / "lines").mkdir(parents=True)
    for split in ("train", "validation", "test"):
        rows = [row for row in (RELEASE / "lines" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines() if '"dtn-692ce5b72fcc"' not in row]
        (release / "lines" / f"{split}.jsonl").write_text("".join(row + "\n" for row in rows), encoding="utf-8")
    before = (corrections / "dtn-692ce5b72fcc.json").read_bytes()
    reports = keep_line_labels(release, REPO / "raw", corrections)
    assert any(r.startswith("dtn-692ce5b72fcc: not in release release") for r in reports)
    assert (corrections / "dtn-692ce5b72fcc.json").read_bytes() == before


def test_a_release_row_that_is_not_a_line_record_is_an_error_naming_its_line(tmp_path):
    (tmp_path / "lines").mkdir()
    for split in ("train", "validation", "test"):
        (tmp_path / "lines" / f"{split}.jsonl").write_text('{"doc_id": "dtn-x", "line": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"lines/train\.jsonl:1: not a line record"):
        release_categories(tmp_path)


def test_a_missing_corrections_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(InputError, match=r"line_corrections: no such folder of line corrections"):
        keep_line_labels(RELEASE, REPO / "raw", tmp_path / "line_corrections")


def test_a_folder_that_is_not_a_release_is_an_error_naming_the_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"lines/train\.jsonl.*missing"):
        keep_line_labels(tmp_path, REPO / "raw", tmp_path / "c")


def test_only_the_newest_release_is_kept(tmp_path):
    for version in ("0.9.0", "0.10.0", "0.2.0"):
        (tmp_path / version / "lines").mkdir(parents=True)
    (tmp_path / "0.11.0").mkdir()  # no lines config: not a release to keep
    assert newest_release(tmp_path) == "0.10.0"
    with pytest.raises(InputError, match=r"0\.9\.0: not the newest release \(0\.10\.0\)"):
        main_keep_line_labels("0.9.0", tmp_path, REPO / "raw", tmp_path / "c")


def test_the_command_refuses_an_older_release_without_a_traceback(capsys):
    assert main(["keep-line-labels", "0.3.0"]) == 1
    err = capsys.readouterr().err
    assert f"0.3.0: not the newest release ({newest_release(REPO / 'annotated')})" in err and "Traceback" not in err
