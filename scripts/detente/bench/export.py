"""Exports of the gold to formats extraction models already read: CoNLL-2003 BIO, brat standoff (with its
annotation.conf), and TextEE-style JSON lines (the windowed ACE format TextEE reads: `wnd_id`, tokens, entity and
event mentions with token offsets; not OneIE's own format, which also has `sent_id` and word pieces)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detente.bench.evaluate import load_gold
from detente.io import jsonl_bytes, write_bytes_atomically
from detente.pipeline.ner import ner_rows, tokenize
from detente.pipeline.splits import SPLITS
from detente.schemas import label_set

MENTION_TYPES = {"name": "NAM", "nominal": "NOM", "pronoun": "PRO"}  # ACE mention types, as TextEE keeps them


def to_conll(documents: list[dict[str, Any]]) -> str:
    """CoNLL-2003 layout: `token POS chunk NER`, IOB2 tags over name-level mentions, one paragraph per sentence block.

    DETENTE has no part-of-speech or chunk annotation, so those columns hold `-X-` (as the -DOCSTART- lines do).
    """
    out = []
    for doc in documents:
        out.append("-DOCSTART- -X- -X- O\n\n")
        for row in ner_rows(doc["id"], doc["text"], doc["entities"]):
            if not row["tokens"]:
                continue
            out.append("".join(f"{token} -X- -X- {tag}\n" for token, tag in zip(row["tokens"], row["ner_tags"])) + "\n")
    return "".join(out)


def to_brat(doc: dict[str, Any]) -> tuple[str, str]:
    """(`.txt`, `.ann`) of one document. Mentions and triggers are T lines, events E lines with their arguments,
    realis and mode A lines, cross-document IDs AnnotatorNotes; offsets are character offsets on the `.txt`."""
    lines: list[str] = []
    tid: dict[str, str] = {}
    for k, m in enumerate(doc["entities"], start=1):
        tid[m["id"]] = f"T{k}"
        lines.append(f"T{k}\t{m['type']} {m['start']} {m['end']}\t{m['text']}")
    next_t = len(doc["entities"]) + 1
    attribute = 1
    for k, e in enumerate(doc["events"], start=1):
        label = brat_label(e)
        trigger = f"T{next_t}"
        next_t += 1
        lines.append(f"{trigger}\t{label} {e['trigger']['start']} {e['trigger']['end']}\t{e['trigger']['text']}")
        roles: dict[str, int] = {}
        parts = [f"{label}:{trigger}"]
        for arg in e["arguments"]:
            roles[arg["role"]] = roles.get(arg["role"], 0) + 1
            suffix = "" if roles[arg["role"]] == 1 else str(roles[arg["role"]])  # brat numbers repeated roles
            parts.append(f"{arg['role'].capitalize()}{suffix}:{tid[arg['mention_id']]}")
        lines.append(f"E{k}\t{' '.join(parts)}")
        lines.append(f"A{attribute}\tRealis E{k} {e['realis']}")
        attribute += 1
        if e["mode"]:
            lines.append(f"A{attribute}\tMode E{k} {e['mode']}")
            attribute += 1
        lines.append(f"#{k}\tAnnotatorNotes E{k}\tcluster={e['cluster_id']}" + (f" ace={e['ace']}" if e["ace"] else ""))
    return doc["text"], "\n".join(lines) + "\n"


def to_textee(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One TextEE-style record per paragraph: tokens, entity_mentions and event_mentions with token offsets (end exclusive)."""
    records = []
    offset = 0
    for index, paragraph in enumerate(doc["text"].split("\n")):
        spans = [(offset + s, offset + e) for s, e in tokenize(paragraph)]
        starts = {s: i for i, (s, _) in enumerate(spans)}
        ends = {e: i + 1 for i, (_, e) in enumerate(spans)}
        first, last = offset, offset + len(paragraph)
        mentions = [m for m in doc["entities"] if first <= m["start"] and m["end"] <= last]
        mention_ids = {m["id"] for m in mentions}
        mention_text = {m["id"]: m["text"] for m in mentions}
        records.append(
            {
                "doc_id": doc["id"],
                "wnd_id": f"{doc['id']}-p{index:03d}",
                "text": paragraph,
                "tokens": [doc["text"][s:e] for s, e in spans],
                "entity_mentions": [
                    {
                        "id": f"{doc['id']}-{m['id']}", "text": m["text"], "start": starts[m["start"]], "end": ends[m["end"]], "entity_type": m["type"],
                        "mention_type": MENTION_TYPES[m["level"]], "entity_id": m["entity_id"],
                    }
                    for m in mentions
                ],
                "relation_mentions": [],
                "event_mentions": [
                    {
                        "id": f"{doc['id']}-{e['id']}",
                        "event_type": e["plover"] or e["ace"],
                        "event_subtype_ace": e["ace"],
                        "trigger": {"start": starts[e["trigger"]["start"]], "end": ends[e["trigger"]["end"]], "text": e["trigger"]["text"]},
                        # TextEE keeps only arguments inside the window; DETENTE arguments are in the same sentence by rule.
                        "arguments": [
                            {"entity_id": f"{doc['id']}-{a['mention_id']}", "role": a["role"], "text": mention_text[a["mention_id"]]}
                            for a in e["arguments"]
                            if a["mention_id"] in mention_ids
                        ],
                    }
                    for e in doc["events"]
                    if first <= e["trigger"]["start"] and e["trigger"]["end"] <= last
                ],
            }
        )
        offset += len(paragraph) + 1
    return records


def brat_label(event: dict[str, Any]) -> str:
    """An event's brat type: its PLOVER type, or its ACE subtype for personnel events (":" is not allowed)."""
    return str(event["plover"] or event["ace"].replace(":", "-"))


def brat_annotation_conf() -> str:
    """brat's annotation.conf for these files: every entity type, event type (PLOVER, and ACE subtypes for events
    with no PLOVER type), argument role (any number per event) and the Realis and Mode attributes, from the schema."""
    roles = ", ".join(f"{role.capitalize()}*:<ENTITY>" for role in label_set("argument_role"))
    events = [*label_set("plover_type"), *(subtype.replace(":", "-") for subtype in label_set("ace_subtype"))]
    return "\n".join([
        "# Generated by `detente export brat` from schema/labels.schema.json.",
        "[entities]", *label_set("entity_type"),
        "[relations]",
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
        "[events]", *(f"{event}\t{roles}" for event in events),
        "[attributes]",
        f"Realis\tArg:<EVENT>, Value:{'|'.join(label_set('realis'))}",
        f"Mode\tArg:<EVENT>, Value:{'|'.join(label_set('plover_mode'))}",
    ]) + "\n"


def main_export(fmt: str, release_dir: Path, out: str) -> int:
    """`detente export conll|brat|textee --out DIR`: one file (or folder) per split (brat: plus annotation.conf)."""
    out_dir = Path(out)
    files: dict[str, bytes] = {}  # everything is made before anything is written
    for split in SPLITS:
        documents = load_gold(release_dir, split)  # refuses a release without annotation
        if fmt == "conll":
            files[f"{split}.conll"] = to_conll(documents).encode("utf-8")
        elif fmt == "brat":
            for doc in documents:
                txt, ann = to_brat(doc)
                files[f"{split}/{doc['id']}.txt"], files[f"{split}/{doc['id']}.ann"] = txt.encode("utf-8"), ann.encode("utf-8")
        else:
            files[f"{split}.textee.json"] = jsonl_bytes(r for doc in documents for r in to_textee(doc))
    if fmt == "brat":
        conf = brat_annotation_conf().encode("utf-8")
        files.update({f"{split}/annotation.conf": conf for split in SPLITS})  # brat reads the conf beside the documents
    for rel, data in sorted(files.items()):
        write_bytes_atomically(out_dir / rel, data)
    print(f"exported {fmt} for {', '.join(SPLITS)} to {out_dir}")
    return 0
