"""`detente changes OLD NEW`: every annotation that differs between two releases, for the CHANGELOG.

Identities on the clean text (both releases must have the same clean text for a document):
- a mention is (start, end, type); its level and entity ID are what may change;
- an event is its trigger span and type (PLOVER type, or the ACE subtype when there is none); its mode, ACE
  subtype, realis, date and cluster are what may change;
- an argument is (its event's identity, role, its mention's span);
- a quotation is its span; its kind, paraphrase, speaker, cue, addressee, source, side and event are what may change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io import read_jsonl
from detente.paths import release_folder

EVENT_FIELDS = ("mode", "ace", "realis", "date", "cluster_id")
QUOTATION_FIELDS = ("kind", "paraphrase", "speaker_id", "cue", "addressee_id", "source_type", "side", "about_event_id")
Record = dict[str, Any]


@dataclass
class DocumentChanges:
    doc_id: str
    lines: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, line: str) -> None:
        self.counts[kind] += 1
        self.lines.append(line)


def release_documents(folder: Path) -> dict[str, dict[str, Any]]:
    """The documents of a release by ID, from its JSONL files."""
    files = sorted((folder / "documents").glob("*.jsonl"))
    if not files:
        raise InputError(str(folder / "documents"), "no documents/*.jsonl: not a release folder")
    documents = {}
    for path in files:
        for number, record in enumerate(read_jsonl(path), start=1):
            if not isinstance(record, dict) or "id" not in record:
                raise InputError(f"{path}:{number}", "not a document record (no \"id\")")
            if "entities" not in record and "events" not in record:  # 0.1.0: before the annotation
                raise InputError(str(folder), f"release {folder.name} has no gold annotation (its documents carry no entities and events): "
                                              "compare two annotated releases")
            if "entities" not in record or "events" not in record:
                raise InputError(f"{path}:{number}", f"document {record['id']} has {'no entities' if 'entities' not in record else 'no events'}: a damaged record")
            documents[record["id"]] = record
    return documents


def _date(value: dict[str, Any] | None) -> str:
    if value is None:
        return "none"
    span = value["start"] if value["end"] is None else f"{value['start']}..{value['end']}"
    return f"{span} ({value['granularity']}, {value['anchor']}, {value['expression']!r})"


def _show(field_name: str, value: Any) -> str:
    return _date(value) if field_name == "date" else str(value)


def _compare(
    out: DocumentChanges, kind: str, old: dict[Any, Record], new: dict[Any, Record], describe: Callable[[Record], str], fields: tuple[str, ...],
    removed_detail: Callable[[Record], str] = lambda r: "", added_detail: Callable[[Record], str] = lambda r: "",
    change_kind: Callable[[str], str] | None = None,
) -> None:
    """List the items of one kind (keyed by identity) removed, added, and changed in `fields`, in identity order."""
    for key in sorted(old.keys() - new.keys()):
        out.add(f"{kind} removed", f"- removed {describe(old[key])}{removed_detail(old[key])}")
    for key in sorted(new.keys() - old.keys()):
        out.add(f"{kind} added", f"- added {describe(new[key])}{added_detail(new[key])}")
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key], new[key]
        for name in fields:
            if a[name] != b[name]:
                out.add(change_kind(name) if change_kind else f"{kind} changed", f"- {describe(b)}: {name} {_show(name, a[name])} → {_show(name, b[name])}")


def document_changes(old: dict[str, Any], new: dict[str, Any]) -> DocumentChanges:
    """What changed in one document's annotation between two releases."""
    doc_id, text = new["id"], new["text"]
    if old["text"] != text:
        raise InputError(doc_id, "the clean text differs between the two releases: annotations cannot be matched by offsets")
    out = DocumentChanges(doc_id)

    def mention_text(m: dict[str, Any]) -> str:
        return f"mention {m['text']!r} [{m['start']},{m['end']}) {m['type']} {m['level']} {m['entity_id']}"

    _compare(
        out, "mentions", {(m["start"], m["end"], m["type"]): m for m in old["entities"]}, {(m["start"], m["end"], m["type"]): m for m in new["entities"]},
        mention_text, ("level", "entity_id"),
    )

    def event_key(e: dict[str, Any]) -> tuple[int, int, str]:
        return (e["trigger"]["start"], e["trigger"]["end"], e["plover"] or e["ace"])

    def event_text(e: dict[str, Any]) -> str:
        return f"event {e['trigger']['text']!r} [{e['trigger']['start']},{e['trigger']['end']}) {e['plover'] or '-'}/{e['mode'] or '-'} {e['ace'] or '-'} {e['realis']}"

    _compare(
        out, "events", {event_key(e): e for e in old["events"]}, {event_key(e): e for e in new["events"]}, event_text, EVENT_FIELDS,
        removed_detail=lambda e: f" ({e['cluster_id']})", added_detail=lambda e: f", date {_date(e['date'])} ({e['cluster_id']})",
        change_kind=lambda name: "dates changed" if name == "date" else "events changed",
    )

    def quotation_text(q: dict[str, Any]) -> str:
        return f"quotation {q['text'][:60]!r} [{q['start']},{q['end']}) {q['kind']} {q['side']}"

    _compare(  # releases before 0.7.0 have no quotations
        out, "quotations", {(q["start"], q["end"]): q for q in old.get("quotations", [])}, {(q["start"], q["end"]): q for q in new.get("quotations", [])},
        quotation_text, QUOTATION_FIELDS,
    )

    def arguments(doc: dict[str, Any]) -> dict[tuple[Any, ...], str]:
        spans = {m["id"]: m for m in doc["entities"]}
        found = {}
        for e in doc["events"]:
            for arg in e["arguments"]:
                m = spans[arg["mention_id"]]
                found[(event_key(e), arg["role"], m["start"], m["end"])] = f"{e['trigger']['text']!r} [{e['trigger']['start']}] {arg['role']} = {m['text']!r} [{m['start']},{m['end']})"
        return found

    old_a, new_a = arguments(old), arguments(new)
    for key in sorted(old_a.keys() - new_a.keys()):
        out.add("arguments removed", f"- removed argument {old_a[key]}")
    for key in sorted(new_a.keys() - old_a.keys()):
        out.add("arguments added", f"- added argument {new_a[key]}")
    return out


def _annotation_size(doc: dict[str, Any]) -> str:
    """What a document added or removed as a whole brings or takes: its annotation, counted."""
    size = f"{len(doc['entities'])} mentions, {len(doc['events'])} events"
    return size + (f", {len(doc['quotations'])} quotations" if doc.get("quotations") is not None else "")


def release_changes(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> tuple[list[DocumentChanges], list[str]]:
    """Per-document changes of the documents in both releases, and the IDs added or removed as a whole."""
    whole = ([f"document added: {d} ({_annotation_size(new[d])})" for d in sorted(new.keys() - old.keys())]
             + [f"document removed: {d} ({_annotation_size(old[d])})" for d in sorted(old.keys() - new.keys())])
    return [document_changes(old[d], new[d]) for d in sorted(old.keys() & new.keys())], whole


def format_changes(changes: list[DocumentChanges], whole: list[str]) -> str:
    total: Counter[str] = Counter()
    parts = [*whole]
    for doc in changes:
        total.update(doc.counts)
        if doc.lines:
            parts.append(f"### {doc.doc_id}")
            parts.extend(doc.lines)
    summary = ", ".join(f"{kind} {n}" for kind, n in sorted(total.items())) or "no annotation changed"
    return "\n".join([*parts, f"Total: {summary}"]) + "\n"


def main_changes(old_version: str, new_version: str) -> int:
    changes, whole = release_changes(release_documents(release_folder(old_version)), release_documents(release_folder(new_version)))
    print(format_changes(changes, whole), end="")
    return 0
