"""A release without the article texts, and the way back: `detente text-free`.

The texts are their publishers' work; the annotation is ours (CC-BY-4.0). `strip_release` writes a copy of a
release where every column holding page text is null (documents: text, title, page-metadata lines, mention,
trigger, quotation and cue quotes; lines: text; ner: tokens), every quotation of a page inside our own metadata (evidence, rights
statements, date expressions, registry names and notes) is a reference "{doc_id:start:end}" into the page, and
every document keeps its raw page's SHA-256. `restore_release` takes
that copy and the user's own copies of the pages, refuses any page whose SHA-256 differs, rebuilds every text
field from the page through the offsets, and writes the release back: byte-identical to the original, which is
checked against the original SHA256SUMS the copy carries. Stripping restores in memory first, so a copy that
could not be restored is never written.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from detente.errors import InputError
from detente.io import json_bytes, jsonl_bytes, read_input_bytes, read_json, read_jsonl, write_tree
from detente.pipeline.build import PARQUET_WRITE_OPTIONS, parquet_bytes
from detente.pipeline.ner import ner_rows
from detente.pipeline.splits import SPLITS
from detente.rawtext import decode, split_lines
from detente.structure import CONFIG_SCHEMAS, Struct, arrow_type, release_structure

CONFIGS = ("documents", "lines", "ner")
TEXT_FREE_MANIFEST = "TEXT_FREE.json"
METADATA_FIELDS = {"byline": "bylines", "publisher": "publishers", "credit": "credits", "copyright": "copyrights"}


# A quotation inside our own metadata (evidence, date expressions, rights statements, registry notes): replaced by a
# reference to where it is in a page, "{dtn-<id>:START:END}" (literal braces doubled), and put back on restore.
QUOTED = re.compile(r"'([^'\n]{8,}?)'|\"([^\"\n]{8,}?)\"|\u2018([^\u2019\n]{8,}?)\u2019|\u201c([^\u201d\n]{8,}?)\u201d")
REFERENCE = re.compile(r"\{\{|\}\}|\{(dtn-[0-9a-f]{12}):(\d+):(\d+)\}")
MIN_QUOTE = 8


def mask_quotes(value: str | None, pages: dict[str, str]) -> str | None:
    """`value` with every quotation of a page (the whole value, or a quoted part of it) replaced by a reference."""
    if value is None:
        return None

    def find(quote: str) -> str | None:
        for doc_id, page in pages.items():
            at = page.find(quote)
            if at >= 0:
                return f"{{{doc_id}:{at}:{at + len(quote)}}}"
        return None

    escaped = value.replace("{", "{{").replace("}", "}}")
    whole = find(value.strip()) if len(value.strip()) >= MIN_QUOTE else None
    if whole is not None:
        start = value.index(value.strip())
        return escaped[:start] + whole + value[start + len(value.strip()):].replace("{", "{{").replace("}", "}}")
    out, last = [], 0
    for match in QUOTED.finditer(value):
        quote = next(g for g in match.groups() if g is not None)
        reference = find(quote)
        if reference is None:
            continue
        start = match.start() + 1
        out.append(value[last:start].replace("{", "{{").replace("}", "}}") + reference)
        last = start + len(quote)
    out.append(value[last:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def unmask_quotes(value: str | None, pages: dict[str, str], where: str) -> str | None:
    if value is None:
        return None

    def put_back(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        doc_id, start, end = match.group(1), int(match.group(2)), int(match.group(3))
        if doc_id not in pages or not 0 <= start <= end <= len(pages[doc_id]):
            raise InputError(where, f"a quotation refers to {doc_id}:{start}:{end}, which is not in the pages given")
        return pages[doc_id][start:end]

    return REFERENCE.sub(put_back, value)


def _quote_fields(doc: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(holder, key) of every field of a document record that may quote its page."""
    fields = [(doc["publisher"], "evidence"), (doc["publication_date"], "evidence"), (doc["rights"], "statement")]
    fields += [(event["date"], "expression") for event in doc.get("events", []) if event.get("date")]
    return fields


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
    for quotation in out.get("quotations", []):  # from 0.7.0
        quotation["text"] = None
        if quotation["cue"] is not None:
            quotation["cue"]["text"] = None
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
    for quotation in doc.get("quotations", []):
        quotation["text"] = text[quotation["start"] : quotation["end"]]
        if quotation["cue"] is not None:
            quotation["cue"]["text"] = text[quotation["cue"]["start"] : quotation["cue"]["end"]]
    return doc


def _strip(config: str, record: dict[str, Any], pages: dict[str, str]) -> dict[str, Any]:
    if config == "documents":
        stripped = strip_document(record)
        own = {record["id"]: pages[record["id"]]}
        for holder, key in _quote_fields(stripped):
            holder[key] = mask_quotes(holder[key], own)
        return stripped
    return {**record, ("text" if config == "lines" else "tokens"): None}


def _strip_registry(records: list[dict[str, Any]], pages: dict[str, str]) -> list[dict[str, Any]]:
    """Registry names and notes are the annotators' words; quotations of a page in them are masked too."""
    return [{k: (mask_quotes(v, pages) if k in ("name", "note") and isinstance(v, str) else v) for k, v in r.items()} for r in records]


def _restore(config: str, record: dict[str, Any], raw: dict[str, str], documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if config == "documents":
        restored = restore_document(record, raw[record["id"]])
        for holder, key in _quote_fields(restored):
            holder[key] = unmask_quotes(holder[key], raw, record["id"])
        return restored
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
    pq.write_table(pa.Table.from_pylist(records, schema=schema), sink, store_schema=False, **PARQUET_WRITE_OPTIONS)
    return sink.getvalue()


def _restored_files(copy: dict[str, Any], rows: dict[str, dict[str, list[dict[str, Any]]]], raw: dict[str, str], others: dict[str, bytes],
                    schema_dir: Path) -> dict[str, bytes]:
    """Every file of the original release, rebuilt from the text-free rows and the pages; checked against its hashes."""
    files = dict(others)
    for rel in [r for r in files if r.startswith("registry/")]:  # quotations in names and notes put back
        records = [json.loads(line) for line in files[rel].decode("utf-8").split("\n") if line]
        files[rel] = jsonl_bytes([{k: (unmask_quotes(v, raw, rel) if k in ("name", "note") and isinstance(v, str) else v) for k, v in r.items()} for r in records])
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
        if rel != "SHA256SUMS" and rel not in expected:
            raise InputError(rel, "is not in the release's SHA256SUMS (a file added to the release or to the copy)")
        if rel != "SHA256SUMS" and expected[rel] != hashlib.sha256(data).hexdigest():
            raise InputError(rel, "the restored file differs from the original release (a page or the text-free copy does not match)")
    if set(expected) != set(files) - {"SHA256SUMS"}:
        raise InputError("SHA256SUMS", f"restored files differ from the original list: {sorted(set(expected) ^ (set(files) - {'SHA256SUMS'}))}")
    return files


def _raw_pages(raw_dir: Path, wanted: dict[str, str]) -> dict[str, str]:
    """doc_id -> decoded page, for each wanted doc_id whose raw/<doc_id>.txt has the recorded SHA-256."""
    pages = {}
    for doc_id, digest in sorted(wanted.items()):
        path = raw_dir / f"{doc_id}.txt"
        data = read_input_bytes(path)
        if hashlib.sha256(data).hexdigest() != digest:
            raise InputError(str(path), f"SHA-256 {hashlib.sha256(data).hexdigest()[:12]}... is not the {digest[:12]}... the annotation was made on; use that exact copy")
        pages[doc_id] = decode(data, str(path))
    return pages


def strip_release(release_dir: Path, raw_dir: Path) -> dict[str, bytes]:
    """The files of the text-free copy of a release (restorable: checked before they are returned)."""
    manifest = read_json(release_dir / "MANIFEST.json", missing="no MANIFEST.json: not a release folder")
    rows = _read_release(release_dir)
    if "documents" not in rows:
        raise InputError(str(release_dir), "has no documents/ config: not a DETENTE release")
    pages = {d["id"]: d["provenance"]["raw_sha256"] for split in rows["documents"].values() for d in split}
    raw = _raw_pages(raw_dir, pages)
    stripped = {c: {s: [_strip(c, r, raw) for r in by_split[s]] for s in SPLITS} for c, by_split in rows.items()}
    others = {str(p.relative_to(release_dir)): p.read_bytes() for p in sorted(release_dir.rglob("*"))
              if p.is_file() and p.parts[len(release_dir.parts)] not in CONFIGS and p.name != "SHA256SUMS"}
    for rel in [r for r in others if r.startswith("registry/")]:
        others[rel] = jsonl_bytes(_strip_registry([json.loads(line) for line in others[rel].decode("utf-8").split("\n") if line], raw))
    copy = {
        "what": "A text-free copy of a DETENTE release: page text removed, offsets and each page's SHA-256 kept. "
        "Restore with `detente text-free --restore THIS_FOLDER --raw RAW_DIR --out OUT`.",
        "release": manifest["version"],
        "raw_sha256": pages,
        "original_sha256sums": (release_dir / "SHA256SUMS").read_text(encoding="utf-8"),
        "parquet_labels": "index" if b"huggingface" in (pq.read_schema(release_dir / "documents" / "test.parquet").metadata or {}) else "name",
    }
    try:
        _restored_files(copy, stripped, raw, others, release_dir)  # proves the copy restores, byte for byte
    except InputError as err:
        raise InputError(str(release_dir), f"does not rebuild from its own pages ({err}); check it with `detente validate` first") from None
    files = {rel: data for rel, data in others.items()}
    for config, by_split in stripped.items():
        for split, records in by_split.items():
            files[f"{config}/{split}.jsonl"] = jsonl_bytes(records)
    files[TEXT_FREE_MANIFEST] = json_bytes(copy)
    return files


def restore_release(copy_dir: Path, raw_dir: Path) -> dict[str, bytes]:
    """The original release's files from a text-free copy and the pages (every file checked against its hash)."""
    copy = read_json(copy_dir / TEXT_FREE_MANIFEST, missing=f"no {TEXT_FREE_MANIFEST}: not a text-free copy")
    if not isinstance(copy, dict) or not isinstance(copy.get("raw_sha256"), dict) or not isinstance(copy.get("original_sha256sums"), str):
        raise InputError(str(copy_dir / TEXT_FREE_MANIFEST), "is not the manifest of a text-free copy (raw_sha256, original_sha256sums)")
    rows = _read_release(copy_dir)
    others = {str(p.relative_to(copy_dir)): p.read_bytes() for p in sorted(copy_dir.rglob("*"))
              if p.is_file() and p.parts[len(copy_dir.parts)] not in CONFIGS and p.name != TEXT_FREE_MANIFEST}
    raw = _raw_pages(raw_dir, copy["raw_sha256"])
    try:
        return _restored_files(copy, rows, raw, others, copy_dir)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:  # an edited or damaged copy
        raise InputError(str(copy_dir), f"is not an intact text-free copy: {type(err).__name__} {err}") from None


def main_text_free(release_dir: Path | None, raw_dir: Path, out: str, restore: str | None) -> int:
    """`detente text-free --out DIR [--release V]` and `detente text-free --restore COPY --raw RAW --out DIR`."""
    out_dir = Path(out)
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
