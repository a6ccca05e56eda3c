"""Keep the reviewed line labels when the cleaner changes.

A new line model predicts some lines of the corpus differently. The released line labels are reviewed gold,
so a changed prediction must not change them: this rewrites each document's line corrections
(annotated/source/line_corrections/<doc_id>.json) so that the current cleaner's predictions plus the
corrections give the labels of the newest release again. A correction the old cleaner needed keeps its reason
(with what the cleaner predicts brought up to date); one the new cleaner makes unnecessary is dropped; a new
one says which release's label it keeps and what the cleaner predicts instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io import check_writable_file, iter_jsonl, json_bytes, write_bytes_atomically
from detente.paths import release_versions
from detente.pipeline.clean import LineLabel, clean_text, cleaner_id, load_document_corrections
from detente.pipeline.corpus import load_corpus
from detente.schemas import validate

SPLITS = ("train", "validation", "test")
# What a reason says the cleaner predicts ("detente-cleaner/2 predicts 'footer' (rule model:after-content)"):
# rewritten to the current cleaner's prediction, so a kept reason never states a prediction that is no longer made.
_PREDICTION_CLAUSE = re.compile(r"\S+ predicts '[^']*' \(rule [^)]*\)")


@dataclass(frozen=True)
class CarriedCorrections:
    corrections: dict[str, Any] | None  # the new file's content; None when the document needs no correction
    kept: int  # old corrections still needed
    dropped: int  # old corrections the current cleaner makes unnecessary (or that now keep another label)
    added: int  # corrections the old cleaner did not need


def _prediction(cleaner: str, label: LineLabel) -> str:
    return f"{cleaner} predicts '{label.category}' (rule {label.rule})"


def _with_prediction(reason: str, prediction: str) -> str:
    """`reason` with the prediction it states (if any) replaced by `prediction` (a function: re.sub would read
    backslashes in a replacement string)."""
    return _PREDICTION_CLAUSE.sub(lambda _: prediction, reason)


def carried_corrections(doc_id: str, texts: list[str], predicted: list[LineLabel], kept: list[str], old: dict[str, Any] | None,
                        release: str, cleaner: str) -> CarriedCorrections:
    """The corrections that turn `predicted` into the categories `kept` (one per line).

    `texts` are the raw lines; `old` the document's current corrections file, if any (already validated).
    """
    if not (len(texts) == len(predicted) == len(kept)):
        raise ValueError(f"{doc_id}: {len(texts)} lines, {len(predicted)} predictions, {len(kept)} kept labels")
    previous = {fix["line"]: fix for fix in (old or {}).get("corrections", [])}
    corrections = []
    still_needed = 0
    for number, (text, label, category) in enumerate(zip(texts, predicted, kept), start=1):
        if label.category == category:
            continue
        fix = previous.get(number)
        if fix is not None and fix["category"] == category and fix["text"] == text:
            still_needed += 1
            corrections.append({**fix, "reason": _with_prediction(fix["reason"], _prediction(cleaner, label))})
            continue
        corrections.append({
            "line": number, "text": text, "category": category,
            "reason": f"Reviewed gold label kept from release {release}; {_prediction(cleaner, label)}.",
        })
    dropped, added = len(previous) - still_needed, len(corrections) - still_needed
    if not corrections:
        return CarriedCorrections(None, 0, dropped, 0)
    reviewed_by = (old or {}).get("reviewed_by") or f"DETENTE maintainers (labels of release {release} kept when the cleaner changed)"
    return CarriedCorrections({"doc_id": doc_id, "reviewed_by": reviewed_by, "corrections": corrections}, still_needed, dropped, added)


def release_categories(release_dir: Path) -> dict[str, list[str]]:
    """Each document's line categories in a release's `lines` config, in line order."""
    by_doc: dict[str, list[tuple[int, str]]] = {}
    for split in SPLITS:
        path = release_dir / "lines" / f"{split}.jsonl"
        if not path.is_file():
            raise InputError(str(path), "missing: not a release folder with a lines config")
        for where, row in iter_jsonl(path):
            if not isinstance(row, dict) or not isinstance(row.get("doc_id"), str) or not isinstance(row.get("line"), int) \
                    or not isinstance(row.get("category"), str):
                raise InputError(where, "not a line record (doc_id, line and category expected)")
            by_doc.setdefault(row["doc_id"], []).append((row["line"], row["category"]))
    categories = {}
    for doc_id, rows in by_doc.items():
        rows.sort()
        if [line for line, _ in rows] != list(range(1, len(rows) + 1)):
            raise InputError(str(release_dir / "lines"), f"{doc_id}: the line numbers are not 1..{len(rows)}")
        categories[doc_id] = [category for _, category in rows]
    return categories


def keep_line_labels(release_dir: Path, raw_dir: Path, corrections_dir: Path) -> list[str]:
    """Rewrite the corrections of every document of `release_dir` (all must be in `raw_dir`); one report line each.

    Everything is read and checked before the first file is written, so an error leaves every file as it was.
    """
    categories = release_categories(release_dir)
    if not corrections_dir.is_dir():
        raise InputError(str(corrections_dir), "no such folder of line corrections")
    cleaner = cleaner_id()
    documents = load_corpus(raw_dir)
    raw_ids = {doc.doc_id for doc in documents}
    missing = sorted(set(categories) - raw_ids)
    if missing:
        raise InputError(str(raw_dir), f"release {release_dir.name} has document(s) with no raw page here: {', '.join(missing)}")
    orphans = sorted(path.name for path in corrections_dir.glob("*.json") if path.stem not in raw_ids)
    if orphans:
        raise InputError(str(corrections_dir), f"corrections for document(s) with no raw page: {', '.join(orphans)}")
    planned: list[tuple[Path, bytes | None]] = []
    reports = []
    for doc in documents:
        path = corrections_dir / f"{doc.doc_id}.json"
        if doc.doc_id not in categories:
            reports.append(f"{doc.doc_id}: not in release {release_dir.name}, corrections left as they are (review its lines when it is annotated)")
            continue
        lines = doc.lines
        if len(lines) != len(categories[doc.doc_id]):
            raise InputError(str(doc.path), f"{len(lines)} lines, but release {release_dir.name} labels {len(categories[doc.doc_id])}")
        old = load_document_corrections(path, doc.doc_id)
        check_writable_file(path)
        predicted = clean_text(doc.text, where=str(doc.path)).labels  # what the build sees before the corrections
        carried = carried_corrections(doc.doc_id, [line.text for line in lines], predicted, categories[doc.doc_id], old, release_dir.name, cleaner)
        if carried.corrections is not None:
            validate(carried.corrections, "line_corrections", str(path))
        planned.append((path, None if carried.corrections is None else json_bytes(carried.corrections)))
        total = len(carried.corrections["corrections"]) if carried.corrections else 0
        reports.append(f"{doc.doc_id}: {total} corrections (was {carried.kept + carried.dropped}; {carried.dropped} dropped, {carried.added} new)")
    for path, data in planned:
        if data is None:
            path.unlink(missing_ok=True)
        elif not path.is_file() or path.read_bytes() != data:
            write_bytes_atomically(path, data)
    return reports


def newest_release(annotated_dir: Path) -> str:
    """The highest version under annotated/ that holds a lines config."""
    versions = release_versions(annotated_dir, "lines")
    if not versions:
        raise InputError(str(annotated_dir), "no release with a lines config")
    return versions[-1]


def main_keep_line_labels(version: str | None, annotated_dir: Path, raw_dir: Path, corrections_dir: Path) -> int:
    """`detente keep-line-labels [VERSION]`: the newest release's labels (an older one would overwrite later reviews)."""
    newest = newest_release(annotated_dir)
    if version is not None and version != newest:
        raise InputError(version, f"not the newest release ({newest}): its line labels would overwrite later reviewed labels")
    for report in keep_line_labels(annotated_dir / newest, raw_dir, corrections_dir):
        print(report)
    print(f"{corrections_dir}: up to date; the next build gives release {newest}'s line labels to the documents it holds")
    return 0
