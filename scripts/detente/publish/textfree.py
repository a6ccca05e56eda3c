"""A release without the article texts, and the way back: `detente text-free`.

The texts are their publishers' work; the annotation is ours (CC-BY-4.0). `strip_release` writes a copy of a
release where every column holding page text is null (documents: text, title, page-metadata lines, mention and
trigger quotes; lines: text; ner: tokens) and every document keeps its raw page's SHA-256. `restore_release` takes
that copy and the user's own copies of the pages, refuses any page whose SHA-256 differs, rebuilds every text
field from the page through the offsets, and writes the release back: byte-identical to the original, which is
checked against the original SHA256SUMS the copy carries. Stripping restores in memory first, so a copy that
could not be restored is never written.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from detente.errors import InputError
from detente.io import json_bytes, jsonl_bytes, read_json, read_jsonl, write_tree
from detente.paths import check_outside_releases
from detente.pipeline.build import parquet_bytes
from detente.pipeline.ner import ner_rows
from detente.pipeline.splits import SPLITS
from detente.rawtext import decode, split_lines
from detente.structure import CONFIG_SCHEMAS, Struct, arrow_type, release_structure

CONFIGS = ("documents", "lines", "ner")
TEXT_FREE_MANIFEST = "TEXT_FREE.json"
METADATA_FIELDS = {"byline": "bylines", "publisher": "publishers", "credit": "credits", "copyright": "copyrights"}


def strip_document(doc: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(doc))  # a deep copy of plain JSON
    out["text"], out["title"] = None, None
    meta = out["page_metadata"]
    for field in METADATA_FIELDS.values():
        meta[field] = [None] * len(meta[field])
    for dateline in meta["datelines"]:
        dateline["text"] = None
    for mention in out.get("entities", []):
        mention["text"] = None
    for event in out.get("events", []):
        event["trigger"]["text"] = None
    return out


def restore_document(stripped: dict[str, Any], raw_text: str) -> dict[str, Any]:
    doc = json.loads(json.dumps(stripped))
    pieces = [raw_text[s["raw_start"] : s["raw_start"] + s["length"]] for s in doc["segments"]]
    text = "\n".join(pieces)
    doc["text"] = text
    by_line = {s["line"]: piece for s, piece in zip(doc["segments"], pieces)}
    titles = [lb["line"] for lb in doc["line_labels"] if lb["category"] == "title" and lb["line"] in by_line]
    doc["title"] = by_line[titles[0]] if titles else None
    lines = {line.number: line.text for line in split_lines(raw_text)}
    meta = doc["page_metadata"]
    stripped_lines = {field: [lines[lb["line"]].strip() for lb in doc["line_labels"] if lb["category"] == category] for category, field in METADATA_FIELDS.items()}
    for field in METADATA_FIELDS.values():
        meta[field] = stripped_lines[field]
    datelines = [lines[lb["line"]].strip() for lb in doc["line_labels"] if lb["category"] == "dateline"]
    for dateline, line_text in zip(meta["datelines"], datelines):
        dateline["text"] = line_text
    for mention in doc.get("entities", []):
        mention["text"] = text[mention["start"] : mention["end"]]
    for event in doc.get("events", []):
        event["trigger"]["text"] = text[event["trigger"]["start"] : event["trigger"]["end"]]
    return doc


def _strip(config: str, record: dict[str, Any]) -> dict[str, Any]:
    if config == "documents":
        return strip_document(record)
    return {**record, ("text" if config == "lines" else "tokens"): None}


def _restore(config: str, record: dict[str, Any], raw: dict[str, str], documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if config == "documents":
        return restore_document(record, raw[record["id"]])
    if config == "lines":
        return {**record, "text": split_lines(raw[record["doc_id"]])[record["line"] - 1].text}
    doc = documents[record["doc_id"]]
    rows = {r["id"]: r for r in ner_rows(doc["id"], doc["text"], doc.get("entities", []))}
    return {**record, "tokens": rows[record["id"]]["tokens"]}


def _read_release(release_dir: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {c: {s: read_jsonl(release_dir / c / f"{s}.jsonl") for s in SPLITS} for c in CONFIGS if (release_dir / c).is_dir()}


def _names_parquet(structure: Struct, records: list[dict[str, Any]]) -> bytes:
    """Parquet as releases up to 0.4.0 wrote it (labels as names, no schema metadata; the same writer options)."""
    schema = pa.schema([pa.field(name, arrow_type(node)) for name, node in structure.fields])
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records, schema=schema), sink, compression="zstd", compression_level=9,
                   use_dictionary=True, write_statistics=True, store_schema=False)
    return sink.getvalue()


def _restored_files(copy: dict[str, Any], rows: dict[str, dict[str, list[dict[str, Any]]]], raw: dict[str, str], others: dict[str, bytes],
                    schema_dir: Path) -> dict[str, bytes]:
    """Every file of the original release, rebuilt from the text-free rows and the pages; checked against its hashes."""
    files = dict(others)
    documents: dict[str, dict[str, Any]] = {}
    for config in CONFIGS:  # documents first: ner tokens are cut from the restored clean text
        for split in SPLITS:
            if config not in rows:
                continue
            restored = [_restore(config, r, raw, documents) for r in rows[config][split]]
            if config == "documents":
                documents.update({d["id"]: d for d in restored})
            files[f"{config}/{split}.jsonl"] = jsonl_bytes(restored)
            if copy.get("parquet_labels", "index") == "index":
                files[f"{config}/{split}.parquet"] = parquet_bytes(config, restored)
            else:  # releases before 0.5.0 stored class labels as names, without features metadata
                structure = release_structure(schema_dir, CONFIG_SCHEMAS[config])
                files[f"{config}/{split}.parquet"] = _names_parquet(structure, restored)
    sums = copy["original_sha256sums"]
    files["SHA256SUMS"] = sums.encode("utf-8")
    expected = dict(reversed(line.split("  ", 1)) for line in sums.splitlines() if line)
    for rel, data in files.items():
        if rel != "SHA256SUMS" and expected.get(rel) != hashlib.sha256(data).hexdigest():
            raise InputError(rel, "the restored file differs from the original release (a page or the text-free copy does not match)")
    if set(expected) != set(files) - {"SHA256SUMS"}:
        raise InputError("SHA256SUMS", f"restored files differ from the original list: {sorted(set(expected) ^ (set(files) - {'SHA256SUMS'}))}")
    return files


def _raw_pages(raw_dir: Path, wanted: dict[str, str]) -> dict[str, str]:
    """doc_id -> decoded page, for each wanted doc_id whose raw/<doc_id>.txt has the recorded SHA-256."""
    pages = {}
    for doc_id, digest in sorted(wanted.items()):
        path = raw_dir / f"{doc_id}.txt"
        try:
            data = path.read_bytes()
        except OSError as err:
            raise InputError(str(path), f"cannot read the page: {err.strerror}") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise InputError(str(path), f"SHA-256 {hashlib.sha256(data).hexdigest()[:12]}... is not the {digest[:12]}... the annotation was made on; use that exact copy")
        pages[doc_id] = decode(data, str(path))
    return pages


def strip_release(release_dir: Path, raw_dir: Path) -> dict[str, bytes]:
    """The files of the text-free copy of a release (restorable: checked before they are returned)."""
    rows = _read_release(release_dir)
    manifest = read_json(release_dir / "MANIFEST.json", missing="no MANIFEST.json: not a release folder")
    stripped = {c: {s: [_strip(c, r) for r in by_split[s]] for s in SPLITS} for c, by_split in rows.items()}
    pages = {d["id"]: d["provenance"]["raw_sha256"] for split in rows["documents"].values() for d in split}
    others = {str(p.relative_to(release_dir)): p.read_bytes() for p in sorted(release_dir.rglob("*"))
              if p.is_file() and p.parts[len(release_dir.parts)] not in CONFIGS and p.name != "SHA256SUMS"}
    copy = {
        "what": "A text-free copy of a DETENTE release: page text removed, offsets and each page's SHA-256 kept. "
        "Restore with `detente text-free --restore THIS_FOLDER --raw RAW_DIR --out OUT`.",
        "release": manifest["version"],
        "raw_sha256": pages,
        "original_sha256sums": (release_dir / "SHA256SUMS").read_text(encoding="utf-8"),
        "parquet_labels": "index" if b"huggingface" in (pq.read_schema(release_dir / "documents" / "test.parquet").metadata or {}) else "name",
    }
    _restored_files(copy, stripped, _raw_pages(raw_dir, pages), others, release_dir)  # proves the copy restores, byte for byte
    files = {rel: data for rel, data in others.items()}
    for config, by_split in stripped.items():
        for split, records in by_split.items():
            files[f"{config}/{split}.jsonl"] = jsonl_bytes(records)
    files[TEXT_FREE_MANIFEST] = json_bytes(copy)
    return files


def restore_release(copy_dir: Path, raw_dir: Path) -> dict[str, bytes]:
    """The original release's files from a text-free copy and the pages (every file checked against its hash)."""
    copy = read_json(copy_dir / TEXT_FREE_MANIFEST, missing=f"no {TEXT_FREE_MANIFEST}: not a text-free copy")
    rows = _read_release(copy_dir)
    others = {str(p.relative_to(copy_dir)): p.read_bytes() for p in sorted(copy_dir.rglob("*"))
              if p.is_file() and p.parts[len(copy_dir.parts)] not in CONFIGS and p.name != TEXT_FREE_MANIFEST}
    return _restored_files(copy, rows, _raw_pages(raw_dir, copy["raw_sha256"]), others, copy_dir)


def main_text_free(release_dir: Path | None, raw_dir: Path, out: str, restore: str | None) -> int:
    """`detente text-free --out DIR [--release V]` and `detente text-free --restore COPY --raw RAW --out DIR`."""
    out_dir = Path(out)
    check_outside_releases(out_dir)
    if out_dir.exists():
        raise InputError(str(out_dir), "exists already; give a new folder")
    if restore is not None:
        files = restore_release(Path(restore), raw_dir)
        write_tree(files, out_dir)
        print(f"{out_dir}: release {json.loads(files['MANIFEST.json'])['version']} restored with its texts, byte-identical to the original ({len(files)} files)")
    else:
        if release_dir is None:
            raise InputError("--release", "give the release to strip")
        files = strip_release(release_dir, raw_dir)
        write_tree(files, out_dir)
        print(f"{out_dir}: text-free copy of {release_dir.name} ({len(files)} files; restore with detente text-free --restore {out_dir} --raw RAW_DIR --out DIR)")
    return 0
