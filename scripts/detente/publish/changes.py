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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io import read_jsonl
from detente.paths import release_folder

EVENT_FIELDS = ("mode", "ace", "realis", "date", "cluster_id")


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
    return {record["id"]: record for path in files for record in read_jsonl(path)}


def _date(value: dict[str, Any] | None) -> str:
    if value is None:
        return "none"
    span = value["start"] if value["end"] is None else f"{value['start']}..{value['end']}"
    return f"{span} ({value['granularity']}, {value['anchor']}, {value['expression']!r})"


def _show(field_name: str, value: Any) -> str:
    return _date(value) if field_name == "date" else str(value)


def document_changes(old: dict[str, Any], new: dict[str, Any]) -> DocumentChanges:
    """What changed in one document's annotation between two releases."""
    doc_id, text = new["id"], new["text"]
    if old["text"] != text:
        raise InputError(doc_id, "the clean text differs between the two releases: annotations cannot be matched by offsets")
    out = DocumentChanges(doc_id)

    def mention_key(m: dict[str, Any]) -> tuple[int, int, str]:
        return (m["start"], m["end"], m["type"])

    def mention_text(m: dict[str, Any]) -> str:
        return f"mention {m['text']!r} [{m['start']},{m['end']}) {m['type']} {m['level']} {m['entity_id']}"

    old_m = {mention_key(m): m for m in old["entities"]}
    new_m = {mention_key(m): m for m in new["entities"]}
    for key in sorted(old_m.keys() - new_m.keys()):
        out.add("mentions removed", f"- removed {mention_text(old_m[key])}")
    for key in sorted(new_m.keys() - old_m.keys()):
        out.add("mentions added", f"- added {mention_text(new_m[key])}")
    for key in sorted(old_m.keys() & new_m.keys()):
        a, b = old_m[key], new_m[key]
        for name in ("level", "entity_id"):
            if a[name] != b[name]:
                out.add("mentions changed", f"- {mention_text(b)}: {name} {a[name]} → {b[name]}")

    def event_key(e: dict[str, Any]) -> tuple[int, int, str]:
        return (e["trigger"]["start"], e["trigger"]["end"], e["plover"] or e["ace"])

    def event_text(e: dict[str, Any]) -> str:
        return f"event {e['trigger']['text']!r} [{e['trigger']['start']},{e['trigger']['end']}) {e['plover'] or '-'}/{e['mode'] or '-'} {e['ace'] or '-'} {e['realis']}"

    old_e = {event_key(e): e for e in old["events"]}
    new_e = {event_key(e): e for e in new["events"]}
    for key in sorted(old_e.keys() - new_e.keys()):
        out.add("events removed", f"- removed {event_text(old_e[key])} ({old_e[key]['cluster_id']})")
    for key in sorted(new_e.keys() - old_e.keys()):
        e = new_e[key]
        out.add("events added", f"- added {event_text(e)}, date {_date(e['date'])} ({e['cluster_id']})")
    for key in sorted(old_e.keys() & new_e.keys()):
        a, b = old_e[key], new_e[key]
        for name in EVENT_FIELDS:
            if a[name] != b[name]:
                kind = "dates changed" if name == "date" else "events changed"
                out.add(kind, f"- {event_text(b)}: {name} {_show(name, a[name])} → {_show(name, b[name])}")

    def arguments(doc: dict[str, Any]) -> dict[tuple[Any, ...], str]:
        spans = {m["id"]: m for m in doc["entities"]}
        found = {}
        for e in doc["events"]:
            for arg in e["arguments"]:
                m = spans[arg["mention_id"]]
                found[(event_key(e), arg["role"], m["start"], m["end"])] = f"{e['trigger']['text']!r} [{e['trigger']['start']}] {arg['role']} = {m['text']!r} [{m['start']},{m['end']})"
        return found

    def quotation_text(q: dict[str, Any]) -> str:
        return f"quotation {q['text'][:60]!r} [{q['start']},{q['end']}) {q['kind']} {q['side']}"

    old_q = {(q["start"], q["end"]): q for q in old.get("quotations", [])}  # releases before 0.7.0 have none
    new_q = {(q["start"], q["end"]): q for q in new.get("quotations", [])}
    for span in sorted(old_q.keys() - new_q.keys()):
        out.add("quotations removed", f"- removed {quotation_text(old_q[span])}")
    for span in sorted(new_q.keys() - old_q.keys()):
        out.add("quotations added", f"- added {quotation_text(new_q[span])}")
    for span in sorted(old_q.keys() & new_q.keys()):
        qa, qb = old_q[span], new_q[span]
        for name in ("kind", "paraphrase", "speaker_id", "cue", "addressee_id", "source_type", "side", "about_event_id"):
            if qa[name] != qb[name]:
                out.add("quotations changed", f"- {quotation_text(qb)}: {name} {qa[name]} → {qb[name]}")

    old_a, new_a = arguments(old), arguments(new)
    for key in sorted(old_a.keys() - new_a.keys()):
        out.add("arguments removed", f"- removed argument {old_a[key]}")
    for key in sorted(new_a.keys() - old_a.keys()):
        out.add("arguments added", f"- added argument {new_a[key]}")
    return out


def release_changes(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> tuple[list[DocumentChanges], list[str]]:
    """Per-document changes of the documents in both releases, and the IDs added or removed as a whole."""
    whole = [f"document added: {d}" for d in sorted(new.keys() - old.keys())] + [f"document removed: {d}" for d in sorted(old.keys() - new.keys())]
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
