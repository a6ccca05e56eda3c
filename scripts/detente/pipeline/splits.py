"""Split assignment: chronological cutoffs on the publication date, frozen in a manifest.

The manifest (annotated/source/splits.json) stores the cutoffs and every document's split.
New documents are appended by the rule; an existing assignment never moves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detente.errors import InputError, SplitError
from detente.io import json_bytes, read_json, write_bytes_atomically
from detente.paths import RAW_DIR, SPLIT_MANIFEST
from detente.pipeline.corpus import RawDocument, load_corpus

SPLITS = ("train", "validation", "test")


def split_by_rule(date: str | None, rule: dict[str, str], doc_id: str) -> str:
    """train: before validation_from; validation: up to test_from; test: from test_from on."""
    if date is None:
        raise SplitError(f"{doc_id}: no publication date, so the chronological rule cannot place it")
    if date >= rule["test_from"]:
        return "test"
    if date >= rule["validation_from"]:
        return "validation"
    return "train"


def load_manifest(path: Path) -> dict[str, Any]:
    manifest = read_json(path, missing="split manifest missing")
    for key in ("rule", "assignments"):
        if key not in manifest:
            raise InputError(str(path), f"missing key {key!r}")
    return manifest


def assign(docs: list[RawDocument], manifest: dict[str, Any], where: str = "the split manifest") -> dict[str, str]:
    """Each document's split; refuses a document the manifest (`where`) lacks or places against the rule."""
    assignments: dict[str, str] = manifest["assignments"]
    result: dict[str, str] = {}
    for doc in docs:
        expected = split_by_rule(doc.metadata["publication_date"]["value"], manifest["rule"], doc.doc_id)
        if doc.doc_id not in assignments:
            raise SplitError(f"{doc.doc_id}: not in the split manifest; run `detente splits` to append it")
        if assignments[doc.doc_id] != expected:
            raise SplitError(f"{doc.doc_id}: {where} says {assignments[doc.doc_id]!r}, the rule says {expected!r} (from its publication date "
                             f"{doc.metadata['publication_date']['value']}): a published document never moves, so one of the two was edited")
        result[doc.doc_id] = expected
    unknown = sorted(set(assignments) - set(result))
    if unknown:
        raise SplitError(f"split manifest names documents that are not in raw/: {', '.join(unknown)}")
    return result


def append_new(docs: list[RawDocument], manifest: dict[str, Any]) -> list[str]:
    """Add documents missing from the manifest, placed by the rule; returns the IDs added."""
    added = []
    for doc in docs:
        if doc.doc_id not in manifest["assignments"]:
            manifest["assignments"][doc.doc_id] = split_by_rule(doc.metadata["publication_date"]["value"], manifest["rule"], doc.doc_id)
            added.append(doc.doc_id)
    manifest["assignments"] = dict(sorted(manifest["assignments"].items()))
    return added


def main_splits() -> int:
    """`detente splits`: append new raw documents to annotated/source/splits.json."""
    manifest = load_manifest(SPLIT_MANIFEST)
    docs = load_corpus(RAW_DIR)
    added = append_new(docs, manifest)
    assign(docs, manifest, str(SPLIT_MANIFEST))  # an existing entry against the rule is named before anything is written
    if added:
        write_bytes_atomically(SPLIT_MANIFEST, json_bytes(manifest))
    for doc_id in added:
        print(f"{doc_id} -> {manifest['assignments'][doc_id]}")
    print(f"{len(added)} document(s) added; existing assignments unchanged")
    return 0
