"""Validate: a published release agrees with its manifest, its schemas and the raw files."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features

from detente.errors import InputError
from detente.features import release_config_features
from detente.io import read_json, read_jsonl
from detente.offsets import check_annotation_spans, check_segments
from detente.paths import RAW_DIR, release_folder
from detente.pipeline.corpus import load_corpus
from detente.pipeline.splits import SPLITS
from detente.rawtext import split_lines
from detente.schemas import SchemaFolder, validate
from detente.structure import CONFIG_SCHEMAS, decode_labels, release_structure

Check = Callable[[Any, str, str], None]  # (record, schema name, where) -> raises on a violation


def check_checksums(release_dir: Path) -> None:
    sums_path = release_dir / "SHA256SUMS"
    listed: dict[str, str] = {}
    try:
        sums = sums_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(str(sums_path), f"cannot read: {err}") from None
    for number, line in enumerate(sums.split("\n"), start=1):
        if not line:
            continue
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            raise InputError(f"{sums_path}:{number}", "not a '<sha256>  <path>' line")
        listed[rel] = digest
    links = sorted(str(p.relative_to(release_dir)) for p in release_dir.rglob("*") if p.is_symlink())
    if links:
        raise InputError(str(release_dir), f"holds symbolic links, which a release never does: {links[:5]}")
    present = {str(p.relative_to(release_dir)) for p in release_dir.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    if present != set(listed):
        raise InputError(str(sums_path), f"files differ from the list: extra {sorted(present - set(listed))}, missing {sorted(set(listed) - present)}")
    for rel, digest in sorted(listed.items()):
        if hashlib.sha256((release_dir / rel).read_bytes()).hexdigest() != digest:
            raise InputError(str(release_dir / rel), "sha256 does not match SHA256SUMS")


def check_document_segments(document: dict[str, Any], raw_text: str) -> None:
    """A published document's segments map its clean text back to its raw page (offsets.check_segments)."""
    segments = ((s["start"], s["raw_start"], s["length"], s["line"]) for s in document["segments"])
    check_segments(document["text"], raw_text, segments, f"documents: {document['id']}")


def check_manifest_files(release_dir: Path, manifest: dict[str, Any]) -> None:
    """Every file's sha256 and size as the manifest records them (SHA256SUMS could be rewritten with the data): the
    config files, and from 0.5.0 every other file too (registry, schemas, agreement)."""
    for rel, described in manifest.get("other_files", {}).items():
        data = (release_dir / rel).read_bytes() if (release_dir / rel).is_file() else None
        if data is None or len(data) != described["bytes"] or hashlib.sha256(data).hexdigest() != described["sha256"]:
            raise InputError(str(release_dir / rel), "does not match MANIFEST.json (other_files: missing, or sha256 or size differs)")
    for config, splits in manifest["configs"].items():
        for split, entry in splits.items():
            for fmt, described in entry["files"].items():
                path = release_dir / described["path"]
                data = path.read_bytes()
                if len(data) != described["bytes"] or hashlib.sha256(data).hexdigest() != described["sha256"]:
                    raise InputError(str(path), f"does not match MANIFEST.json ({config}/{split} {fmt}: sha256 or size differs)")


def check_annotations(release_dir: Path, documents: list[dict[str, Any]], check: Check = validate) -> None:
    """Offsets reproduce text, IDs are unique, arguments resolve, cross-document IDs resolve to one record."""
    registry = {name: read_jsonl(release_dir / "registry" / f"{name}.jsonl") for name in ("entities", "events")}
    known = {}
    for name, records in registry.items():
        ids = [r["id"] for r in records]
        if len(ids) != len(set(ids)):
            raise InputError(f"{release_dir}/registry/{name}.jsonl", "duplicate IDs")
        for n, record in enumerate(records, start=1):
            check(record, "entity" if name == "entities" else "event_cluster", f"{release_dir}/registry/{name}.jsonl:{n}")
        known[name] = set(ids)
    for doc in documents:
        where = f"documents: {doc['id']}"
        check_annotation_spans(doc, doc["text"], where)
        mention_ids = [m["id"] for m in doc["entities"]]
        event_ids = [e["id"] for e in doc["events"]]
        if len(set(mention_ids)) != len(mention_ids) or len(set(event_ids)) != len(event_ids):
            raise InputError(where, "duplicate mention or event IDs")
        for m in doc["entities"]:
            if m["entity_id"] is not None and m["entity_id"] not in known["entities"]:
                raise InputError(f"{where}: {m['id']}", f"entity {m['entity_id']!r} is not in registry/entities.jsonl")
        for e in doc["events"]:
            if e["cluster_id"] not in known["events"]:
                raise InputError(f"{where}: {e['id']}", f"cluster {e['cluster_id']!r} is not in registry/events.jsonl")
            for arg in e["arguments"]:
                if arg["mention_id"] not in mention_ids:
                    raise InputError(f"{where}: {e['id']}", f"argument {arg['role']} points at missing mention {arg['mention_id']!r}")


def read_parquet_records(release_dir: Path, config: str, rel: str) -> list[dict[str, Any]]:
    """A config file's rows as records: from 0.5.0 class labels are stored as indices (with `datasets` features in
    the schema metadata) and are turned back into names with the release's own schemas; before, they are names."""
    try:
        table = pq.read_table(release_dir / rel)
    except (pa.ArrowException, OSError) as err:  # a damaged file (its checksum may have been rewritten to match); a damaged
        # compressed page raises a plain OSError: named either way, no traceback
        raise InputError(str(release_dir / rel), f"not a readable Parquet file ({err})") from None
    rows = table.to_pylist()
    if b"huggingface" not in (table.schema.metadata or {}):
        return rows
    structure = release_structure(release_dir, CONFIG_SCHEMAS[config])
    stored = json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]
    if Features.from_dict(stored) != release_config_features(release_dir, config):
        raise InputError(str(release_dir / rel), "the datasets features in its metadata are not those of the release's schemas")
    try:
        return [decode_labels(structure, row) for row in rows]
    except (ValueError, IndexError, TypeError, KeyError) as err:
        raise InputError(str(release_dir / rel), f"a class label index does not fit the release's label sets ({err!r})") from None


def validate_release(release_dir: Path, raw_dir: Path = RAW_DIR) -> tuple[dict[str, int], list[str]]:
    """Raise on the first problem; return row counts per config and notes on what could not be checked.

    Records are checked against the schemas the release carries (schema/), so an old release is judged by the
    contract it was published under; a release from before releases carried schemas (0.1.0) is checked for
    everything else, and a note says so.
    """
    manifest = read_json(release_dir / "MANIFEST.json", missing="no MANIFEST.json: not a release folder")
    check_checksums(release_dir)
    check_manifest_files(release_dir, manifest)
    notes: list[str] = []
    check: Check | None = None
    if (release_dir / "schema").is_dir():
        check = SchemaFolder(release_dir / "schema").validate
    else:
        notes.append("this release carries no schema/ (releases before 0.2.0): records were not checked against a schema")
    raw_docs = {d.doc_id: d for d in load_corpus(raw_dir)}
    rows: dict[str, list[dict[str, Any]]] = {}
    for config, schema in CONFIG_SCHEMAS.items():
        if config not in manifest["configs"]:
            notes.append(f"this release has no {config} config")
            continue
        rows[config] = []
        for split in SPLITS:
            entry = manifest["configs"][config][split]
            jsonl = read_jsonl(release_dir / entry["files"]["jsonl"]["path"])
            parquet = read_parquet_records(release_dir, config, entry["files"]["parquet"]["path"])
            if len(jsonl) != entry["num_rows"]:
                raise InputError(f"{release_dir}/{config}/{split}.jsonl", f"{len(jsonl)} rows, manifest says {entry['num_rows']}")
            if parquet != jsonl:
                raise InputError(f"{release_dir}/{config}/{split}", "Parquet and JSONL records differ")
            if check is not None:
                for number, record in enumerate(jsonl, start=1):
                    check(record, schema, f"{release_dir}/{config}/{split}.jsonl:{number}")
            rows[config].extend(jsonl)
    docs = {d["id"]: d for d in rows["documents"]}
    listed = {doc_id for members in manifest["splits"].values() for doc_id in members}
    if set(docs) != listed or not listed <= set(raw_docs):
        raise InputError(str(release_dir), f"documents {sorted(docs)} are not the manifest's {sorted(listed)} (all in raw/)")
    raw_docs = {k: v for k, v in raw_docs.items() if k in listed}
    if all("entities" in d for d in rows["documents"]):
        check_annotations(release_dir, rows["documents"], check or validate)
    else:
        notes.append("this release holds no annotation (documents without entities/events)")
    line_keys = Counter((r["doc_id"], r["line"]) for r in rows["lines"])
    for doc_id, raw in raw_docs.items():
        raw_lines = split_lines(raw.text)
        for line in raw_lines:
            if line_keys[(doc_id, line.number)] != 1:
                raise InputError(f"{release_dir}/lines", f"{doc_id} line {line.number} appears {line_keys[(doc_id, line.number)]} times")
        check_document_segments(docs[doc_id], raw.text)
    if sum(line_keys.values()) != sum(len(split_lines(r.text)) for r in raw_docs.values()):
        raise InputError(f"{release_dir}/lines", "holds lines that are not in raw/")
    return {config: len(records) for config, records in rows.items()}, notes


def main_validate(version_or_folder: str | None, raw_dir: str | None = None) -> int:
    """`detente validate [VERSION|FOLDER] [--raw DIR]`."""
    folder = release_folder(version_or_folder)
    counts, notes = validate_release(folder, Path(raw_dir) if raw_dir else RAW_DIR)
    for note in notes:
        print(f"note: {note}")
    print(f"{folder}: valid ({', '.join(f'{n} {c} rows' for c, n in counts.items())})")
    return 0
