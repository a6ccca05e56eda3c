"""`detente add`: bring one new article into the corpus in one step.

It copies the file byte-exact to raw/<doc_id>.txt (content-addressed), writes its metadata record, appends it
to the split manifest by the chronological rule, and writes the cleaner's line labels for review.
Nothing is written until every check has passed.

Metadata, never invented:
- publication date: a date printed on the page (a dateline the cleaner parses) is `stated`, with the line as
  evidence. A date given with `--date` that the page does not print is recorded as `inferred` (the schema's
  methods are stated / inferred / unknown, and only a value printed on the page is `stated`), with the evidence
  "supplied by the maintainer with `detente add --date`". A `--date` that contradicts a printed dateline is refused.
  A date is required: the split rule cannot place an undated article.
- publisher: `--publisher` is `stated` when a publisher, credit or copyright line of the page contains it
  (that line is the evidence), otherwise `inferred` with the maintainer as evidence; without it, null/`unknown`.
- url: only from `--url` (never reconstructed); the notes say the maintainer supplied it.
- rights: `--rights`, else the page's copyright lines, else a default statement; `source` is `stated` only when
  the page carries a copyright line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io import json_bytes, read_input_bytes, write_files_together
from detente.pipeline.clean import (
    CleanedDocument,
    clean_text,
    cleaner_id,
    parse_dateline,
)
from detente.pipeline.corpus import RawDocument
from detente.pipeline.splits import append_new, load_manifest
from detente.rawtext import decode, doc_id_for, split_lines
from detente.schemas import validate

DEFAULT_RIGHTS = (
    "No rights statement supplied; copyright in the text rests with its publisher; DETENTE redistributes it "
    "unmodified for non-commercial research (see DATASHEET.md, Distribution)."
)
MAINTAINER = "Supplied by the maintainer with `detente add {flag}`"


@dataclass(frozen=True)
class AddOptions:
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    rights: str | None = None
    language: str = "en"


@dataclass(frozen=True)
class AddResult:
    doc_id: str
    raw_path: Path
    metadata: dict[str, Any]
    split: str
    line_review_path: Path
    content_lines: int


def _lines_of(cleaned: CleanedDocument, text: str, categories: set[str]) -> list[tuple[int, str]]:
    """(line number, stripped text) of the lines the cleaner put in `categories`."""
    lines = split_lines(text)
    return [(lb.line, lines[lb.line - 1].text.strip()) for lb in cleaned.labels if lb.category in categories]


def publication_date(cleaned: CleanedDocument, text: str, given: str | None, where: str) -> dict[str, Any]:
    parsed = [(n, line, parse_dateline(line)[0]) for n, line in _lines_of(cleaned, text, {"dateline"})]
    printed = [(n, line, date) for n, line, date in parsed if date is not None]
    unread = [(n, line) for n, line, date in parsed if date is None]  # dateline lines whose date could not be read
    unread_note = "; ".join(f"line {n} ({line!r}) is a dateline whose date could not be read" for n, line in unread[:2])
    if given is not None:
        try:
            dt.date.fromisoformat(given)
        except ValueError:
            raise InputError(where, f"--date {given!r} is not a date of the form YYYY-MM-DD") from None
        same = [(n, line) for n, line, date in printed if date == given]
        if same:
            return {"value": given, "method": "stated", "evidence": f"Line {same[0][0]} (dateline): {same[0][1]!r}."}
        if printed:
            n, line, date = printed[0]
            raise InputError(where, f"--date {given} contradicts the page's dateline on line {n} ({line!r} = {date}); check the date")
        what_page_says = unread_note if unread else "the page prints no date"
        return {"value": given, "method": "inferred", "evidence": f"{MAINTAINER.format(flag='--date')}; {what_page_says}."}
    dates = sorted({date for _, _, date in printed})
    if len(dates) == 1:
        n, line, date = printed[0]
        return {"value": date, "method": "stated", "evidence": f"Line {n} (dateline): {line!r}."}
    if dates:
        raise InputError(where, f"the page prints several dates ({', '.join(dates)}); pass --date YYYY-MM-DD")
    if unread:
        raise InputError(where, f"{unread_note}; pass --date YYYY-MM-DD (the split rule needs one)")
    raise InputError(where, "the page prints no publication date the cleaner can read; pass --date YYYY-MM-DD (the split rule needs one)")


def publisher_record(cleaned: CleanedDocument, text: str, given: str | None) -> dict[str, Any]:
    if given is None:
        return {"value": None, "method": "unknown", "evidence": "Not supplied when the article was added (`detente add` without --publisher)."}
    for n, line in _lines_of(cleaned, text, {"publisher", "credit", "copyright"}):
        if given in line:
            return {"value": given, "method": "stated", "evidence": f"Line {n}: {line!r}."}
    return {"value": given, "method": "inferred", "evidence": f"{MAINTAINER.format(flag='--publisher')}; not printed on the page."}


def rights_record(cleaned: CleanedDocument, given: str | None) -> dict[str, Any]:
    copyrights = cleaned.page_metadata.get("copyrights", [])
    statement = given or (" / ".join(copyrights) if copyrights else DEFAULT_RIGHTS)
    return {"statement": statement, "source": "stated" if copyrights else "not_stated"}


def metadata_record(doc_id: str, source_file: str, data: bytes, text: str, cleaned: CleanedDocument, options: AddOptions, where: str) -> dict[str, Any]:

    supplied = [name for name, value in (("URL", options.url), ("rights statement", options.rights)) if value is not None]
    record = {
        "id": doc_id,
        "source_file": source_file,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "language": options.language,
        "url": options.url,
        "publisher": publisher_record(cleaned, text, options.publisher),
        "publication_date": publication_date(cleaned, text, options.date, where),
        "rights": rights_record(cleaned, options.rights),
        "notes": f"Added with `detente add`; {' and '.join(supplied)} supplied by the maintainer on the command line." if supplied else None,
    }
    validate(record, "raw_metadata", f"{where}: metadata record")
    return record


def line_review_record(doc_id: str, text: str, cleaned: CleanedDocument) -> dict[str, Any]:
    lines = split_lines(text)
    return {
        "doc_id": doc_id,
        "cleaner": cleaner_id(),
        "note": "The cleaner's predicted line labels, for review (`detente labelstudio export`); reviewed changes go to line_corrections/.",
        "lines": [
            {"line": lb.line, "text": lines[lb.line - 1].text, "class": lb.line_class, "category": lb.category, "rule": lb.rule, "label_source": lb.label_source}
            for lb in cleaned.labels
        ],
    }


def printable_name(path: Path) -> str:
    """A file name as text: bytes that are not UTF-8 shown as backslash escapes (JSON and the schema need text)."""
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def add_article(raw_file: Path, raw_dir: Path, source_dir: Path, options: AddOptions = AddOptions()) -> AddResult:
    """Pure checks first, then one change of four files: line labels for review, metadata, split manifest, raw copy."""
    where = str(raw_file).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    data = read_input_bytes(raw_file)
    if not data.strip():
        raise InputError(where, "empty file: there is no article to add")
    text = decode(data, where)
    if not any(ch.isalnum() for ch in text):
        raise InputError(where, "holds no letters or digits (NUL or control characters only?): not a page's text; nothing changed")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
    if controls > len(text) // 10:
        raise InputError(where, f"{controls} of its {len(text)} characters are control characters: a binary file, not a page's text; nothing changed")
    doc_id = doc_id_for(data)
    raw_path = raw_dir / f"{doc_id}.txt"
    if raw_path.exists():
        if raw_path.read_bytes() == data:
            raise InputError(where, f"already in the corpus as {raw_path} (the same bytes); nothing changed")
        raise InputError(where, f"{raw_path} exists with different bytes (an ID collision); nothing changed")
    cleaned = clean_text(text, where=where)
    metadata = metadata_record(doc_id, printable_name(raw_file), data, text, cleaned, options, where)
    manifest_path = source_dir / "splits.json"
    manifest = load_manifest(manifest_path)
    before = dict(manifest["assignments"])
    append_new([RawDocument(doc_id, raw_path, data, text, metadata)], manifest)
    assert all(manifest["assignments"][d] == s for d, s in before.items()), "append_new moved an existing document"
    review_path = source_dir / "line_review" / f"{doc_id}.json"
    review = line_review_record(doc_id, text, cleaned)

    # One change: nothing is written unless everything can be; the raw copy (whose presence means "added") goes last.
    write_files_together([
        (review_path, json_bytes(review)),
        (raw_path.with_suffix(".json"), json_bytes(metadata)),
        (manifest_path, json_bytes(manifest)),
        (raw_path, data),
    ])
    content_lines = sum(1 for lb in cleaned.labels if lb.line_class == "content")
    return AddResult(doc_id, raw_path, metadata, manifest["assignments"][doc_id], review_path, content_lines)


def main_add(raw_file: str, raw_dir: Path, source_dir: Path, options: AddOptions) -> int:
    """`detente add RAW_FILE [--publisher ...] [--date ...] [--url ...] [--rights ...] [--language ...]`."""
    result = add_article(Path(raw_file), raw_dir, source_dir, options)
    date = result.metadata["publication_date"]
    print(f"{raw_file} -> {result.raw_path} ({result.metadata['bytes']} bytes)")
    print(f"publication date {date['value']} ({date['method']}); split: {result.split} (existing assignments unchanged)")
    print(f"line labels for review ({result.content_lines} content lines predicted): {result.line_review_path}")
    if result.content_lines == 0:
        print("warning: the cleaner found no article content; correct the line labels in review before annotating")
    print(f"next: detente preannotate {result.doc_id}")
    return 0
