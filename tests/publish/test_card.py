"""Citable and publishable: CITATION.cff, BibTeX, CHANGELOG, Croissant and the Hub card parse and validate."""

from __future__ import annotations

import json
import re

import pytest
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


def test_a_new_version_reaches_citation_bibtex_croissant_and_card(tmp_path):
    """Build a next version in a copy; the build refuses while CITATION.cff cites the old one, then every place that
    cites the dataset carries the new version."""
    import shutil

    from detente.errors import InputError
    from detente.pipeline.build import BuildInputs, build
    from detente.publish.card import write_card
    from detente.publish.release import check_citation

    major, minor, _ = map(int, DATASET_VERSION.split("."))
    nxt = f"{major}.{minor + 1}.0"
    for name in ("README.md", "DATASHEET.md", "CITATION.cff", "LICENSE"):
        shutil.copyfile(REPO / name, tmp_path / name)
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n## {nxt} — test\n- test\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"CITATION.cff: cites version\(s\) \['{re.escape(DATASET_VERSION)}'\], but version {re.escape(nxt)} is being built"):
        check_citation(nxt, tmp_path / "CITATION.cff")
    cff_text = (tmp_path / "CITATION.cff").read_text(encoding="utf-8").replace(f'"{DATASET_VERSION}"', f'"{nxt}"')
    (tmp_path / "CITATION.cff").write_text(cff_text, encoding="utf-8")
    check_citation(nxt, tmp_path / "CITATION.cff")
    annotated = tmp_path / "annotated"
    shutil.copytree(REPO / "annotated" / DATASET_VERSION, annotated / DATASET_VERSION)
    release, status = build(BuildInputs(changelog=tmp_path / "CHANGELOG.md"), out_root=annotated, version=nxt)
    assert status == "written"
    write_card(release, root=tmp_path, annotated=annotated)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    card = yaml.safe_load(readme.split("---\n")[1])
    assert {f["path"].split("/")[1] for c in card["configs"] if c["config_name"] == "documents" for f in c["data_files"]} == {nxt}
    assert f"documents-{DATASET_VERSION}" in {c["config_name"] for c in card["configs"]}
    assert f"version = {{{nxt}}}" in readme  # the BibTeX block
    crois = json.loads((tmp_path / "croissant.json").read_text(encoding="utf-8"))
    assert crois["version"] == nxt and f"version = {{{nxt}}}" in crois["citeAs"]
    assert all(f"annotated/{nxt}/" in d["contentUrl"] for d in crois["distribution"])


def test_croissant_nested_fields_read_what_the_jsonl_holds():
    """Each nested field (repeated leaves, structs and lists of structs through subFields) of every record set."""
    import mlcroissant as mlc

    from detente.io import read_jsonl
    from detente.structure import CONFIG_SCHEMAS, Label, record_structure

    dataset = mlc.Dataset(jsonld=str(REPO / "croissant.json"))
    crois = json.loads((REPO / "croissant.json").read_text())
    checked = 0
    for record_set in crois["recordSet"]:
        config, split = record_set["@id"].split("-")
        structure = dict(record_structure(CONFIG_SCHEMAS[config]).fields)
        expected = read_jsonl(RELEASE / config / f"{split}.jsonl")
        for row, record in zip(dataset.records(record_set["@id"]), expected, strict=True):
            for field in record_set["field"]:
                name, got = field["name"], row[f"{record_set['@id']}/{field['name']}"]
                for sub in field.get("subField", []):
                    items = got if field.get("repeated") else [got]
                    values = record[name] if field.get("repeated") else [record[name]]
                    leaf = structure[name].item if field.get("repeated") else structure[name]
                    path = sub["name"]
                    node = leaf
                    for part in path.split("."):
                        node = dict(node.fields)[part]
                    for item, value in zip(items, values, strict=True):
                        want = value
                        for part in path.split("."):
                            want = None if want is None else want[part]
                        if isinstance(node, Label) and want is not None:
                            want = node.names.index(want)
                        have = item[f"{record_set['@id']}/{name}/{path}"]
                        have = have.decode() if isinstance(have, bytes) else have
                        assert have == want, (record_set["@id"], name, path)
                        checked += 1
                if field.get("repeated") and not field.get("subField"):
                    want = record[name]
                    if isinstance(structure[name].item, Label):
                        want = [structure[name].item.names.index(v) for v in want]
                    assert [v.decode() if isinstance(v, bytes) else v for v in got] == want, (record_set["@id"], name)
                    checked += 1
    assert checked > 5000


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: "- a list\n", "is not a CITATION.cff mapping"),
        (lambda t: t.split("preferred-citation:")[0], "has no preferred-citation block"),
        (lambda t: t.replace('date-released: "', 'released: "'), "lacks date-released"),
        (lambda t: t.replace('authors:\n  - name: "The DETENTE maintainers"\nversion', 'authors: []\nversion', 1), "lacks authors"),
    ],
)
def test_a_broken_citation_cff_stops_the_build_before_anything_is_written(tmp_path, edit, message):
    from detente.errors import InputError
    from detente.publish.release import check_citation

    path = tmp_path / "CITATION.cff"
    path.write_text(edit((REPO / "CITATION.cff").read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        check_citation(DATASET_VERSION, path)


def test_a_release_of_other_documents_than_the_descriptions_were_written_for_is_refused_before_publishing(fresh_release, tmp_path):
    """The RAI fields, DATASHEET prose and README's corpus description speak of these five documents: a release that
    adds or drops one is not published until they are reviewed (the guard names both)."""
    import dataclasses

    from detente.errors import InputError
    from detente.pipeline.build import BuildInputs, build
    from detente.publish.card import DESCRIBED_DOCUMENTS, check_described_documents

    release, _ = fresh_release
    check_described_documents(release)  # the current release: described
    assert DESCRIBED_DOCUMENTS == {d["id"] for split in release.rows["documents"].values() for d in split}
    rows = {**release.rows, "documents": {**release.rows["documents"], "test": []}}
    dropped = release.rows["documents"]["test"][0]["id"]
    with pytest.raises(InputError, match=rf"release {DATASET_VERSION} holds other documents than the hand-written descriptions were written for "
                                         rf"\(added: none; removed: {dropped}\): review .* then update DESCRIBED_DOCUMENTS; nothing was published$"):
        check_described_documents(dataclasses.replace(release, rows=rows))
    # build() runs the check on the assembled release before writing anything

    def refuse(_release):
        raise InputError("check", "refused")

    with pytest.raises(InputError, match="check: refused"):
        build(BuildInputs(), out_root=tmp_path / "annotated", version=DATASET_VERSION, check=refuse)
    assert not (tmp_path / "annotated").exists()


def test_the_croissant_states_the_guidelines_version_and_the_agreement_studies_of_the_release(fresh_release, tmp_path):
    from detente.errors import InputError
    from detente.publish.card import guidelines_version

    release, _ = fresh_release
    version = guidelines_version()
    assert re.fullmatch(r"\d+\.\d+", version)
    assert (REPO / "ANNOTATION_GUIDELINES.md").read_text(encoding="utf-8").splitlines()[2].startswith(f"Version {version}:")
    fields = croissant(release, json.loads((REPO / "annotated" / DATASET_VERSION / "MANIFEST.json").read_text()), load_cff())
    assert fields["rai:dataAnnotationProtocol"].startswith(f"ANNOTATION_GUIDELINES.md v{version}: ")
    studies = json.loads((REPO / "annotated" / DATASET_VERSION / "agreement.json").read_text())["studies"]
    assert fields["rai:dataAnnotationAnalysis"].startswith(f"{len(studies)} agreement studies")
    assert all(f"guidelines {s['guidelines']}, on {len(s['documents'])} documents" in fields["rai:dataAnnotationAnalysis"] for s in studies)
    (tmp_path / "g.md").write_text("# Guidelines\n\nNo version here.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r'g.md: no "Version X.Y" line'):
        guidelines_version(tmp_path / "g.md")


def test_citation_date_must_be_the_changelog_date_of_the_version(tmp_path):
    from detente.errors import InputError
    from detente.publish.release import check_citation

    cff_text = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    released = str(load_cff()["date-released"])
    (tmp_path / "CITATION.cff").write_text(cff_text, encoding="utf-8")
    check_citation(DATASET_VERSION, tmp_path / "CITATION.cff", REPO / "CHANGELOG.md")  # the repository's agree
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n## {DATASET_VERSION} — 2099-01-02\n- later\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"CITATION.cff: date-released is {released}, but the CHANGELOG dates {re.escape(DATASET_VERSION)} 2099-01-02; make them agree"):
        check_citation(DATASET_VERSION, tmp_path / "CITATION.cff", tmp_path / "CHANGELOG.md")
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n## {DATASET_VERSION}\n- undated\n", encoding="utf-8")
    check_citation(DATASET_VERSION, tmp_path / "CITATION.cff", tmp_path / "CHANGELOG.md")  # no date to compare
