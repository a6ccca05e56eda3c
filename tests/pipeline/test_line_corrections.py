"""Keeping the reviewed line labels across a cleaner change (detente keep-line-labels)."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import REPO
from detente.cli import main
from detente.errors import InputError
from detente.pipeline.clean import LineLabel, clean_document
from detente.pipeline.corpus import load_document
from detente.pipeline.line_corrections import carried_corrections, keep_line_labels, release_categories
from detente.version import DATASET_VERSION

RELEASE = REPO / "annotated" / DATASET_VERSION
CORRECTIONS = REPO / "annotated" / "source" / "line_corrections"


def _predicted(*categories: str) -> list[LineLabel]:
    return [LineLabel(n, category, "predicted", f"rule-{n}") for n, category in enumerate(categories, start=1)]


def test_a_changed_prediction_becomes_a_correction_that_names_the_release_and_the_prediction():
    got = carried_corrections("dtn-x", ["Title", "Body text.", "Share"], _predicted("title", "footer", "share"),
                              ["title", "body", "share"], None, "0.7.0", "cleaner/9")
    assert got == {
        "doc_id": "dtn-x",
        "reviewed_by": "DETENTE maintainers (labels of release 0.7.0 kept when the cleaner changed)",
        "corrections": [{"line": 2, "text": "Body text.", "category": "body",
                         "reason": "Reviewed gold label kept from release 0.7.0; cleaner/9 predicts 'footer' (rule rule-2)."}],
    }


def test_an_old_correction_keeps_its_reason_and_one_the_new_cleaner_makes_unnecessary_is_dropped():
    old = {"doc_id": "dtn-x", "reviewed_by": "a reviewer", "corrections": [
        {"line": 1, "text": "Title", "category": "title", "reason": "not needed any more"},
        {"line": 3, "text": "Link copied", "category": "share", "reason": "the copy-link toast"},
    ]}
    got = carried_corrections("dtn-x", ["Title", "Body text.", "Link copied"], _predicted("title", "body", "footer"),
                              ["title", "body", "share"], old, "0.7.0", "cleaner/9")
    assert got == {"doc_id": "dtn-x", "reviewed_by": "a reviewer", "corrections": [old["corrections"][1]]}
    assert carried_corrections("dtn-x", ["Title"], _predicted("title"), ["title"], old, "0.7.0", "cleaner/9") is None


def test_an_old_correction_to_another_category_is_replaced():
    old = {"doc_id": "dtn-x", "reviewed_by": "r", "corrections": [{"line": 1, "text": "A", "category": "body", "reason": "old"}]}
    got = carried_corrections("dtn-x", ["A"], _predicted("footer"), ["navigation"], old, "0.7.0", "c")
    assert got is not None and got["corrections"][0]["category"] == "navigation" and got["corrections"][0]["reason"].startswith("Reviewed gold label kept")


def test_mismatched_lengths_are_a_programming_error():
    with pytest.raises(ValueError, match="2 lines, 1 predictions"):
        carried_corrections("dtn-x", ["a", "b"], _predicted("body"), ["body", "body"], None, "0.7.0", "c")


def test_the_repository_corrections_are_those_the_packaged_cleaner_needs_for_the_current_release(tmp_path):
    """Run over the real corpus: the sources' corrections come out byte for byte (they are in step with the model),
    and cleaning with them gives the release's line labels."""
    copy = tmp_path / "line_corrections"
    shutil.copytree(CORRECTIONS, copy)
    reports = keep_line_labels(RELEASE, REPO / "raw", copy)
    assert len(reports) == 5
    assert sorted(p.name for p in copy.iterdir()) == sorted(p.name for p in CORRECTIONS.iterdir())
    for path in CORRECTIONS.iterdir():
        assert (copy / path.name).read_bytes() == path.read_bytes(), path.name
    released = release_categories(RELEASE)
    for raw in sorted((REPO / "raw").glob("*.txt")):
        doc = load_document(raw)
        assert clean_document(doc, copy).categories == released[doc.doc_id]


def test_a_stale_correction_file_is_rewritten_and_an_unneeded_one_removed(tmp_path):
    copy = tmp_path / "line_corrections"
    shutil.copytree(CORRECTIONS, copy)
    needed = json.loads((copy / "dtn-32a52c8a8bac.json").read_text(encoding="utf-8"))
    (copy / "dtn-32a52c8a8bac.json").write_text(json.dumps({**needed, "corrections": needed["corrections"][:1]}), encoding="utf-8")
    (copy / "dtn-0885a700d99d.json").write_text(json.dumps({"doc_id": "dtn-0885a700d99d", "reviewed_by": "r", "corrections": []}), encoding="utf-8")
    keep_line_labels(RELEASE, REPO / "raw", copy)
    rewritten = json.loads((copy / "dtn-32a52c8a8bac.json").read_text(encoding="utf-8"))["corrections"]
    assert [(c["line"], c["category"]) for c in rewritten] == [(c["line"], c["category"]) for c in needed["corrections"]]
    assert rewritten[0] == needed["corrections"][0]  # kept with its reason
    assert all(c["reason"].startswith(f"Reviewed gold label kept from release {DATASET_VERSION}; ") for c in rewritten[1:])
    assert (copy / "dtn-0885a700d99d.json").exists() == (CORRECTIONS / "dtn-0885a700d99d.json").exists()


def test_a_folder_that_is_not_a_release_is_an_error_naming_the_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"lines/train\.jsonl.*missing"):
        keep_line_labels(tmp_path, REPO / "raw", tmp_path / "c")


def test_the_command_names_a_missing_release(capsys):
    assert main(["keep-line-labels", "9.9.9"]) == 1
    assert "9.9.9: no such release folder" in capsys.readouterr().err
