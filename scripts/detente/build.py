"""Stage 4, build: raw + sources -> a versioned release annotated/<version>/, written atomically."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from detente.clean import CLEANER_VERSION, CleanedDocument, clean_text, load_corrections
from detente.corpus import RawDocument, load_corpus
from detente.errors import InputError, ReleaseExistsError
from detente.features import CONFIG_FEATURES, storage_schema
from detente.paths import ANNOTATED_DIR, CORRECTIONS_DIR, RAW_DIR, SPLIT_MANIFEST
from detente.schemas import validate
from detente.splits import SPLITS, assign, load_manifest
from detente.version import DATASET_VERSION

CONFIG_SCHEMAS = {"documents": "document", "lines": "line"}


@dataclass(frozen=True)
class BuildInputs:
    raw_dir: Path = RAW_DIR
    corrections_dir: Path = CORRECTIONS_DIR
    split_manifest: Path = SPLIT_MANIFEST


@dataclass
class Release:
    version: str
    rows: dict[str, dict[str, list[dict[str, Any]]]]  # config -> split -> records
    split_rule: dict[str, Any]
    assignments: dict[str, str]


def document_record(doc: RawDocument, cleaned: CleanedDocument) -> dict[str, Any]:
    meta = doc.metadata
    return {
        "id": doc.doc_id,
        "title": cleaned.title,
        "text": cleaned.text,
        "language": meta["language"],
        "url": meta["url"],
        "publisher": meta["publisher"],
        "publication_date": meta["publication_date"],
        "rights": meta["rights"],
        "page_metadata": cleaned.page_metadata,
        "provenance": {
            "source_file": meta["source_file"],
            "raw_path": f"raw/{doc.path.name}",
            "raw_sha256": meta["sha256"],
            "raw_bytes": meta["bytes"],
            "raw_lines": len(cleaned.labels),
            "cleaner": CLEANER_VERSION,
        },
        "segments": [
            {"start": s.start, "raw_start": s.raw_start, "length": s.length, "line": s.line} for s in cleaned.segments
        ],
        "line_labels": [
            {"line": lb.line, "class": lb.line_class, "category": lb.category, "label_source": lb.label_source}
            for lb in cleaned.labels
        ],
    }


def line_records(doc: RawDocument, cleaned: CleanedDocument) -> list[dict[str, Any]]:
    return [
        {
            "doc_id": doc.doc_id,
            "line": line.number,
            "raw_start": line.start,
            "text": line.text,
            "class": label.line_class,
            "category": label.category,
            "label_source": label.label_source,
            "rule": label.rule,
        }
        for line, label in zip(doc.lines, cleaned.labels)
    ]


def clean_document(doc: RawDocument, corrections_dir: Path) -> CleanedDocument:
    corrections_path = corrections_dir / f"{doc.doc_id}.json"
    corrections = load_corrections(corrections_path)
    if corrections is not None and corrections["doc_id"] != doc.doc_id:
        raise InputError(str(corrections_path), f"doc_id {corrections['doc_id']!r} does not match the file name")
    return clean_text(doc.text, corrections, where=str(corrections_path if corrections else doc.path))


def assemble_release(inputs: BuildInputs, version: str = DATASET_VERSION) -> Release:
    """Pure core of the build: every record, validated, grouped by config and split."""
    docs = load_corpus(inputs.raw_dir)
    manifest = load_manifest(inputs.split_manifest)
    assignments = assign(docs, manifest)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {c: {s: [] for s in SPLITS} for c in CONFIG_SCHEMAS}
    for doc in docs:
        cleaned = clean_document(doc, inputs.corrections_dir)
        split = assignments[doc.doc_id]
        rows["documents"][split].append(document_record(doc, cleaned))
        rows["lines"][split].extend(line_records(doc, cleaned))
    for config, by_split in rows.items():
        for split, records in by_split.items():
            for record in records:
                key = record.get("id") or f"{record['doc_id']} line {record['line']}"
                validate(record, CONFIG_SCHEMAS[config], f"{config}/{split}: {key}")
    return Release(version, rows, manifest["rule"], assignments)


def _jsonl_bytes(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def _parquet_bytes(records: list[dict[str, Any]], schema: pa.Schema) -> bytes:
    table = pa.Table.from_pylist(records, schema=schema)
    sink = io.BytesIO()
    # Fixed writer options so the bytes depend on the records alone.
    pq.write_table(table, sink, compression="zstd", compression_level=9, use_dictionary=True, write_statistics=True, store_schema=False)
    return sink.getvalue()


def release_files(release: Release) -> dict[str, bytes]:
    """Relative path -> bytes of every file in the release directory."""
    files: dict[str, bytes] = {}
    manifest_configs: dict[str, Any] = {}
    for config, by_split in release.rows.items():
        schema = storage_schema(CONFIG_FEATURES[config]())
        manifest_configs[config] = {}
        for split in SPLITS:
            records = by_split[split]
            entry: dict[str, Any] = {"num_rows": len(records), "files": {}}
            for fmt, data in (("parquet", _parquet_bytes(records, schema)), ("jsonl", _jsonl_bytes(records))):
                path = f"{config}/{split}.{fmt}"
                files[path] = data
                entry["files"][fmt] = {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            manifest_configs[config][split] = entry
    manifest = {
        "name": "DETENTE",
        "version": release.version,
        "cleaner": CLEANER_VERSION,
        "split_rule": release.split_rule,
        "splits": {s: sorted(d for d, a in release.assignments.items() if a == s) for s in SPLITS},
        "configs": manifest_configs,
        "counts": release_counts(release),
    }
    files["MANIFEST.json"] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    sums = "".join(f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in sorted(files))
    files["SHA256SUMS"] = sums.encode("utf-8")
    return files


def release_counts(release: Release) -> dict[str, Any]:
    """Figures printed by the build and written into the card and manifest."""
    counts: dict[str, Any] = {"documents": {}, "lines": {}, "line_classes": {}, "line_categories": {}, "label_sources": {}}
    for split in SPLITS:
        lines = release.rows["lines"][split]
        counts["documents"][split] = len(release.rows["documents"][split])
        counts["lines"][split] = len(lines)
        counts["line_classes"][split] = dict(sorted(Counter(r["class"] for r in lines).items()))
        counts["line_categories"][split] = dict(sorted(Counter(r["category"] for r in lines).items()))
        counts["label_sources"][split] = dict(sorted(Counter(r["label_source"] for r in lines).items()))
    return counts


def _same_tree(files: dict[str, bytes], directory: Path) -> bool:
    existing = sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())
    if existing != sorted(files):
        return False
    return all((directory / rel).read_bytes() == data for rel, data in files.items())


def publish(files: dict[str, bytes], out_root: Path, version: str) -> str:
    """Write the release atomically; returns "written" or "unchanged". Never changes a published version."""
    target = out_root / version
    if target.exists():
        if _same_tree(files, target):
            return "unchanged"
        raise ReleaseExistsError(
            f"{target}: version {version} is already published with different content; "
            "bump DATASET_VERSION in scripts/detente/version.py and add a CHANGELOG entry"
        )
    out_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{version}-", dir=out_root))
    try:
        for rel, data in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        os.chmod(staging, 0o755)
        os.replace(staging, target)  # atomic on one file system: readers see all or nothing
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return "written"


def build(inputs: BuildInputs = BuildInputs(), out_root: Path = ANNOTATED_DIR, version: str = DATASET_VERSION) -> tuple[Release, str]:
    release = assemble_release(inputs, version)
    status = publish(release_files(release), out_root, version)
    return release, status


def format_counts(release: Release) -> str:
    counts = release_counts(release)
    out = [f"DETENTE {release.version}", f"{'split':<11}{'docs':>5}{'lines':>7}{'content':>9}{'metadata':>10}{'boilerpl.':>10}{'corrected':>10}"]
    for split in SPLITS:
        cls = counts["line_classes"][split]
        out.append(
            f"{split:<11}{counts['documents'][split]:>5}{counts['lines'][split]:>7}{cls.get('content', 0):>9}"
            f"{cls.get('metadata', 0):>10}{cls.get('boilerplate', 0):>10}{counts['label_sources'][split].get('corrected', 0):>10}"
        )
    return "\n".join(out)

