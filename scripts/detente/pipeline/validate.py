"""Stage 3, validate: a published release agrees with its manifest, its schemas and the raw files."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from detente.errors import InputError
from detente.io import read_json, read_jsonl
from detente.offsets import check_annotation_spans, check_segments
from detente.paths import RAW_DIR, release_folder
from detente.pipeline.corpus import load_corpus
from detente.pipeline.splits import SPLITS
from detente.rawtext import split_lines
from detente.schemas import validate
from detente.structure import CONFIG_SCHEMAS


def check_checksums(release_dir: Path) -> None:
    sums_path = release_dir / "SHA256SUMS"
    listed: dict[str, str] = {}
    for line in sums_path.read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        listed[rel] = digest
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


def check_annotations(release_dir: Path, documents: list[dict[str, Any]]) -> None:
    """Offsets reproduce text, IDs are unique, arguments resolve, cross-document IDs resolve to one record."""
    registry = {name: read_jsonl(release_dir / "registry" / f"{name}.jsonl") for name in ("entities", "events")}
    known = {}
    for name, records in registry.items():
        ids = [r["id"] for r in records]
        if len(ids) != len(set(ids)):
            raise InputError(f"{release_dir}/registry/{name}.jsonl", "duplicate IDs")
        for n, record in enumerate(records, start=1):
            validate(record, "entity" if name == "entities" else "event_cluster", f"{release_dir}/registry/{name}.jsonl:{n}")
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


def validate_release(release_dir: Path, raw_dir: Path = RAW_DIR) -> dict[str, int]:
    """Raise on the first problem; return row counts per config on success."""
    manifest = read_json(release_dir / "MANIFEST.json", missing="no MANIFEST.json: not a release folder")
    check_checksums(release_dir)
    raw_docs = {d.doc_id: d for d in load_corpus(raw_dir)}
    rows: dict[str, list[dict[str, Any]]] = {}
    for config, schema in CONFIG_SCHEMAS.items():
        rows[config] = []
        for split in SPLITS:
            entry = manifest["configs"][config][split]
            jsonl = read_jsonl(release_dir / entry["files"]["jsonl"]["path"])
            parquet = pq.read_table(release_dir / entry["files"]["parquet"]["path"]).to_pylist()
            if len(jsonl) != entry["num_rows"]:
                raise InputError(f"{release_dir}/{config}/{split}.jsonl", f"{len(jsonl)} rows, manifest says {entry['num_rows']}")
            if parquet != jsonl:
                raise InputError(f"{release_dir}/{config}/{split}", "Parquet and JSONL records differ")
            for number, record in enumerate(jsonl, start=1):
                validate(record, schema, f"{release_dir}/{config}/{split}.jsonl:{number}")
            rows[config].extend(jsonl)
    docs = {d["id"]: d for d in rows["documents"]}
    listed = {doc_id for members in manifest["splits"].values() for doc_id in members}
    if set(docs) != listed or not listed <= set(raw_docs):
        raise InputError(str(release_dir), f"documents {sorted(docs)} are not the manifest's {sorted(listed)} (all in raw/)")
    raw_docs = {k: v for k, v in raw_docs.items() if k in listed}
    check_annotations(release_dir, rows["documents"])
    line_keys = Counter((r["doc_id"], r["line"]) for r in rows["lines"])
    for doc_id, raw in raw_docs.items():
        raw_lines = split_lines(raw.text)
        for line in raw_lines:
            if line_keys[(doc_id, line.number)] != 1:
                raise InputError(f"{release_dir}/lines", f"{doc_id} line {line.number} appears {line_keys[(doc_id, line.number)]} times")
        check_document_segments(docs[doc_id], raw.text)
    if sum(line_keys.values()) != sum(len(split_lines(r.text)) for r in raw_docs.values()):
        raise InputError(f"{release_dir}/lines", "holds lines that are not in raw/")
    return {config: len(records) for config, records in rows.items()}


def main_validate(version_or_folder: str | None, raw_dir: str | None = None) -> int:
    """`detente validate [VERSION|FOLDER] [--raw DIR]`."""
    folder = release_folder(version_or_folder)
    counts = validate_release(folder, Path(raw_dir) if raw_dir else RAW_DIR)
    print(f"{folder}: valid ({', '.join(f'{n} {c} rows' for c, n in counts.items())})")
    return 0
