"""Stage 4, build: raw + sources -> a versioned release annotated/<version>/, written atomically."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from detente.errors import DetenteError, InputError, ReleaseExistsError
from detente.features import encode_record, storage_schema
from detente.io import jsonl_bytes, write_tree
from detente.paths import ANNOTATED_DIR, CHANGELOG, RAW_DIR, SOURCE_DIR
from detente.pipeline.agreement import agreement_study
from detente.pipeline.annotate import (
    MISSING_QUOTATIONS,
    Registries,
    compile_document,
    load_registries,
    read_yaml,
)
from detente.pipeline.clean import (
    CleanedDocument,
    clean_document,
    cleaner_id,
)
from detente.pipeline.corpus import RawDocument, load_corpus
from detente.pipeline.ner import ner_rows
from detente.pipeline.splits import SPLITS, assign, load_manifest
from detente.pipeline.validate import validate_release
from detente.rawtext import BOM, line_end_style
from detente.schemas import schema_bytes, validate
from detente.structure import CONFIG_SCHEMAS
from detente.version import DATASET_VERSION

# Schemas of the published records, of the sources they were compiled from, and what they reference (not predictions).
RELEASE_SCHEMAS = ("annotation_source", "document", "entity", "event_cluster", "labels", "line", "line_corrections", "ner", "raw_metadata")


@dataclass(frozen=True)
class BuildInputs:
    raw_dir: Path = RAW_DIR
    source_dir: Path = SOURCE_DIR  # line_corrections/, annotations/, entities.yaml, events.yaml, splits.json
    changelog: Path | None = CHANGELOG

    @property
    def corrections_dir(self) -> Path:
        return self.source_dir / "line_corrections"

    @property
    def annotations_dir(self) -> Path:
        return self.source_dir / "annotations"

    @property
    def split_manifest(self) -> Path:
        return self.source_dir / "splits.json"


@dataclass
class Release:
    version: str
    rows: dict[str, dict[str, list[dict[str, Any]]]]  # config -> split -> records
    registry: dict[str, list[dict[str, Any]]]  # "entities" / "events" actually referenced by the release
    split_rule: dict[str, Any]
    assignments: dict[str, str]
    pending: list[str]  # raw documents without reviewed annotation, left out of this release
    agreement: dict[str, Any] | None = None  # the stored inter-annotator agreement study, recomputed


def document_record(doc: RawDocument, cleaned: CleanedDocument, annotation: dict[str, Any]) -> dict[str, Any]:
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
            "raw_line_ends": line_end_style(doc.text),
            "raw_bom": doc.text.startswith(BOM),
            "cleaner": cleaner_id(),
        },
        "segments": [
            {"start": s.start, "raw_start": s.raw_start, "length": s.length, "line": s.line} for s in cleaned.segments
        ],
        "annotation": {"status": "reviewed", "annotators": annotation["annotators"], "source": annotation["source"]},
        "entities": annotation["entities"],
        "events": annotation["events"],
        "line_labels": [
            {"line": lb.line, "class": lb.line_class, "category": lb.category, "label_source": lb.label_source}
            for lb in cleaned.labels
        ],
        "quotations": annotation["quotations"],
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


def load_annotation(doc_id: str, text: str, inputs: BuildInputs, registries: Registries) -> dict[str, Any] | None:
    """Compiled reviewed annotation of a document, or None when it has none or only a draft."""
    path = inputs.annotations_dir / f"{doc_id}.yaml"
    if not path.exists():
        return None
    source = read_yaml(path)
    if isinstance(source, dict) and source.get("status") == "draft":
        return None
    where = str(path)
    if isinstance(source, dict) and source.get("doc_id") != doc_id:
        raise InputError(where, f"doc_id {source.get('doc_id')!r} does not match the file name")
    compiled = compile_document(source, text, registries, where)
    if "quotations" not in compiled:  # a missing layer is not an empty one: a release must not say "no quotations" for it
        raise InputError(where, MISSING_QUOTATIONS)
    return {**compiled, "annotators": source["annotators"], "source": str(path.relative_to(inputs.source_dir.parent))}


def assemble_release(inputs: BuildInputs, version: str = DATASET_VERSION) -> Release:
    """Pure core of the build: every record, validated, grouped by config and split."""
    docs = load_corpus(inputs.raw_dir)
    manifest = load_manifest(inputs.split_manifest)
    assignments = assign(docs, manifest, str(inputs.split_manifest))
    registries = load_registries([inputs.source_dir / "entities.yaml"], [inputs.source_dir / "events.yaml"])
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {c: {s: [] for s in SPLITS} for c in CONFIG_SCHEMAS}
    pending: list[str] = []
    for doc in docs:
        cleaned = clean_document(doc, inputs.corrections_dir)
        annotation = load_annotation(doc.doc_id, cleaned.text, inputs, registries)
        if annotation is None:
            pending.append(doc.doc_id)
            continue
        split = assignments[doc.doc_id]
        rows["documents"][split].append(document_record(doc, cleaned, annotation))
        rows["lines"][split].extend(line_records(doc, cleaned))
        rows["ner"][split].extend(ner_rows(doc.doc_id, cleaned.text, annotation["entities"]))
    for config, by_split in rows.items():
        for split, records in by_split.items():
            for record in records:
                key = record.get("id") if config != "lines" else f"{record['doc_id']} line {record['line']}"
                validate(record, CONFIG_SCHEMAS[config], f"{config}/{split}: {key}")
    released = [d for split in SPLITS for d in rows["documents"][split]]
    used_entities = {m["entity_id"] for d in released for m in d["entities"] if m["entity_id"]}
    used_events = {e["cluster_id"] for d in released for e in d["events"]}
    registry = {
        "entities": [registries.entities[i] for i in sorted(used_entities)],
        "events": [registries.events[i] for i in sorted(used_events)],
    }
    released_assignments = {d["id"]: assignments[d["id"]] for d in released}
    agreement = None
    if (inputs.source_dir / "agreement").is_dir():
        agreement = agreement_study(inputs.source_dir, {d["id"]: d["text"] for d in released})
    return Release(version, rows, registry, manifest["rule"], released_assignments, pending, agreement)


# Fixed writer options, so a file's bytes depend on its records alone (releases up to 0.4.0 used them too).
PARQUET_WRITE_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 9, "use_dictionary": True, "write_statistics": True}


def parquet_bytes(config: str, records: list[dict[str, Any]]) -> bytes:
    table = pa.Table.from_pylist([encode_record(config, r) for r in records], schema=storage_schema(config))
    sink = io.BytesIO()
    # store_schema: keeps the schema metadata (the `datasets` features) in the file; it is deterministic too.
    pq.write_table(table, sink, store_schema=True, **PARQUET_WRITE_OPTIONS)
    return sink.getvalue()


def release_files(release: Release) -> dict[str, bytes]:
    """Relative path -> bytes of every file in the release directory."""
    files: dict[str, bytes] = {}
    manifest_configs: dict[str, Any] = {}
    for config, by_split in release.rows.items():
        manifest_configs[config] = {}
        for split in SPLITS:
            records = by_split[split]
            entry: dict[str, Any] = {"num_rows": len(records), "files": {}}
            for fmt, data in (("parquet", parquet_bytes(config, records)), ("jsonl", jsonl_bytes(records))):
                path = f"{config}/{split}.{fmt}"
                files[path] = data
                entry["files"][fmt] = {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            manifest_configs[config][split] = entry
    for name, records in release.registry.items():
        files[f"registry/{name}.jsonl"] = jsonl_bytes(records)
    if release.agreement is not None:
        files["agreement.json"] = (json.dumps(release.agreement, indent=2) + "\n").encode("utf-8")
    # The release carries the schemas it was validated against, so it stays checkable when schema/ moves on.
    for name in RELEASE_SCHEMAS:
        files[f"schema/{name}.schema.json"] = schema_bytes(name)
    other_files = {rel: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)} for rel, data in sorted(files.items())}
    manifest = {
        "name": "DETENTE",
        "version": release.version,
        "cleaner": cleaner_id(),
        "split_rule": release.split_rule,
        "splits": {s: sorted(d for d, a in release.assignments.items() if a == s) for s in SPLITS},
        "configs": manifest_configs,
        "other_files": {rel: entry for rel, entry in other_files.items() if rel.split("/")[0] not in manifest_configs},
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
        docs = release.rows["documents"][split]
        mentions = [m for d in docs for m in d["entities"]]
        events = [e for d in docs for e in d["events"]]
        counts.setdefault("entity_types", {})[split] = dict(sorted(Counter(m["type"] for m in mentions).items()))
        counts.setdefault("mention_levels", {})[split] = dict(sorted(Counter(m["level"] for m in mentions).items()))
        counts.setdefault("event_types", {})[split] = dict(sorted(Counter(e["plover"] or "(ACE only)" for e in events).items()))
        counts.setdefault("realis", {})[split] = dict(sorted(Counter(e["realis"] for e in events).items()))
        counts.setdefault("arguments", {})[split] = sum(len(e["arguments"]) for e in events)
        quotations = [q for d in docs for q in d["quotations"]]
        counts.setdefault("quotation_kinds", {})[split] = dict(sorted(Counter(q["kind"] + (" (paraphrase)" if q["paraphrase"] else "") for q in quotations).items()))
        counts.setdefault("quotation_sides", {})[split] = dict(sorted(Counter(q["side"] for q in quotations).items()))
        counts.setdefault("quotation_sources", {})[split] = dict(sorted(Counter(q["source_type"] or "(not stated)" for q in quotations).items()))
        counts.setdefault("ner_rows", {})[split] = len(release.rows["ner"][split])
    counts["registry"] = {name: len(records) for name, records in release.registry.items()}
    counts["pending"] = list(release.pending)
    return counts


def _differences(files: dict[str, bytes], directory: Path) -> list[str]:
    """The files of `directory` that differ from `files` (by relative path): added, missing or changed."""
    existing = {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()}
    return sorted({*(existing ^ set(files)), *(rel for rel in existing & set(files) if (directory / rel).read_bytes() != files[rel])})


def _pending_only(files: dict[str, bytes], directory: Path, differing: list[str]) -> list[str]:
    """The documents added but not reviewed, when they are all that differs (MANIFEST.json's "pending" list)."""
    if not set(differing) <= {"MANIFEST.json", "SHA256SUMS"}:  # the checksums list holds the manifest's
        return []
    try:
        published, built = json.loads((directory / "MANIFEST.json").read_bytes()), json.loads(files["MANIFEST.json"])
    except (OSError, ValueError):
        return []
    if {**published, "counts": {**published.get("counts", {}), "pending": []}} != {**built, "counts": {**built.get("counts", {}), "pending": []}}:
        return []
    if "SHA256SUMS" in differing:  # it may differ only in the manifest's own line
        def others(data: bytes) -> list[bytes]:
            return [line for line in data.splitlines() if not line.endswith(b"  MANIFEST.json")]
        if others((directory / "SHA256SUMS").read_bytes()) != others(files.get("SHA256SUMS", b"")):
            return []
    return sorted(set(built.get("counts", {}).get("pending", [])) - set(published.get("counts", {}).get("pending", [])))


def publish(files: dict[str, bytes], out_root: Path, version: str, raw_dir: Path = RAW_DIR) -> str:
    """Write the release atomically; returns "written" or "unchanged". Never changes a published version.

    The files are written to a staging folder and read back there by `validate_release` (checksums, manifest,
    Parquet = JSONL, schemas, offsets, every raw line once) before the rename that publishes them.
    """
    target = out_root / version
    if target.exists():
        differing = _differences(files, target)
        if not differing:
            return "unchanged"
        pending = _pending_only(files, target, differing)
        if pending:
            raise ReleaseExistsError(
                f"{target}: version {version} is published, and the only change is the new document(s) {', '.join(pending)}, added "
                "but not reviewed yet (MANIFEST.json's pending list); nothing was written. Publish them in a new version once reviewed "
                "(README, Adding an article)"
            )
        shown = ", ".join(differing[:5]) + (f" and {len(differing) - 5} more" if len(differing) > 5 else "")
        raise ReleaseExistsError(
            f"{target}: version {version} is already published with different content ({shown} would differ); if the sources "
            "changed, bump DATASET_VERSION in scripts/detente/version.py and add a CHANGELOG entry; if the published folder "
            "was edited or damaged, restore it (`git checkout -- annotated/`): nothing was written"
        )
    def read_back(staging: Path) -> None:
        try:
            validate_release(staging, raw_dir)
        except DetenteError as err:
            raise DetenteError(f"{target}: the release failed its read-back check and was not published: {err}") from None

    write_tree(files, target, check=read_back)  # staged, read back, then renamed into place: all or nothing
    return "written"


def check_changelog(changelog: Path, version: str) -> None:
    """A version is published only with its own CHANGELOG entry."""
    text = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
    if not any(line.startswith(f"## {version} ") or line.strip() == f"## {version}" for line in text.splitlines()):
        raise InputError(str(changelog), f"no entry '## {version} ...' for the version being built; add one before publishing")


def build(inputs: BuildInputs = BuildInputs(), out_root: Path = ANNOTATED_DIR, version: str = DATASET_VERSION,
          check: Callable[[Release], None] | None = None) -> tuple[Release, str]:
    """Assemble the release and publish it; `check` may refuse the assembled release before anything is written."""
    if inputs.changelog is not None:
        check_changelog(inputs.changelog, version)
    release = assemble_release(inputs, version)
    if check is not None:
        check(release)
    status = publish(release_files(release), out_root, version, inputs.raw_dir)
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
    for split in SPLITS:
        types = ", ".join(f"{k} {v}" for k, v in counts["entity_types"][split].items())
        events = ", ".join(f"{k} {v}" for k, v in counts["event_types"][split].items())
        out.append(f"{split}: mentions [{types}]; events [{events}]")
    out.append(f"pending (no reviewed annotation, not released): {len(release.pending)} {' '.join(release.pending)}".rstrip())
    return "\n".join(out)

