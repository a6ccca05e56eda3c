"""Raw store: byte-exact articles in raw/<doc_id>.txt with metadata in raw/<doc_id>.json."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io import read_json
from detente.rawtext import RawLine, decode, doc_id_for, split_lines
from detente.schemas import validate


@dataclass(frozen=True)
class RawDocument:
    doc_id: str
    path: Path
    data: bytes
    text: str
    metadata: dict[str, Any]

    @property
    def lines(self) -> list[RawLine]:
        return split_lines(self.text)


def load_document(text_path: Path) -> RawDocument:
    """Read one raw article and its metadata, checking ID, hash, size and schema."""
    meta_path = text_path.with_suffix(".json")
    if not meta_path.exists():
        raise InputError(str(text_path), f"no metadata record {meta_path.name} beside it")
    data = text_path.read_bytes()
    metadata = read_json(meta_path)
    validate(metadata, "raw_metadata", str(meta_path))
    doc_id = text_path.stem
    digest = hashlib.sha256(data).hexdigest()
    if metadata["id"] != doc_id:
        raise InputError(str(meta_path), f"id {metadata['id']!r} does not match file name {doc_id!r}")
    if doc_id != doc_id_for(data):
        raise InputError(str(text_path), f"file name {doc_id!r} is not the ID of its bytes ({doc_id_for(data)!r})")
    if metadata["sha256"] != digest or metadata["bytes"] != len(data):
        raise InputError(str(meta_path), "sha256/bytes do not match the raw file: raw files must stay byte-exact")
    return RawDocument(doc_id, text_path, data, decode(data, str(text_path)), metadata)


def load_corpus(raw_dir: Path) -> list[RawDocument]:
    """All raw documents, sorted by ID."""
    paths = sorted(raw_dir.glob("dtn-*.txt"))
    if not paths:
        raise InputError(str(raw_dir), "no raw articles (dtn-*.txt) found")
    return [load_document(p) for p in paths]
