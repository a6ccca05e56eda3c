"""Annotation consistency across the corpus: the same expression annotated in one place and not in another, and
events left without arguments where their sentence names a participant (`detente check-annotations --consistency`).

The core (`find_inconsistencies`) works on compiled documents (clean text, mentions and events with offsets) and is
pure; `main_consistency` compiles the reviewed sources and prints the findings. Matching is on whole words after
normalising curly quotes to straight ones and runs of whitespace to one space; a hyphen joins words ("US-China" holds
no whole-word "US", as the guidelines leave such modifiers unannotated), an apostrophe does not ("Blinken's" holds
"Blinken"). Trigger forms compare case-insensitively, mention forms case-sensitively ("May" is not "may").
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente import paths
from detente.errors import InputError
from detente.pipeline.annotate import compile_source_file, corpus_registries, read_yaml

# Finding kinds, in the order the summary lists them.
TRIGGER_UNANNOTATED = "trigger-inconsistency"
TRIGGER_IN_NAMED_EVENT = "trigger-in-named-event"
TRIGGER_TYPE = "trigger-type-inconsistency"
MENTION_UNANNOTATED = "mention-inconsistency"
MENTION_TYPE = "mention-type-inconsistency"
EVENT_NO_ARGUMENTS = "event-without-arguments"
KINDS = (TRIGGER_UNANNOTATED, TRIGGER_IN_NAMED_EVENT, TRIGGER_TYPE, MENTION_UNANNOTATED, MENTION_TYPE, EVENT_NO_ARGUMENTS)

# Name-level mentions annotated at every occurrence (ANNOTATION_GUIDELINES.md §2.3): names, and the values.
EXHAUSTIVE_TYPES = {"PER", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE", "TIME", "TITLE"}
# Mentions that could fill an event's actor or recipient, at any level.
PARTICIPANT_TYPES = {"PER", "ORG", "GPE", "NORP"}
DEFAULT_MIN_TRIGGER_LENGTH = 3
SHOWN_PLACES = 3  # annotated places named in a reason; the rest are counted

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'})
_SENTENCE_END = re.compile(r"(?<=[.?!]) (?=\S)")
_OPENING_QUOTES = "\"'\u2018\u201c"


@dataclass(frozen=True)
class Document:
    """A compiled document: its clean text and the records annotate.compile_document gives."""

    doc_id: str
    text: str
    entities: list[dict[str, Any]]
    events: list[dict[str, Any]]


@dataclass(frozen=True, order=True)
class Finding:
    doc_id: str
    start: int
    end: int
    kind: str
    text: str
    reason: str

    def line(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}: {self.kind}: {self.text!r}: {self.reason}"


@dataclass(frozen=True)
class _Normalised:
    """A text with quotes straightened, whitespace runs collapsed (and, if folded, lower-cased), and where each of
    its characters came from in the original."""

    text: str
    origin: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def _normalise(text: str, fold: bool) -> _Normalised:
    chars: list[str] = []
    origin: list[int] = []
    for k, char in enumerate(text.translate(_QUOTES)):
        if char.isspace():
            if chars and chars[-1] == " ":
                continue
            char = " "
        elif fold:
            lower = char.lower()
            char = lower if len(lower) == 1 else char  # keep offsets one to one
        chars.append(char)
        origin.append(k)
    return _Normalised("".join(chars), origin)


def form(surface: str, fold: bool) -> str:
    """The form a surface string is compared by."""
    return _normalise(surface, fold).text.strip()


def _occurrences(needle: str, haystack: _Normalised) -> Iterator[tuple[int, int]]:
    """Whole-word occurrences of a (normalised) form, as spans of the original text."""
    if not needle:
        return
    for match in re.finditer(rf"(?<![\w-]){re.escape(needle)}(?![\w-])", haystack.text):
        yield haystack.span(match.start(), match.end())


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans, split simply: at newlines, and after . ? or ! and a space when an upper-case letter or a
    quote follows."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for cut in _SENTENCE_END.finditer(text, line.start(), line.end()):
            following = text[cut.end()]
            if following.isupper() or following in _OPENING_QUOTES:
                spans.append((start, cut.start()))
                start = cut.end()
        spans.append((start, line.end()))
    return spans


def _places(places: list[str]) -> str:
    shown = ", ".join(places[:SHOWN_PLACES])
    return shown + (f" and {len(places) - SHOWN_PLACES} more" if len(places) > SHOWN_PLACES else "")


def _place(doc: Document, record: dict[str, Any]) -> str:
    return f"{doc.doc_id} {record['id']}"


def _variants(counts: Counter[str], places: dict[str, list[str]]) -> str:
    """'CONSULT x3 (doc v1, ...); null x1 (doc v7)': the most frequent first."""
    return "; ".join(f"{name} x{count} ({_places(places[name])})" for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _plover(event: dict[str, Any]) -> str:
    return event["plover"] or "null"


def find_inconsistencies(documents: list[Document], min_trigger_length: int = DEFAULT_MIN_TRIGGER_LENGTH) -> list[Finding]:
    """Every finding over the documents together, sorted (document, offsets, kind, text, reason)."""
    findings = [
        *_trigger_findings(documents, min_trigger_length),
        *_mention_findings(documents),
        *_argument_findings(documents),
    ]
    return sorted(set(findings))


def _trigger_findings(documents: list[Document], min_length: int) -> Iterator[Finding]:
    annotated: dict[str, list[tuple[Document, dict[str, Any]]]] = defaultdict(list)
    for doc in documents:
        for event in doc.events:
            annotated[form(event["trigger"]["text"], fold=True)].append((doc, event))

    for _, where in sorted(annotated.items()):
        variants = Counter(_plover(event) for _, event in where)
        if len(variants) > 1:
            listing = _variants(variants, {plover: [_place(d, e) for d, e in where if _plover(e) == plover] for plover in variants})
            rare = min(variants, key=lambda plover: (variants[plover], plover))
            doc, event = next((d, e) for d, e in where if _plover(e) == rare)
            trigger = event["trigger"]
            yield Finding(doc.doc_id, trigger["start"], trigger["end"], TRIGGER_TYPE, trigger["text"],
                          f"trigger annotated with {len(variants)} PLOVER types: {listing}")

    forms = {surface: where for surface, where in annotated.items() if len(surface) >= min_length}
    for doc in documents:
        folded = _normalise(doc.text, fold=True)
        triggers = [(e["trigger"]["start"], e["trigger"]["end"]) for e in doc.events]
        named_events = [(m["start"], m["end"]) for m in doc.entities if m["type"] == "EVENT"]
        for surface, where in forms.items():
            for start, end in _occurrences(surface, folded):
                if _overlaps(start, end, triggers):
                    continue
                in_name = _overlaps(start, end, named_events)
                places = _places([f"{_place(d, e)} {_plover(e)}" for d, e in where])
                reason = f"a trigger elsewhere ({places}) but no event here" + (", inside an EVENT name mention" if in_name else "")
                yield Finding(doc.doc_id, start, end, TRIGGER_IN_NAMED_EVENT if in_name else TRIGGER_UNANNOTATED, doc.text[start:end], reason)


def _mention_findings(documents: list[Document]) -> Iterator[Finding]:
    annotated: dict[str, list[tuple[Document, dict[str, Any]]]] = defaultdict(list)
    for doc in documents:
        for mention in doc.entities:
            if mention["level"] == "name" and mention["type"] in EXHAUSTIVE_TYPES:
                annotated[form(mention["text"], fold=False)].append((doc, mention))

    for _, where in sorted(annotated.items()):
        types = Counter(m["type"] for _, m in where)
        if len(types) > 1:
            listing = _variants(types, {kind: [_place(d, m) for d, m in where if m["type"] == kind] for kind in types})
            rare = min(types, key=lambda kind: (types[kind], kind))
            doc, mention = next((d, m) for d, m in where if m["type"] == rare)
            yield Finding(doc.doc_id, mention["start"], mention["end"], MENTION_TYPE, mention["text"],
                          f"name annotated with {len(types)} types: {listing}")

    for doc in documents:
        plain = _normalise(doc.text, fold=False)
        mentions = [(m["start"], m["end"]) for m in doc.entities]
        for surface, where in annotated.items():
            for start, end in _occurrences(surface, plain):
                if _overlaps(start, end, mentions):
                    continue
                kinds = "/".join(sorted({m["type"] for _, m in where}))
                places = _places([_place(d, m) for d, m in where])
                yield Finding(doc.doc_id, start, end, MENTION_UNANNOTATED, doc.text[start:end],
                              f"a {kinds} name elsewhere ({places}) but no mention here")


def _argument_findings(documents: list[Document]) -> Iterator[Finding]:
    for doc in documents:
        spans = sentences(doc.text)
        for event in doc.events:
            if event["arguments"]:
                continue
            trigger = event["trigger"]
            start, end = next(((s, e) for s, e in spans if s <= trigger["start"] < e), (trigger["start"], trigger["end"]))
            candidates = [m for m in doc.entities if m["type"] in PARTICIPANT_TYPES and start <= m["start"] and m["end"] <= end]
            if candidates:
                listing = ", ".join(f"{m['id']} {m['text']!r} {m['type']} {m['level']}" for m in candidates)
                yield Finding(doc.doc_id, trigger["start"], trigger["end"], EVENT_NO_ARGUMENTS, trigger["text"],
                              f"event {event['id']} ({_plover(event)}) has no arguments; its sentence holds {listing}")


def summary(findings: list[Finding], documents: int) -> list[str]:
    counts = Counter(f.kind for f in findings)
    return [f"{len(findings)} finding(s) in {documents} document(s):", *(f"  {kind}: {counts[kind]}" for kind in KINDS)]


def reviewed_sources(annotations_dir: Path) -> list[str]:
    """The corpus's reviewed annotation source files (drafts do not enter a release and are not checked)."""
    files = []
    for path in sorted(annotations_dir.glob("*.yaml")):
        source = read_yaml(path)
        if not (isinstance(source, dict) and source.get("status") == "draft"):
            files.append(str(path))
    return files


def load_documents(files: list[str], text_dir: str | None, entity_files: list[str], event_files: list[str]) -> list[Document]:
    """Compile the source files; any problem in any of them (printed on stderr) is an InputError: the consistency of
    annotations that do not compile is not checked."""
    registries = corpus_registries(entity_files, event_files)
    documents: list[Document] = []
    seen: dict[str, str] = {}
    failed = 0
    for name in files:
        problems: list[InputError] = []
        compiled = compile_source_file(name, text_dir, registries, problems)
        if compiled is not None and compiled.doc_id in seen:
            problems.append(InputError(name, f"doc_id {compiled.doc_id!r} is also the document of {seen[compiled.doc_id]}"))
        for problem in problems:
            print(f"{problem}", file=sys.stderr)
        if problems or compiled is None:
            failed += 1
            continue
        seen[compiled.doc_id] = name
        documents.append(Document(compiled.doc_id, compiled.text, compiled.annotation["entities"], compiled.annotation["events"]))
    if failed:
        raise InputError(f"{failed} of {len(files)} file(s)", "do not compile (problems listed above); fix them to check consistency")
    return documents


def main_consistency(files: list[str], text_dir: str | None, entity_files: list[str], event_files: list[str], min_trigger_length: int) -> int:
    """`detente check-annotations --consistency [FILE...]`: findings one per line, then counts per kind. 0 when there
    are none, 1 when there are; bad input raises (the command line exits 2)."""
    if min_trigger_length < 1:
        raise InputError("--min-trigger-length", f"must be 1 or more, not {min_trigger_length}")
    if not files:
        files = reviewed_sources(paths.SOURCE_DIR / "annotations")
        if not files:
            raise InputError(str(paths.SOURCE_DIR / "annotations"), "no reviewed annotation source files")
    documents = load_documents(files, text_dir, entity_files, event_files)
    findings = find_inconsistencies(documents, min_trigger_length)
    for finding in findings:
        print(finding.line())
    print("\n".join(summary(findings, len(documents))))
    return 1 if findings else 0
