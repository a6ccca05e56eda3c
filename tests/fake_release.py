"""A tiny hand-made release (two articles) in the shape of annotated/<version>/, for the site tests.

Its text carries markup (`<script>`, an `<img onerror>` breakout) in a title, a mention, a raw line and a
publisher, so the tests can show that the site prints it as text.

With `quotations=True` it is a release with the quotation layer (0.7.0 on): the two articles get an empty
quotations column and a third article reports what each side said about the follow-up talks (a US readout, a
Chinese statement with markup in it, a Reuters report, an unnamed diplomat), with a quotation that starts inside
a mention, so the pages must cut it to nest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'

# (raw line text, class, category); content lines make the clean text.
ARTICLE_A = [
    ("Menu | Home | World", "boilerplate", "navigation"),
    ("", "boilerplate", "whitespace"),
    (f"Evil {BREAKOUT} headline", "content", "title"),
    ("By A. Writer", "metadata", "byline"),
    (f"Officials of {SCRIPT} met envoys in Paris on Monday.", "content", "body"),
    ("They will meet again in June.", "content", "body"),
    ("Share this on social media", "boilerplate", "share"),
]
ARTICLE_B = [
    ("Paris talks continue", "content", "title"),
    ("Envoys met in Paris again in June.", "content", "body"),
    ("Copyright (c) 2023 Example News", "metadata", "copyright"),
]


def _doc_id(raw: bytes) -> str:
    return "dtn-" + hashlib.sha256(raw).hexdigest()[:12]


def _span(text: str, quote: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.index(quote, start + 1)
    return start, start + len(quote)


ARTICLE_C = [
    ("US, China give differing accounts of Paris talks", "content", "title"),
    ('The State Department said in a readout that the talks were "candid and productive".', "content", "body"),
    (f'China\'s foreign ministry said the US must "stop {SCRIPT} interference" in a statement.', "content", "body"),
    ("Reuters reported that the envoys met for four hours.", "content", "body"),
    ('"Progress was made," a diplomat told reporters.', "content", "body"),
    ("Paris envoys' spokesman wants more talks, Li Wei said.", "content", "body"),
]


def _document(
    lines: list[tuple[str, str, str]], publisher: str, date: str, mentions: list[dict[str, Any]], events: list[dict[str, Any]],
    quotations: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]], bytes]:
    raw_text = "".join(t + "\n" for t, _, _ in lines)
    raw = raw_text.encode("utf-8")
    doc_id = _doc_id(raw)
    segments, pieces, line_records, starts = [], [], [], []
    pos = 0
    for number, (text, cls, cat) in enumerate(lines, start=1):
        starts.append(pos)
        line_records.append({"doc_id": doc_id, "line": number, "raw_start": pos, "text": text, "class": cls, "category": cat,
                             "label_source": "predicted", "rule": "hand-made"})
        if cls == "content":
            clean_start = sum(len(p) + 1 for p in pieces)
            segments.append({"start": clean_start, "raw_start": pos, "length": len(text), "line": number})
            pieces.append(text)
        pos += len(text) + 1
    text = "\n".join(pieces)
    entities = []
    for number, m in enumerate(mentions, start=1):
        start, end = _span(text, m["quote"], m.get("occurrence", 1))
        entities.append({"id": f"m{number}", "start": start, "end": end, "text": text[start:end], "type": m["type"],
                         "level": m.get("level", "name"), "entity_id": m.get("entity")})
    event_records = []
    for number, e in enumerate(events, start=1):
        start, end = _span(text, e["quote"], e.get("occurrence", 1))
        event_records.append({
            "id": f"v{number}", "trigger": {"start": start, "end": end, "text": text[start:end]},
            "plover": e.get("plover"), "mode": e.get("mode"), "ace": e.get("ace"), "realis": e.get("realis", "actual"),
            "arguments": [{"role": role, "mention_id": mid} for role, mid in e.get("arguments", [])],
            "date": e.get("date"), "cluster_id": e["cluster"],
        })
    quotation_records = []
    for number, q in enumerate(quotations or [], start=1):
        start, end = _span(text, q["quote"])
        cue = None
        if q.get("cue"):
            cue_start, cue_end = _span(text, q["cue"], q.get("cue_occurrence", 1))
            cue = {"start": cue_start, "end": cue_end, "text": text[cue_start:cue_end]}
        quotation_records.append({
            "id": f"q{number}", "start": start, "end": end, "text": text[start:end], "kind": q["kind"], "paraphrase": q.get("paraphrase", False),
            "speaker_id": q.get("speaker"), "cue": cue, "addressee_id": q.get("addressee"), "source_type": q.get("source"),
            "side": q["side"], "about_event_id": q.get("about"),
        })
    title = next(t for t, _, c in lines if c == "title")
    record = {
        "id": doc_id, "title": title, "text": text, "language": "en", "url": None,
        "publisher": {"value": publisher, "method": "stated", "evidence": f"Line 1: {publisher!r} {SCRIPT}"},
        "publication_date": {"value": date, "method": "inferred", "evidence": "'on Monday' and the context"},
        "rights": {"statement": None, "source": "not_stated"},
        "page_metadata": {"bylines": [], "datelines": [], "publishers": [], "credits": [], "copyrights": []},
        "provenance": {"source_file": "fake.txt", "raw_path": f"raw/{doc_id}.txt", "raw_sha256": hashlib.sha256(raw).hexdigest(),
                       "raw_bytes": len(raw), "raw_lines": len(lines), "cleaner": "detente-cleaner/1"},
        "segments": segments,
        "annotation": {"status": "reviewed", "annotators": ["test"], "source": f"source/annotations/{doc_id}.yaml"},
        "entities": entities, "events": event_records,
        "line_labels": [{"line": r["line"], "class": r["class"], "category": r["category"], "label_source": r["label_source"]} for r in line_records],
    }
    if quotations is not None:
        record["quotations"] = quotation_records
    return record, line_records, raw


def accounts_document() -> tuple[dict[str, Any], list[dict[str, Any]], bytes]:
    """Article C: statements of each side about the follow-up talks in Paris."""
    return _document(
        ARTICLE_C, "Example Wire", "2023-06-21",
        mentions=[
            {"quote": "US", "type": "GPE", "entity": "ent:us"},
            {"quote": "China", "type": "GPE", "entity": "ent:china"},
            {"quote": "Paris", "type": "GPE", "entity": "ent:paris"},
            {"quote": "State Department", "type": "ORG", "entity": "ent:state-department"},
            {"quote": "China's foreign ministry", "type": "ORG", "entity": "ent:china-mfa"},
            {"quote": "US", "occurrence": 2, "type": "GPE", "entity": "ent:us"},
            {"quote": "Reuters", "type": "ORG", "entity": "ent:reuters"},
            {"quote": "envoys", "type": "PER", "level": "nominal", "entity": "ent:envoys"},
            {"quote": "diplomat", "type": "PER", "level": "nominal", "entity": "ent:diplomat"},
            {"quote": "reporters", "type": "PER", "level": "nominal", "entity": "ent:reporters"},
            {"quote": "Paris envoys' spokesman", "type": "PER", "level": "nominal", "entity": "ent:spokesman"},
            {"quote": "Li Wei", "type": "PER", "entity": "ent:li-wei"},
        ],
        events=[
            {"quote": "talks", "plover": "CONSULT", "mode": "meet", "cluster": "evt:paris-talks-followup", "occurrence": 2},
            {"quote": "met", "plover": "CONSULT", "mode": "meet", "cluster": "evt:paris-talks-followup", "arguments": [("actor", "m8")]},
        ],
        quotations=[
            {"quote": 'the talks were "candid and productive"', "kind": "mixed", "speaker": "m4", "cue": "said", "source": "readout",
             "side": "us", "about": "v1"},
            {"quote": f'the US must "stop {SCRIPT} interference"', "kind": "mixed", "speaker": "m5", "cue": "said", "cue_occurrence": 2,
             "source": "statement", "side": "china", "about": "v1"},
            {"quote": "the envoys met for four hours", "kind": "indirect", "speaker": "m7", "cue": "reported", "source": "news_report",
             "side": "third_party", "about": "v2"},
            {"quote": "Progress was made,", "kind": "direct", "speaker": "m9", "cue": "told", "addressee": "m10", "side": "unknown"},
            # starts inside the mention "Paris envoys' spokesman": the page cuts it at the mention's end
            {"quote": "spokesman wants more talks", "kind": "indirect", "paraphrase": True, "speaker": "m12", "cue": "said", "cue_occurrence": 3,
             "side": "unknown", "about": None},
        ],
    )


def fake_documents() -> list[tuple[dict[str, Any], list[dict[str, Any]], bytes]]:
    a = _document(
        ARTICLE_A, f"Example {BREAKOUT} News", "2023-06-06",
        mentions=[
            {"quote": SCRIPT, "type": "ORG", "entity": "ent:evil-org"},
            {"quote": "envoys", "type": "PER", "level": "nominal", "entity": "ent:envoys"},
            {"quote": "Paris", "type": "GPE", "entity": "ent:paris"},
            {"quote": "Monday", "type": "DATE"},
            {"quote": "They", "type": "ORG", "level": "pronoun", "entity": "ent:evil-org"},
            {"quote": "June", "type": "DATE"},
        ],
        events=[
            {"quote": "met", "plover": "CONSULT", "mode": "meet", "ace": "Contact:Meet", "cluster": "evt:paris-talks-2023-06",
             "arguments": [("actor", "m1"), ("recipient", "m2"), ("place", "m3"), ("time", "m4")],
             "date": {"start": "2023-06-05", "end": None, "granularity": "day", "anchor": "publication_date", "expression": "on Monday"}},
            {"quote": "meet", "plover": "CONSULT", "mode": "meet", "ace": "Contact:Meet", "realis": "future", "cluster": "evt:paris-talks-followup",
             "arguments": [("actor", "m5"), ("time", "m6")],
             "date": {"start": "2023-06", "end": None, "granularity": "month", "anchor": "publication_date", "expression": "in June"}},
        ],
    )
    b = _document(
        ARTICLE_B, "Example News", "2023-06-20",
        mentions=[
            {"quote": "Paris", "type": "GPE", "entity": "ent:paris"},
            {"quote": "Envoys", "type": "PER", "level": "nominal", "entity": "ent:envoys"},
            {"quote": "Paris", "occurrence": 2, "type": "GPE", "entity": "ent:paris"},
            {"quote": "June", "type": "DATE"},
        ],
        events=[
            {"quote": "talks", "plover": "CONSULT", "cluster": "evt:paris-talks-followup", "arguments": [("place", "m1")]},
            {"quote": "met", "plover": "CONSULT", "mode": "meet", "cluster": "evt:paris-talks-followup",
             "arguments": [("actor", "m2"), ("place", "m3"), ("time", "m4")],
             "date": {"start": "2023-06", "end": None, "granularity": "month", "anchor": "context", "expression": "in June"}},
        ],
    )
    return [a, b]


def write_fake_release(root: Path, quotations: bool = False) -> tuple[Path, Path, list[dict[str, Any]]]:
    """Write release/ (version 9.9.9) and raw/ under root; returns (release_dir, raw_dir, document records).
    With `quotations`, a release with the quotation layer: article C added, and the column in every document."""
    release, raw_dir = root / "release", root / "raw"
    for sub in ("documents", "lines", "registry"):
        (release / sub).mkdir(parents=True)
    raw_dir.mkdir(parents=True)
    docs = fake_documents()
    if quotations:
        for doc, _, _ in docs:
            doc["quotations"] = []
        docs.append(accounts_document())
    (release / "documents" / "train.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d, _, _ in docs), encoding="utf-8")
    (release / "lines" / "train.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for _, lines, _ in docs for r in lines), encoding="utf-8")
    for doc, _, raw in docs:
        (raw_dir / f"{doc['id']}.txt").write_bytes(raw)
    entities = [
        {"id": "ent:envoys", "name": "Envoys", "type": "PER", "wikidata": None},
        {"id": "ent:evil-org", "name": f"Evil {SCRIPT} Org", "type": "ORG", "wikidata": None},
        {"id": "ent:paris", "name": "Paris", "type": "GPE", "wikidata": None},
    ]
    if quotations:
        entities += [
            {"id": "ent:us", "name": "United States", "type": "GPE", "wikidata": None},
            {"id": "ent:china", "name": "China", "type": "GPE", "wikidata": None},
            {"id": "ent:state-department", "name": "US Department of State", "type": "ORG", "wikidata": None},
            {"id": "ent:china-mfa", "name": f"Ministry of Foreign Affairs {BREAKOUT}", "type": "ORG", "wikidata": None},
            {"id": "ent:reuters", "name": "Reuters", "type": "ORG", "wikidata": None},
            {"id": "ent:diplomat", "name": "Unnamed diplomat", "type": "PER", "wikidata": None},
            {"id": "ent:reporters", "name": "Reporters", "type": "PER", "wikidata": None},
            {"id": "ent:spokesman", "name": "Envoys' spokesman", "type": "PER", "wikidata": None},
            {"id": "ent:li-wei", "name": "Li Wei", "type": "PER", "wikidata": None},
        ]
    clusters = [
        {"id": "evt:paris-talks-2023-06", "name": f"Talks in Paris {BREAKOUT}", "date": {"start": "2023-06-05", "end": None}},
        {"id": "evt:paris-talks-followup", "name": "Follow-up talks in Paris", "date": {"start": "2023-06", "end": None}},
    ]
    (release / "registry" / "entities.jsonl").write_text("".join(json.dumps(r) + "\n" for r in entities), encoding="utf-8")
    (release / "registry" / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in clusters), encoding="utf-8")
    manifest = {"name": "DETENTE", "version": "9.9.9", "splits": {"train": [d["id"] for d, _, _ in docs], "validation": [], "test": []}}
    (release / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return release, raw_dir, [d for d, _, _ in docs]
