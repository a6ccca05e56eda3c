"""Citable and publishable: CITATION.cff, BibTeX, CHANGELOG, Croissant and the Hub card parse and validate."""

from __future__ import annotations

import json

import yaml
from jsonschema import Draft7Validator

from conftest import REPO
from detente.publish.card import bibtex_from_cff, croissant, load_cff
from detente.version import DATASET_VERSION

RELEASE = REPO / "annotated" / DATASET_VERSION


def test_citation_cff_validates_against_the_cff_1_2_0_schema():
    schema = json.loads((REPO / "tests" / "data" / "cff-1.2.0.schema.json").read_text())
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    cff["date-released"] = str(cff["date-released"])  # YAML reads the date as a date object; CFF wants the string
    errors = sorted(Draft7Validator(schema).iter_errors(cff), key=str)
    assert not errors, [e.message for e in errors]
    assert cff["type"] == "dataset" and cff["version"] == DATASET_VERSION
    assert f"SPDX-License-Identifier: {cff['license']}" in (REPO / "LICENSE").read_text()


def test_readme_bibtex_is_generated_from_citation_cff():
    bib = bibtex_from_cff(load_cff())
    assert f"version = {{{DATASET_VERSION}}}" in bib
    assert bib in (REPO / "README.md").read_text()


def test_every_published_version_has_a_changelog_entry():
    changelog = (REPO / "CHANGELOG.md").read_text()
    for version in (p.name for p in (REPO / "annotated").iterdir() if p.is_dir() and p.name[0].isdigit()):
        assert f"\n## {version} " in changelog


def test_croissant_is_current_and_loads_records_with_mlcroissant(fresh_release):
    import mlcroissant as mlc

    release, _ = fresh_release
    manifest = json.loads((RELEASE / "MANIFEST.json").read_text())
    on_disk = json.loads((REPO / "croissant.json").read_text())
    assert on_disk == croissant(release, manifest, load_cff()), "croissant.json is stale: run `make dataset`"
    dataset = mlc.Dataset(jsonld=str(REPO / "croissant.json"))
    assert {rs["@id"] for rs in on_disk["recordSet"]} == {f"{c}-{s}" for c in ("documents", "lines", "ner") for s in ("train", "validation", "test")}
    for config in ("documents", "lines", "ner"):
        for split in ("train", "validation", "test"):  # every record of every split, as many as the manifest says
            records = list(dataset.records(f"{config}-{split}"))
            assert len(records) == manifest["configs"][config][split]["num_rows"], (config, split)
            if config == "documents":
                assert sorted(r[f"documents-{split}/id"].decode() for r in records) == sorted(manifest["splits"][split])
    first_lines = next(iter(dataset.records("lines-test")))
    assert first_lines["lines-test/doc_id"] == b"dtn-692ce5b72fcc" and first_lines["lines-test/line"] == 1


def test_hub_card_metadata_loads_with_huggingface_hub():
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(REPO / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "other" and data["license_name"] == "detente-mixed" and data["license_link"] == "LICENSE"
    assert "CC-BY-4.0" in data["license_details"] and "copyright of their publishers" in data["license_details"]
    assert data["annotations_creators"] == ["machine-generated"]
    assert data["language"] == ["en"]
    assert data["pretty_name"].startswith("DETENTE")
    for key in ("task_categories", "size_categories", "annotations_creators", "source_datasets"):
        assert data[key], key
    assert {"documents", "lines", "ner", "documents-0.4.0", "ner-0.2.0"} <= {c["config_name"] for c in data["configs"]}
