"""Build and publish: the committed release matches its sources, loads with `datasets`, and is immutable."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from detente.errors import InputError, ReleaseExistsError, SchemaError, SplitError
from detente.io import read_jsonl
from detente.pipeline.build import BuildInputs, build, publish, release_files
from detente.pipeline.corpus import load_corpus
from detente.pipeline.splits import SPLITS
from detente.pipeline.validate import validate_release
from detente.schemas import validate
from detente.version import DATASET_VERSION

RELEASE = REPO / "annotated" / DATASET_VERSION


def _tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(fresh_release, tmp_path):
    _, first = fresh_release
    _, status = build(BuildInputs(), out_root=tmp_path)
    assert status == "written"
    assert _tree(first) == _tree(tmp_path / DATASET_VERSION)


def test_committed_release_is_what_the_sources_build(fresh_release):
    _, fresh = fresh_release
    assert _tree(RELEASE) == _tree(fresh), "annotated/<version>/ is stale: run `make dataset` (and bump the version)"


def test_committed_release_validates():
    counts, notes = validate_release(RELEASE)
    assert notes == []
    assert counts["documents"] == 5
    assert counts["lines"] == sum(len(d.lines) for d in load_corpus(REPO / "raw"))
    assert counts["ner"] == sum(len(d["text"].split("\n")) for s in SPLITS for d in read_jsonl(RELEASE / "documents" / f"{s}.jsonl"))


def test_every_published_version_still_matches_its_checksums():
    from detente.pipeline.validate import check_checksums

    versions = sorted(p for p in (REPO / "annotated").iterdir() if p.is_dir() and p.name[0].isdigit())
    assert RELEASE in versions
    for version in versions:
        check_checksums(version)


def test_cross_document_ids_resolve_to_one_canonical_record_each():
    registry = {name: read_jsonl(RELEASE / "registry" / f"{name}.jsonl") for name in ("entities", "events")}
    for records in registry.values():
        assert len({r["id"] for r in records}) == len(records)
    entity_ids = {r["id"] for r in registry["entities"]}
    cluster_ids = {r["id"] for r in registry["events"]}
    used_entities, used_clusters = set(), set()
    for split in SPLITS:
        for doc in read_jsonl(RELEASE / "documents" / f"{split}.jsonl"):
            used_entities |= {m["entity_id"] for m in doc["entities"] if m["entity_id"]}
            used_clusters |= {e["cluster_id"] for e in doc["events"]}
    assert used_entities == entity_ids and used_clusters == cluster_ids
    # The misspelled surface form keeps its text and links to the right entity.
    doc = next(d for s in SPLITS for d in read_jsonl(RELEASE / "documents" / f"{s}.jsonl") if d["id"] == "dtn-0885a700d99d")
    assert {m["entity_id"] for m in doc["entities"] if m["text"] == "Anthony Blinken"} == {"ent:antony-blinken"}


def test_every_annotation_span_reproduces_its_text_and_arguments_resolve():
    for split in SPLITS:
        for doc in read_jsonl(RELEASE / "documents" / f"{split}.jsonl"):
            mentions = {m["id"]: m for m in doc["entities"]}
            assert doc["entities"] and doc["events"]
            for m in doc["entities"]:
                assert doc["text"][m["start"] : m["end"]] == m["text"]
            for e in doc["events"]:
                assert doc["text"][e["trigger"]["start"] : e["trigger"]["end"]] == e["trigger"]["text"]
                assert all(a["mention_id"] in mentions for a in e["arguments"])


def test_card_and_datasheet_figures_are_what_the_release_gives(fresh_release):
    from detente.publish.card import load_cff, render_readme, replace_counts_block

    release, _ = fresh_release
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    datasheet = (REPO / "DATASHEET.md").read_text(encoding="utf-8")
    assert render_readme(readme, release, load_cff(), REPO / "annotated") == readme, "README card is stale: run `make dataset`"
    assert replace_counts_block(datasheet, release) == datasheet, "DATASHEET figures are stale: run `make dataset`"
    study = json.loads((RELEASE / "agreement.json").read_text())
    first, fresh, quotes = study["studies"]
    assert quotes["layer"] == "quotations" and quotes["documents"] == ["dtn-2544203ab46a", "dtn-518a5a6a036e"]
    assert f"{quotes['comparisons']['primary_vs_second (before adjudication)']['f1']['quotation_overlap']['f1']:.3f}" in datasheet
    assert f"{first['comparisons']['a_vs_b (before adjudication)']['f1']['entity_strict_names']['f1']:.3f}" in datasheet
    assert fresh["documents"] == ["dtn-2544203ab46a", "dtn-32a52c8a8bac"]
    assert f"{fresh['comparisons']['c_vs_d']['f1']['trigger_classification_plover']['f1']:.3f}" in datasheet


def test_every_raw_line_appears_exactly_once_in_lines():
    rows = [r for s in SPLITS for r in read_jsonl(RELEASE / "lines" / f"{s}.jsonl")]
    keys = Counter((r["doc_id"], r["line"]) for r in rows)
    for doc in load_corpus(REPO / "raw"):
        for line in doc.lines:
            assert keys.pop((doc.doc_id, line.number)) == 1
            row = next(r for r in rows if r["doc_id"] == doc.doc_id and r["line"] == line.number)
            assert row["text"] == line.text and row["raw_start"] == line.start
    assert not keys


def test_every_published_record_validates_against_its_schema():
    for config, schema in (("documents", "document"), ("lines", "line")):
        for split in SPLITS:
            for n, record in enumerate(read_jsonl(RELEASE / config / f"{split}.jsonl"), start=1):
                validate(record, schema, f"{config}/{split}.jsonl:{n}")


def test_clean_text_reconstructs_from_raw_offsets():
    raw = {d.doc_id: d.text for d in load_corpus(REPO / "raw")}
    for split in SPLITS:
        for doc in read_jsonl(RELEASE / "documents" / f"{split}.jsonl"):
            pieces = [raw[doc["id"]][s["raw_start"] : s["raw_start"] + s["length"]] for s in doc["segments"]]
            assert "\n".join(pieces) == doc["text"]


def test_split_rule_is_chronological_and_in_the_manifest():
    manifest = json.loads((RELEASE / "MANIFEST.json").read_text())
    dates = {}
    for split in SPLITS:
        for doc in read_jsonl(RELEASE / "documents" / f"{split}.jsonl"):
            dates[doc["id"]] = (split, doc["publication_date"]["value"])
            assert doc["id"] in manifest["splits"][split]
    latest_train = max(d for s, d in dates.values() if s == "train")
    earliest_test = min(d for s, d in dates.values() if s == "test")
    assert latest_train < manifest["split_rule"]["validation_from"] <= manifest["split_rule"]["test_from"] <= earliest_test


@pytest.mark.parametrize("config", ["documents", "lines", "ner"])
def test_load_dataset_offline_matches_manifest_and_jsonl(config, tmp_path):
    from datasets import load_dataset

    manifest = json.loads((RELEASE / "MANIFEST.json").read_text())
    loaded = load_dataset(str(REPO), config, cache_dir=str(tmp_path / "cache"))
    assert sorted(loaded) == sorted(SPLITS)
    features = loaded["train"].features
    for split in SPLITS:
        assert loaded[split].num_rows == manifest["configs"][config][split]["num_rows"]
        # JSONL is compared record by record after encoding with the declared features. (`datasets`' own
        # JSON builder infers "2023-06-14" as a timestamp, so the README points `datasets` users at Parquet.)
        from_jsonl = [features.encode_example(r) for r in read_jsonl(RELEASE / config / f"{split}.jsonl")]
        assert from_jsonl == loaded[split].to_list()
    if config == "ner":
        assert features["ner_tags"].feature.names[:3] == ["O", "B-PER", "I-PER"]
    else:
        class_feature = features["line_labels"].feature["class"] if config == "documents" else features["class"]
        assert class_feature.names == ["content", "metadata", "boilerplate"]


def test_readme_card_points_at_the_current_version():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    card = yaml.safe_load(text.split("---\n")[1])
    current = [f["path"] for c in card["configs"] if c["config_name"] in ("documents", "lines", "ner") for f in c["data_files"]]
    assert len(current) == 9 and all(p.startswith(f"annotated/{DATASET_VERSION}/") for p in current)
    for config in card["configs"]:  # earlier releases: <config>-<version>, each pointing at its own folder
        name, _, version = config["config_name"].partition("-")
        assert all(f["path"].startswith(f"annotated/{version or DATASET_VERSION}/{name}/") for f in config["data_files"])
    assert {c["config_name"] for c in card["configs"]} >= {"documents-0.4.0", "lines-0.2.0", "ner-0.3.0"}
    assert all((REPO / f["path"]).exists() for c in card["configs"] for f in c["data_files"])


def test_a_published_version_is_never_changed(fresh_release, tmp_path):
    release, built = fresh_release
    shutil.copytree(built, tmp_path / release.version)
    files = release_files(release)
    assert publish(files, tmp_path, release.version) == "unchanged"
    changed = dict(files)
    changed["lines/test.jsonl"] = b"{}\n"
    before = _tree(tmp_path / release.version)
    with pytest.raises(ReleaseExistsError, match=r"version .* is already published with different content \(lines/test.jsonl would differ\); "
                                                 r"if the sources changed, bump DATASET_VERSION"):
        publish(changed, tmp_path, release.version)
    assert _tree(tmp_path / release.version) == before
    assert [p.name for p in tmp_path.iterdir()] == [release.version]  # no staging left behind


def _copy_inputs(tmp_path: Path) -> BuildInputs:
    shutil.copytree(REPO / "raw", tmp_path / "raw")
    shutil.copytree(REPO / "annotated" / "source", tmp_path / "source")
    return BuildInputs(raw_dir=tmp_path / "raw", source_dir=tmp_path / "source")


def test_bad_input_fails_the_build_and_publishes_nothing(tmp_path):
    inputs = _copy_inputs(tmp_path)
    meta_path = inputs.raw_dir / "dtn-2544203ab46a.json"
    meta = json.loads(meta_path.read_text())
    meta["language"] = "English"
    meta_path.write_text(json.dumps(meta))
    out = tmp_path / "out"
    with pytest.raises(SchemaError, match=r"dtn-2544203ab46a.json: does not match schema 'raw_metadata': language: 'English' does not match"):
        build(inputs, out_root=out)
    assert not out.exists()


def test_document_missing_from_split_manifest_is_refused(tmp_path):
    inputs = _copy_inputs(tmp_path)
    manifest = json.loads(inputs.split_manifest.read_text())
    del manifest["assignments"]["dtn-692ce5b72fcc"]
    inputs.split_manifest.write_text(json.dumps(manifest))
    with pytest.raises(SplitError, match=r"dtn-692ce5b72fcc: not in the split manifest; run `detente splits`"):
        build(inputs, out_root=tmp_path / "out")


def test_split_manifest_contradicting_the_rule_is_refused(tmp_path):
    inputs = _copy_inputs(tmp_path)
    manifest = json.loads(inputs.split_manifest.read_text())
    manifest["assignments"]["dtn-692ce5b72fcc"] = "train"
    inputs.split_manifest.write_text(json.dumps(manifest))
    with pytest.raises(SplitError, match=r"dtn-692ce5b72fcc: .*splits.json says 'train', the rule says 'test' \(from its publication date 2023-.*\): "
                                         r"a published document never moves, so one of the two was edited"):
        build(inputs, out_root=tmp_path / "out")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("quote: Qin Gang, occurrence: 1,", "quote: Qin Gong, occurrence: 1,", 1), r"dtn-0885a700d99d.yaml: mention m23 \('Qin Gong'\): quote 'Qin Gong' not found in the clean text"),
        (lambda t: t.replace("quote: South China Sea, type: LOC", "quote: South China Sea, type: SEA", 1), r"dtn-0885a700d99d.yaml: does not match schema 'annotation_source': mentions/14/type: 'SEA' is not one of"),
        (lambda t: t.replace("{role: actor, mention: m3}", "{role: actor, mention: m999}", 1), r"argument actor points at 'm999', which is not a mention of this document"),
        (lambda t: t.replace("- {id: m2,", "- {id: m1,", 1), r"mention m1 \('Secretary of State'\): duplicate mention ID"),
        (lambda t: t.replace("quote: Wednesday, occurrence: 1,", "quote: Wednesday,", 1), r"quote 'Wednesday' is ambiguous: it occurs 3 times"),
    ],
)
def test_malformed_annotation_file_fails_the_build_and_publishes_nothing(tmp_path, edit, message):
    inputs = _copy_inputs(tmp_path)
    path = inputs.annotations_dir / "dtn-0885a700d99d.yaml"
    original = path.read_text(encoding="utf-8")
    changed = edit(original)
    assert changed != original
    path.write_text(changed, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError, match=message):
        build(inputs, out_root=out)
    assert not out.exists()


def test_draft_annotation_is_not_released_and_is_reported_pending(tmp_path):
    inputs = _copy_inputs(tmp_path)
    path = inputs.annotations_dir / "dtn-692ce5b72fcc.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: reviewed", "status: draft", 1), encoding="utf-8")
    release, _ = build(inputs, out_root=tmp_path / "out")
    assert release.pending == ["dtn-692ce5b72fcc"]
    assert not release.rows["documents"]["test"] and not release.rows["lines"]["test"]


def test_a_reviewed_file_without_the_quotation_layer_is_refused_not_published_as_quoting_nobody(tmp_path):
    """No `quotations:` block means the layer was never annotated; the release would otherwise say "no quotations"."""
    inputs = _copy_inputs(tmp_path)
    path = inputs.annotations_dir / "dtn-692ce5b72fcc.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nquotations:") + 1], encoding="utf-8")  # the block is the file's last
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}: has no quotations: block, so its quotation layer was never annotated: "
                                         r"annotate its quotations .* or, if it reports no speech or writing, write `quotations: \[\]`$"):
        build(inputs, out_root=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    path.write_text(text[: text.index("\nquotations:") + 1] + "quotations: []\n", encoding="utf-8")  # stated empty: published as such
    release, _ = build(inputs, out_root=tmp_path / "out")
    assert release.rows["documents"]["test"][0]["quotations"] == []


def test_build_refuses_a_version_without_changelog_entry(tmp_path):
    inputs = _copy_inputs(tmp_path)
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## 0.0.1 — 2026-01-01\n- old\n")
    with pytest.raises(InputError, match=rf"CHANGELOG.md: no entry '## {re.escape(DATASET_VERSION)} ...' for the version being built"):
        build(BuildInputs(raw_dir=inputs.raw_dir, source_dir=inputs.source_dir, changelog=changelog), out_root=tmp_path / "out")


def test_an_earlier_release_loads_with_the_current_feature_declarations():
    """The README's recipe for reproducing results on an earlier release."""
    from datasets import load_dataset

    from detente.features import CONFIG_FEATURES

    old = load_dataset("parquet", features=CONFIG_FEATURES["documents"](),
                       data_files={s: str(REPO / "annotated" / "0.2.0" / "documents" / f"{s}.parquet") for s in ("train", "validation", "test")})
    assert {split: old[split].num_rows for split in old} == {"train": 3, "validation": 1, "test": 1}
    assert old["test"].features["line_labels"].feature["category"].names == CONFIG_FEATURES["documents"]()["line_labels"].feature["category"].names
    jsonl = json.loads((REPO / "annotated" / "0.2.0" / "documents" / "test.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert old["test"][0]["id"] == jsonl["id"] and len(old["test"][0]["entities"]) == len(jsonl["entities"]) == 181


LINE_SEPARATORS = "\u2028\u2029\u0085"  # JSON keeps them raw inside strings; str.splitlines() breaks on them


def test_line_separator_characters_survive_build_read_back_and_validate(tmp_path):
    """A page holding U+2028, U+2029 and U+0085 (what a mis-decoded cp1252 ellipsis becomes) builds, passes the
    read-back check before publishing, and every record keeps the characters."""
    from detente.growth.add import AddOptions, add_article
    from growth_helpers import ARTICLE

    inputs = _copy_inputs(tmp_path)
    page = ARTICLE.decode("utf-8").replace("talks", f"talks{LINE_SEPARATORS}and more talks", 1).encode("utf-8")
    assert LINE_SEPARATORS in page.decode("utf-8")
    (tmp_path / "page.txt").write_bytes(page)
    added = add_article(tmp_path / "page.txt", inputs.raw_dir, inputs.source_dir, AddOptions(date="2023-11-07"))
    (inputs.annotations_dir / f"{added.doc_id}.yaml").write_text(
        f"doc_id: {added.doc_id}\nstatus: reviewed\nannotators:\n- test\nmentions: []\nevents: []\nquotations: []\n", encoding="utf-8"
    )
    release, status = build(inputs, out_root=tmp_path / "out")
    assert status == "written"
    published = tmp_path / "out" / DATASET_VERSION
    documents = {d["id"]: d for d in read_jsonl(published / "documents" / "test.jsonl")}
    assert LINE_SEPARATORS in documents[added.doc_id]["text"]
    assert any(LINE_SEPARATORS in r["text"] for r in read_jsonl(published / "lines" / "test.jsonl") if r["doc_id"] == added.doc_id)
    counts, _ = validate_release(published, inputs.raw_dir)
    assert counts["documents"] == 6


def test_a_release_that_fails_its_read_back_is_not_published(tmp_path, monkeypatch):
    import detente.pipeline.build as build_module

    def corrupt(staging, raw_dir):
        raise InputError(str(staging / "documents" / "test.jsonl"), "Parquet and JSONL records differ")

    monkeypatch.setattr(build_module, "validate_release", corrupt)
    with pytest.raises(Exception, match=r"the release failed its read-back check and was not published"):
        build(_copy_inputs(tmp_path), out_root=tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no release and no staging folder


def test_validate_catches_data_and_checksums_rewritten_together(tmp_path):
    """SHA256SUMS can be regenerated by whoever edits the data; MANIFEST.json's per-file hashes must agree too."""
    import hashlib

    copy = tmp_path / DATASET_VERSION
    shutil.copytree(RELEASE, copy)
    path = copy / "lines" / "test.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"class": "boilerplate"', b'"class": "boilerplate" ', 1))
    sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(copy)}\n" for p in sorted(copy.rglob("*")) if p.is_file() and p.name != "SHA256SUMS")
    (copy / "SHA256SUMS").write_text(sums)
    with pytest.raises(InputError, match=r"lines/test.jsonl: does not match MANIFEST.json \(lines/test jsonl: sha256 or size differs\)"):
        validate_release(copy)


def test_an_old_release_is_checked_against_the_schemas_it_carries():
    counts, notes = validate_release(REPO / "annotated" / "0.1.0")  # today's document schema would refuse it
    assert counts == {"documents": 5, "lines": 252}
    assert any("carries no schema/" in n for n in notes) and any("holds no annotation" in n for n in notes)
    for version in ("0.2.0", "0.3.0"):
        assert validate_release(REPO / "annotated" / version)[1] == []


def _resum(copy: Path) -> None:
    import hashlib

    sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(copy)}\n" for p in sorted(copy.rglob("*")) if p.is_file() and p.name != "SHA256SUMS")
    (copy / "SHA256SUMS").write_text(sums)


def test_validate_catches_registry_and_schema_edits_with_checksums_rewritten(tmp_path):
    for rel, old, new in (("registry/entities.jsonl", b'"name": "', b'"name": "X'), ("schema/document.schema.json", b'"additionalProperties": false', b'"additionalProperties": true')):
        copy = tmp_path / rel.replace("/", "_") / DATASET_VERSION
        shutil.copytree(RELEASE, copy)
        (copy / rel).write_bytes((copy / rel).read_bytes().replace(old, new, 1))
        _resum(copy)
        with pytest.raises(InputError, match=rf"{re.escape(rel)}: does not match MANIFEST.json \(other_files"):
            validate_release(copy)


def test_validate_refuses_a_class_index_outside_the_label_set_and_links(tmp_path):
    import hashlib

    import pyarrow.parquet as pq

    copy = tmp_path / DATASET_VERSION
    shutil.copytree(RELEASE, copy)
    path = copy / "lines" / "test.parquet"
    table = pq.read_table(path)
    column = table.column("class").to_pylist()
    table = table.set_column(table.schema.get_field_index("class"), "class", [[-1 if v == 2 else v for v in column]])
    pq.write_table(table, path, store_schema=True)
    manifest = json.loads((copy / "MANIFEST.json").read_text())
    data = path.read_bytes()
    manifest["configs"]["lines"]["test"]["files"]["parquet"].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    (copy / "MANIFEST.json").write_text(json.dumps(manifest, indent=2))
    _resum(copy)
    with pytest.raises(InputError, match=r"lines/test.parquet: a class label index does not fit the release's label sets"):
        validate_release(copy)
    fresh = tmp_path / "linked" / DATASET_VERSION
    shutil.copytree(RELEASE, fresh)
    (fresh / "extra").symlink_to(tmp_path)
    with pytest.raises(InputError, match=r"holds symbolic links, which a release never does: \['extra'\]"):
        validate_release(fresh)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda q: q.update(side="taiwan"), r"quotations/0/side"),
        (lambda q: q.update(speaker_id="Qin"), r"quotations/0/speaker_id"),
        (lambda q: q.pop("about_event_id"), r"quotations/0.*about_event_id"),
        (lambda q: q.update(cue={"start": 1, "end": 2}), r"quotations/0/cue"),
    ],
)
def test_a_document_record_with_a_malformed_quotation_breaks_the_schema(change, message):
    record = json.loads((RELEASE / "documents" / "train.jsonl").read_text(encoding="utf-8").splitlines()[0])
    quotation = {"id": "q1", "start": 0, "end": 5, "text": record["text"][:5], "kind": "direct", "paraphrase": False, "speaker_id": None,
                 "cue": None, "addressee_id": None, "source_type": None, "side": "unknown", "about_event_id": None}
    record["quotations"] = [quotation]
    validate(record, "document", "train.jsonl:1")
    change(quotation)
    with pytest.raises(SchemaError, match=message):
        validate(record, "document", "train.jsonl:1")


def test_a_damaged_parquet_file_with_its_hashes_rewritten_is_named_not_a_traceback(tmp_path):
    import hashlib

    original = (RELEASE / "ner" / "test.parquet").read_bytes()
    flipped = bytearray(original)
    flipped[97] ^= 0xFF  # inside a compressed page: pyarrow raises a plain OSError ("ZSTD decompression failed")
    for name, data in (("cut", original[: len(original) // 2]), ("flipped", bytes(flipped))):
        copy = tmp_path / name / DATASET_VERSION
        shutil.copytree(RELEASE, copy)
        path = copy / "ner" / "test.parquet"
        path.write_bytes(data)
        manifest = json.loads((copy / "MANIFEST.json").read_text())
        manifest["configs"]["ner"]["test"]["files"]["parquet"].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
        (copy / "MANIFEST.json").write_text(json.dumps(manifest, indent=2))
        _resum(copy)
        with pytest.raises(InputError, match=r"ner/test.parquet: not a readable Parquet file \(.*\)$"):
            validate_release(copy)


def test_detente_splits_names_an_entry_against_the_rule_and_writes_nothing(tmp_path, monkeypatch):
    from detente.pipeline import splits

    inputs = _copy_inputs(tmp_path)
    manifest = json.loads(inputs.split_manifest.read_text())
    manifest["assignments"]["dtn-692ce5b72fcc"] = "train"
    inputs.split_manifest.write_text(json.dumps(manifest))
    before = inputs.split_manifest.read_bytes()
    monkeypatch.setattr(splits, "SPLIT_MANIFEST", inputs.split_manifest)
    monkeypatch.setattr(splits, "RAW_DIR", inputs.raw_dir)
    with pytest.raises(SplitError, match=rf"dtn-692ce5b72fcc: {re.escape(str(inputs.split_manifest))} says 'train', the rule says 'test'"):
        splits.main_splits()
    assert inputs.split_manifest.read_bytes() == before
