"""Raw store: byte-exact articles in raw/<doc_id>.txt with metadata in raw/<doc_id>.json."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io import read_json
from detente.schemas import validate


@dataclass(frozen=True)
class RawLine:
    number: int  # 1-based
    start: int  # character offset in the decoded text
    text: str  # without its terminator ("\n" or "\r\n")


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


def doc_id_for(data: bytes) -> str:
    """Content-addressed ID: the same bytes always get the same ID."""
    return "dtn-" + hashlib.sha256(data).hexdigest()[:12]


def decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(where, f"not valid UTF-8 at byte {err.start}: {err.reason}") from None


def line_pieces(text: str) -> list[str]:
    """The text split on "\\n" only, each piece keeping a trailing "\\r"; a final newline ends the last line.

    Piece k starts at the sum of (len(piece) + 1) over the pieces before it.
    """
    pieces = text.split("\n")
    if text.endswith("\n"):
        pieces.pop()
    return pieces


def split_lines(text: str) -> list[RawLine]:
    """Numbered lines with their offsets; a trailing "\\r" belongs to the terminator, not the line."""
    lines: list[RawLine] = []
    start = 0
    for number, piece in enumerate(line_pieces(text), start=1):
        content = piece[:-1] if piece.endswith("\r") else piece
        lines.append(RawLine(number, start, content))
        start += len(piece) + 1
    return lines


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
