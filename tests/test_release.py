"""Build and publish: the committed release matches its sources, loads with `datasets`, and is immutable."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from detente.build import BuildInputs, build, publish, release_files
from detente.corpus import load_corpus
from detente.errors import ReleaseExistsError, SchemaError, SplitError
from detente.schemas import validate
from detente.splits import SPLITS
from detente.validate import read_jsonl, validate_release
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
    assert validate_release(RELEASE) == {"documents": 5, "lines": sum(len(d.lines) for d in load_corpus(REPO / "raw"))}


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


@pytest.mark.parametrize("config", ["documents", "lines"])
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
    class_feature = features["line_labels"].feature["class"] if config == "documents" else features["class"]
    assert class_feature.names == ["content", "metadata", "boilerplate"]


def test_readme_card_points_at_the_current_version():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    card = yaml.safe_load(text.split("---\n")[1])
    paths = [f["path"] for c in card["configs"] for f in c["data_files"]]
    assert paths and all(p.startswith(f"annotated/{DATASET_VERSION}/") for p in paths)
    assert all((REPO / p).exists() for p in paths)


def test_a_published_version_is_never_changed(fresh_release, tmp_path):
    release, built = fresh_release
    shutil.copytree(built, tmp_path / release.version)
    files = release_files(release)
    assert publish(files, tmp_path, release.version) == "unchanged"
    changed = dict(files)
    changed["lines/test.jsonl"] = b"{}\n"
    before = _tree(tmp_path / release.version)
    with pytest.raises(ReleaseExistsError, match=r"version .* is already published with different content; bump DATASET_VERSION"):
        publish(changed, tmp_path, release.version)
    assert _tree(tmp_path / release.version) == before
    assert [p.name for p in tmp_path.iterdir()] == [release.version]  # no staging left behind


def _copy_inputs(tmp_path: Path) -> BuildInputs:
    shutil.copytree(REPO / "raw", tmp_path / "raw")
    shutil.copytree(REPO / "annotated" / "source", tmp_path / "source")
    return BuildInputs(raw_dir=tmp_path / "raw", corrections_dir=tmp_path / "source" / "line_corrections", split_manifest=tmp_path / "source" / "splits.json")


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
    with pytest.raises(SplitError, match=r"dtn-692ce5b72fcc: manifest says 'train', the rule says 'test'"):
        build(inputs, out_root=tmp_path / "out")
