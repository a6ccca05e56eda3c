"""Keep the reviewed line labels when the cleaner changes.

A new line model predicts some lines of the corpus differently. The released line labels are reviewed gold,
so a changed prediction must not change them: this rewrites each document's line corrections
(annotated/source/line_corrections/<doc_id>.json) so that the current cleaner's predictions plus the
corrections give the labels of a release again. A correction the old cleaner needed keeps its reason; one the
new cleaner makes unnecessary is dropped; a new one says which release's label it keeps and what the cleaner
predicts instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io import read_jsonl, write_bytes_atomically
from detente.pipeline.clean import LineLabel, clean_text, cleaner_id, load_corrections
from detente.pipeline.corpus import RawDocument, load_document
from detente.rawtext import split_lines

SPLITS = ("train", "validation", "test")


def carried_corrections(doc_id: str, texts: list[str], predicted: list[LineLabel], kept: list[str], old: dict[str, Any] | None,
                        release: str, cleaner: str) -> dict[str, Any] | None:
    """The corrections that turn `predicted` into the categories `kept` (one per line); None when none is needed.

    `texts` are the raw lines; `old` the document's current corrections file, if any.
    """
    if not (len(texts) == len(predicted) == len(kept)):
        raise ValueError(f"{doc_id}: {len(texts)} lines, {len(predicted)} predictions, {len(kept)} kept labels")
    reasons = {fix["line"]: fix for fix in (old or {}).get("corrections", [])}
    corrections = []
    for number, (text, label, category) in enumerate(zip(texts, predicted, kept), start=1):
        if label.category == category:
            continue
        previous = reasons.get(number)
        if previous is not None and previous["category"] == category and previous["text"] == text:
            corrections.append(previous)
            continue
        corrections.append({
            "line": number, "text": text, "category": category,
            "reason": f"Reviewed gold label kept from release {release}; {cleaner} predicts '{label.category}' (rule {label.rule}).",
        })
    if not corrections:
        return None
    reviewed_by = (old or {}).get("reviewed_by") or f"DETENTE maintainers (labels of release {release} kept when the cleaner changed)"
    return {"doc_id": doc_id, "reviewed_by": reviewed_by, "corrections": corrections}


def release_categories(release_dir: Path) -> dict[str, list[str]]:
    """Each document's line categories in a release's `lines` config, in line order."""
    by_doc: dict[str, list[tuple[int, str]]] = {}
    for split in SPLITS:
        path = release_dir / "lines" / f"{split}.jsonl"
        if not path.is_file():
            raise InputError(str(path), "missing: not a release folder with a lines config")
        for row in read_jsonl(path):
            by_doc.setdefault(row["doc_id"], []).append((row["line"], row["category"]))
    categories = {}
    for doc_id, rows in by_doc.items():
        rows.sort()
        if [line for line, _ in rows] != list(range(1, len(rows) + 1)):
            raise InputError(str(release_dir / "lines"), f"{doc_id}: the line numbers are not 1..{len(rows)}")
        categories[doc_id] = [category for _, category in rows]
    return categories


def corrections_bytes(corrections: dict[str, Any]) -> bytes:
    return (json.dumps(corrections, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def keep_line_labels(release_dir: Path, raw_dir: Path, corrections_dir: Path) -> list[str]:
    """Rewrite the corrections of every document of `raw_dir` that `release_dir` holds; one report line each."""
    categories = release_categories(release_dir)
    cleaner = cleaner_id()
    planned: list[tuple[Path, bytes | None, str]] = []
    for raw_path in sorted(raw_dir.glob("*.txt")):
        doc: RawDocument = load_document(raw_path)
        if doc.doc_id not in categories:
            continue  # a page added since that release: its labels are reviewed when it is annotated
        lines = split_lines(doc.text)
        path = corrections_dir / f"{doc.doc_id}.json"
        old = load_corrections(path)
        if len(lines) != len(categories[doc.doc_id]):
            raise InputError(str(raw_path), f"{len(lines)} lines, but release {release_dir.name} labels {len(categories[doc.doc_id])}")
        predicted = clean_text(doc.text, where=str(raw_path)).labels  # what the build sees before the corrections
        new = carried_corrections(doc.doc_id, [line.text for line in lines], predicted, categories[doc.doc_id], old, release_dir.name, cleaner)
        before = len(old["corrections"]) if old else 0
        planned.append((path, None if new is None else corrections_bytes(new), f"{doc.doc_id}: {len(new['corrections']) if new else 0} corrections (was {before})"))
    for path, data, _ in planned:  # every document is checked before any file is written
        if data is None:
            path.unlink(missing_ok=True)
        elif not path.is_file() or path.read_bytes() != data:
            write_bytes_atomically(path, data)
    return [report for _, _, report in planned]


def main_keep_line_labels(release_dir: Path, raw_dir: Path, corrections_dir: Path) -> int:
    """`detente keep-line-labels VERSION`: print one line per document, then what to do next."""
    for report in keep_line_labels(release_dir, raw_dir, corrections_dir):
        print(report)
    print(f"{corrections_dir}: written; the next release's line labels equal {release_dir.name}'s (check with `detente build`)")
    return 0
