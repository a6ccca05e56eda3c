"""Scale: clean a whole crawl (a folder of .txt articles and/or .jsonl files) into sharded Parquet + JSONL, on one machine.

Input: a folder, searched recursively (names starting with "." skipped), holding UTF-8 text files, one
article per file (`*.txt`, in the same form as raw/), and/or JSON Lines files (`*.jsonl`), one article per
line: a JSON object whose string field "text" is the page text (its UTF-8 bytes are the article; other
fields are ignored). An article's `source` is its path relative to the folder, plus ":<line>" for a .jsonl
line. Articles are taken in a fixed order (each folder's entries sorted by name, depth first; a .jsonl file's
lines in order) and cut into shards of `shard_size` articles; shard k becomes part-<k> of every output:

    OUT/documents/part-00000.parquet + .jsonl   one record per cleaned article (scaled_document.schema.json)
    OUT/lines/part-00000.parquet + .jsonl       one record per input line (schema/line.schema.json)
    OUT/rejects.jsonl                           one record per article that could not be cleaned: source, error

What cannot be read becomes one reject naming it, and the rest of the crawl is cleaned: a file that cannot be
read or is not a regular file (a FIFO, socket or device named *.txt or *.jsonl is never opened: reading one can
block forever), a folder that cannot be listed (its whole content is one reject, source "<path>/"), a name that
is not valid UTF-8 (a folder's, or an article's: the source shows the bad bytes as \\xNN escapes; rename it to clean
it), and a symbolic link loop. Symbolic links are followed, to files and to folders (a crawl assembled from links
is read like a copy); a link to a folder that contains it is a loop: it is not followed and becomes a reject.
Folders are walked without recursion, so depth cannot exhaust Python's stack.

A part file exists only when its shard has at least one record. The per-article logic is pure
(`process_article`); the Pool driver in local.py and the datatrove steps in datatrove.py both wrap it, so both
produce the same records in the same shards. Output bytes depend only on the input, not on the worker count.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson
import pyarrow as pa

from detente.errors import DetenteError, InputError, SchemaError
from detente.io import NotRegularFileError, open_regular_file, read_regular_file
from detente.pipeline.clean import clean_text, cleaner_id
from detente.rawtext import decode, doc_id_for, line_starts_and_texts
from detente.schemas import category_class, check, fast_validator, strict_validator
from detente.structure import arrow_schema

DOCUMENT_SCHEMA = "scaled_document"
LINE_SCHEMA = "line"
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "use_dictionary": True, "write_statistics": True, "store_schema": False}

# Derived from schema/ (detente.structure), like the release's files: one source for the record structure.
ARROW_SCHEMAS: dict[str, pa.Schema] = {"documents": arrow_schema(DOCUMENT_SCHEMA), "lines": arrow_schema(LINE_SCHEMA)}
OUTPUTS = tuple(ARROW_SCHEMAS)  # "documents", "lines"
REJECTS_FILE = "rejects.jsonl"
UTF8_BOM = b"\xef\xbb\xbf"
ROW_GROUP_ARTICLES = 100  # articles per Parquet row group and per write: bounds a worker's memory


# ---------------------------------------------------------------------------------------------------------
# Schemas: the same JSON Schemas as detente.schemas, compiled once for speed
# ---------------------------------------------------------------------------------------------------------

def check_record(record: Any, name: str, where: str) -> None:
    """Raise SchemaError naming `where` if `record` does not match schema `name` (detente.schemas.check: fast path,
    jsonschema's messages)."""
    check(record, name, where)


def check_records(records: list[Any], name: str, where: Callable[[Any], str]) -> None:
    """check_record on each record, in one fast call; on a failure, the first bad record is named."""
    strict = strict_validator(name, many=True)
    if strict is not None and strict(records):
        return
    try:
        fast_validator(name, many=True)(records)
    except fastjsonschema.JsonSchemaValueException as err:
        for record in records:
            check_record(record, name, where(record))
        raise SchemaError(where(records[0]), f"list does not match schema '{name}': {err.message}") from None  # cannot happen


# ---------------------------------------------------------------------------------------------------------
# One article: pure functions, never raise
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleInput:
    source: str  # path relative to the input folder, "/"-separated (+ ":<line>"; a folder's ends in "/")
    data: bytes | None  # None when the file could not be read
    read_error: str | None = None


@dataclass
class ArticleResult:
    document: dict[str, Any] | None
    lines: list[dict[str, Any]]
    reject: dict[str, Any] | None  # {"source", "doc_id", "error"}
    raw_bytes: int


def read_article(root: Path, source: str) -> ArticleInput:
    try:
        return ArticleInput(source, read_regular_file(root / source))
    except OSError as err:
        return ArticleInput(source, None, f"{source}: cannot read: {err.strerror or err}")


def jsonl_article(source: str, line: bytes) -> ArticleInput:
    """One line of a .jsonl crawl: a JSON object whose string "text" is the article (as UTF-8 bytes)."""
    body = line.rstrip(b"\r\n")
    if not body.strip():
        return ArticleInput(source, None, f"{source}: empty line, no article")
    try:  # decoded here, not by orjson, which would call bad bytes "surrogates" at column 1: name the byte, as for a .txt file
        body_text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        return ArticleInput(source, None, f"{source}: not valid UTF-8 at byte {err.start}: {err.reason}")
    try:
        record = orjson.loads(body_text)
    except orjson.JSONDecodeError as err:
        return ArticleInput(source, None, f"{source}: not valid JSON: {err}")
    text = record.get("text") if isinstance(record, dict) else None
    if not isinstance(text, str):
        return ArticleInput(source, None, f'{source}: not a JSON object with a string field "text"')
    if not text:
        return ArticleInput(source, None, f'{source}: "text" is empty')
    return ArticleInput(source, text.encode("utf-8"))  # orjson refuses lone surrogates, so this cannot fail


def _records(source: str, data: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not data:
        raise InputError(source, "empty file (0 bytes)")
    doc_id = doc_id_for(data)
    text = decode(data, source)
    cleaned = clean_text(text, where=source)
    if not cleaned.text:
        raise InputError(source, f"no content lines: the cleaner kept no text from {len(cleaned.categories)} lines")
    classes = category_class()
    lines = [
        {
            "doc_id": doc_id, "line": number, "raw_start": start, "text": line_text,
            "class": classes[category], "category": category, "label_source": source, "rule": rule,
        }
        for number, ((start, line_text), category, source, rule)
        in enumerate(zip(line_starts_and_texts(text), cleaned.categories, cleaned.label_sources, cleaned.rules), start=1)
    ]
    document = {
        "doc_id": doc_id,
        "source": source,
        "title": cleaned.title,
        "text": cleaned.text,
        "segments": [{"start": s.start, "raw_start": s.raw_start, "length": s.length, "line": s.line} for s in cleaned.segments],
        "line_labels": [{"line": r["line"], "class": r["class"], "category": r["category"], "label_source": r["label_source"]} for r in lines],
        "cleaner": cleaner_id(),
    }
    check_record(document, DOCUMENT_SCHEMA, source)
    check_records(lines, LINE_SCHEMA, lambda record: f"{source}: line {record['line']}")
    return document, lines


def process_article(article: ArticleInput) -> ArticleResult:
    """Decode, clean and validate one article. Every failure comes back as a reject record, never as an exception."""
    data = article.data
    size = len(data) if data is not None else 0
    if data is None:
        return ArticleResult(None, [], {"source": article.source, "doc_id": None, "error": article.read_error}, size)
    try:
        document, lines = _records(article.source, data)
    except DetenteError as err:
        error = str(err)
    except Exception as err:  # a bug on one odd page must not stop a million-article run; it is named in rejects
        error = f"{article.source}: unexpected {type(err).__name__}: {err}"
    else:
        return ArticleResult(document, lines, None, size)
    return ArticleResult(None, [], {"source": article.source, "doc_id": doc_id_for(data), "error": error}, size)


def shard_reject(reject: dict[str, Any], shard: int) -> dict[str, Any]:
    """The record written to rejects.jsonl (both engines)."""
    return {"source": reject["source"], "shard": shard, "doc_id": reject["doc_id"], "error": reject["error"]}


# ---------------------------------------------------------------------------------------------------------
# Input order and shards (shared by both engines)
# ---------------------------------------------------------------------------------------------------------

# A shard plan entry (JSON, so datatrove tasks can read the plan): a .txt article by its relative path; a run of
# consecutive lines of one .jsonl file: [relative path, first line (1-based), its byte offset, lines]; or
# something found that cannot be read, which becomes one reject: {"source": ..., "error": ...}.
PlanEntry = str | list[Any] | dict[str, str]
NO_ARTICLES = "no articles found (.txt files, or lines of .jsonl files)"
ARTICLE_SUFFIXES = (".txt", ".jsonl")


@dataclass(frozen=True)
class Unusable:
    """Something in the input folder that cannot be read as articles: it becomes one reject."""

    source: str
    error: str


def shown_name(name: str) -> str:
    """A path as valid text: bytes that are not UTF-8 (which os hands over as surrogate escapes) become \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.scandir gave the undecodable bytes as lone surrogates
        return False
    return True


def _listing(path: str) -> list[os.DirEntry[str]]:
    """A folder's entries sorted by name, hidden ones (".*") left out; OSError if it cannot be listed."""
    with os.scandir(path) as scan:
        return sorted((entry for entry in scan if not entry.name.startswith(".")), key=lambda entry: entry.name)


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def iter_sources(root: Path) -> Iterator[str | Unusable]:
    """Every *.txt and *.jsonl under root (relative path) in a fixed order, and an Unusable for what cannot be read.

    Depth first with an explicit stack: it holds the entries of the folders on the current path only, and the
    identities of those folders, so that a link back to one of them is caught as a loop.
    """
    try:
        top = _identity(os.stat(root))
        listing = _listing(str(root))
    except OSError as err:
        raise InputError(str(root), f"cannot read this folder: {err.strerror or err}") from None
    on_path = {top: "the input folder"}  # folder identity -> its source
    stack = [(top, "", iter(listing))]
    while stack:
        identity, prefix, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            del on_path[identity]
            continue
        source = prefix + entry.name
        try:
            folder = _identity(entry.stat()) if entry.is_dir() else None  # follows links; a dangling one is no folder
        except OSError as err:  # a link that leads to itself, or into a folder that cannot be searched
            yield Unusable(shown_name(source), f"{shown_name(source)}: cannot tell whether this is a file or a folder: {err.strerror or err}")
            continue
        if folder is None and not entry.name.endswith(ARTICLE_SUFFIXES):
            continue
        if not _is_utf8(entry.name):
            kind = "file" if folder is None else "folder"
            shown = shown_name(source) + ("" if folder is None else "/")
            yield Unusable(shown, f"{shown}: the {kind} name is not valid UTF-8 (shown with \\x escapes); rename it to clean what it holds")
        elif folder is None:
            yield source
        elif folder in on_path:
            yield Unusable(f"{source}/", f"{source}/: a symbolic link loop: this is {on_path[folder]} again, so it is not followed")
        else:
            try:
                listing = _listing(os.path.join(root, source))
            except OSError as err:
                yield Unusable(f"{source}/", f"{source}/: cannot read this folder, so none of its files was cleaned: {err.strerror or err}")
                continue
            on_path[folder] = f"{source}/"
            stack.append((folder, f"{source}/", iter(listing)))


def _jsonl_refs(root: Path, source: str) -> Iterator[tuple[str, int, int] | Unusable]:
    try:
        lines = open_regular_file(root / source)
    except NotRegularFileError as err:
        yield Unusable(source, f"{source}: {err.strerror}, so none of its lines was cleaned")
        return
    except OSError:
        yield Unusable(source, f"{source}: cannot read this .jsonl file, so none of its lines was cleaned")
        return
    offset = 0
    with lines:  # only line lengths are kept: memory stays flat
        for number, line in enumerate(lines, start=1):
            yield source, number, offset
            offset += len(line)


def iter_article_refs(root: Path) -> Iterator[tuple[str, int, int] | Unusable]:
    """(relative path, line, byte offset) of every article in input order (line 0 for a .txt file: one article),
    and an Unusable for each thing found that cannot be read."""
    for source in iter_sources(root):
        if isinstance(source, Unusable):
            yield source
        elif source.endswith(".jsonl"):
            yield from _jsonl_refs(root, source)
        else:
            yield source, 0, 0


def plan_shards(root: Path, shard_size: int) -> Iterator[list[PlanEntry]]:
    """Shard k = articles [k*shard_size, (k+1)*shard_size) in input order, as plan entries."""
    refs = iter_article_refs(root)
    while chunk := list(islice(refs, shard_size)):
        shard: list[PlanEntry] = []
        for ref in chunk:
            if isinstance(ref, Unusable):
                shard.append({"source": ref.source, "error": ref.error})
                continue
            path, line, offset = ref
            last = shard[-1] if shard else None
            if line == 0:
                shard.append(path)
            elif isinstance(last, list) and last[0] == path:
                last[3] += 1
            else:
                shard.append([path, line, offset, 1])
        yield shard


def iter_articles(root: Path, shard: list[PlanEntry]) -> Iterator[ArticleInput]:
    """The articles of one shard plan, read from the input folder (a read error becomes a reject later)."""
    for entry in shard:
        if isinstance(entry, dict):  # found when planning: cannot be read as articles
            yield ArticleInput(entry["source"], None, entry["error"])
            continue
        if isinstance(entry, str):
            yield read_article(root, entry)
            continue
        path, first_line, offset, count = entry
        try:
            with open_regular_file(root / path) as handle:
                handle.seek(offset)
                lines = [handle.readline() for _ in range(count)]  # at most one shard's articles
        except OSError as err:
            for number in range(first_line, first_line + count):
                yield ArticleInput(f"{path}:{number}", None, f"{path}:{number}: cannot read: {err.strerror or err}")
            continue
        for number, line in enumerate(lines, start=first_line):
            # a byte-order mark opening the file is not part of the first article (JSON parsers may ignore it)
            yield jsonl_article(f"{path}:{number}", line.removeprefix(UTF8_BOM) if number == 1 else line)


def part_name(shard: int) -> str:
    return f"part-{shard:05d}"  # the same name datatrove's writers give rank `shard` (${rank} is zero-filled to 5)


def jsonl_bytes(records: list[dict[str, Any]]) -> bytes:
    # orjson: 10x faster than json here, and byte-identical to datatrove's JsonlWriter
    return b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records)


def check_outside_input(input_dir: Path, outputs: dict[str, Path]) -> None:
    """Each output folder (option: folder) must lie outside the input folder, whose every .jsonl file a later run over
    it would read as articles."""
    for option, folder in outputs.items():
        if Path(folder).resolve().is_relative_to(Path(input_dir).resolve()):
            raise InputError(option, f"{folder} is inside the input folder {input_dir}, where a later run would read it as articles: choose a folder outside it")


def check_arguments(input_dir: Path, workers: int, shard_size: int) -> None:
    if not input_dir.is_dir():
        raise InputError(str(input_dir), "input must be a folder (of .txt articles and/or .jsonl files)")
    if workers < 1:
        raise InputError("--workers", f"must be at least 1, got {workers}")
    if shard_size < 1:
        raise InputError("--shard-size", f"must be at least 1, got {shard_size}")


# ---------------------------------------------------------------------------------------------------------
# Single-machine driver: multiprocessing.Pool, one shard per task, order kept by imap
# ---------------------------------------------------------------------------------------------------------

@dataclass
class ShardResult:
    shard: int
    articles: int
    documents: int
    lines: int
    raw_bytes: int
    rejects: list[dict[str, Any]]
    cpu_seconds: float = 0.0  # the worker's CPU time for this shard


@dataclass
class Summary:
    articles: int = 0
    documents: int = 0
    lines: int = 0
    rejects: int = 0
    shards: int = 0
    raw_bytes: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    first_rejects: list[str] = field(default_factory=list, repr=False)  # a few sources to print; the file has all

    def add(self, result: ShardResult) -> None:
        self.articles += result.articles
        self.documents += result.documents
        self.lines += result.lines
        self.rejects += len(result.rejects)
        self.shards += 1
        self.raw_bytes += result.raw_bytes
        self.cpu_seconds += result.cpu_seconds
        self.first_rejects.extend(r["source"] for r in result.rejects[: 10 - len(self.first_rejects)])

    def format(self) -> str:
        rate = self.articles / self.seconds if self.seconds else 0.0
        mb_rate = self.raw_bytes / 1e6 / self.seconds if self.seconds else 0.0
        return (
            f"{self.articles} articles in {self.shards} shards: {self.documents} documents, {self.lines} lines, "
            f"{self.rejects} rejects; {self.raw_bytes / 1e6:.1f} MB in {self.seconds:.1f} s "
            f"({rate:,.0f} articles/s, {mb_rate:.2f} MB/s)"
            + (f"; workers' CPU {1000 * self.cpu_seconds / self.articles:.2f} ms/article" if self.cpu_seconds and self.articles else "")
        )
