"""Import of a Label Studio JSON export back to standoff sources, checked like the build (config.py: the labelling
config; tasks.py: the export).

The project's shape (one task per document; the `text` and `page` controls and their per-region fields) is
described in config.py.

The import (`import_export`) checks the export's JSON types (shape.py), takes each task's submitted review (tasks
without one are skipped; reviews by several annotators, also across copies of one task ID, are refused unless
`--annotator` picks one; of one annotator's several reviews the latest is taken, and said), checks
every label against the schema, every span against the text at its offsets, every relation's ends, then writes
annotations/<doc_id>.yaml with `status: reviewed` (quote + occurrence locators), line_corrections/<doc_id>.json
for each line whose reviewed category differs from the cleaner's, and new registry records the reviewer named.
Line labels decide the clean text, so they are applied first and mention offsets are carried over through the
raw offsets: mentions on a line the review takes out of the clean text are dropped (and reported); when the
review adds a line to the clean text, the reviewer has not annotated it yet, so the file stays `status: draft`
until a second export/review pass. Mention, event and quotation IDs m<N>/v<N>/q<N> of the task are kept (exact
round trip); regions made in Label Studio are numbered after them. A region without a `level` is a name.
A quotation region becomes a record of the `quotations:` block (§8.4): its label is its kind, its links are the
relations drawn from it (or to it); a missing link is null, two of one kind, a link to the wrong kind of region, a
cue no quotation links, or two overlapping quotations are errors. The block is written when the file on record has
one or the review holds a quotation (a document without it has no quotation layer).
Each document's changes against what annotations/<doc_id>.yaml holds now are counted by identity (diff.py) and
printed before anything is written; a review that would remove more than MAX_REMOVED_SHARE of a gold document's
mentions, events, arguments or quotations, or an empty review (result [] or null) of a gold document, refuses the
whole import unless `--allow-removals` is given (a draft, or a document without an annotation file, has nothing to
lose).
The whole export is checked before anything is written; a release directory is never touched.
Offsets are Python string indices (code points): Label Studio 1.23.2's Text tag places predictions and stores
regions drawn in its editor in code points, not in JavaScript's UTF-16 units (checked with emoji in its editor).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from detente.errors import InputError
from detente.growth.labelstudio.config import (
    CUE,
    CUE_LABEL,
    DRAFT_CLUSTER,
    ENTITY,
    ENTITY_FIELDS,
    EVENT_FIELDS,
    LINE,
    PAGE,
    PARAPHRASE,
    QUOTATION,
    QUOTATION_FIELDS,
    QUOTATION_LINKS,
    TEXT,
    TRIGGER,
    TRIGGER_LABEL,
    choice_values,
    relation_labels,
)
from detente.growth.labelstudio.diff import MAX_REMOVED_SHARE, Diff, annotation_diff, identities
from detente.growth.labelstudio.shape import (
    annotation_name,
    check_object,
    check_task,
    describe,
    is_int,
    is_object,
    is_str,
    member,
    strings,
    texts,
)
from detente.growth.labelstudio.tasks import current_annotation, line_spans, load_raw, page_text
from detente.growth.preannotate import dump_source, locator, source_registries
from detente.io import read_json, write_text_atomically
from detente.pipeline.annotate import Registries, compile_document, read_yaml
from detente.pipeline.clean import (
    CleanedDocument,
    clean_document,
    clean_text,
    load_corrections,
    predict_labels,
)
from detente.schemas import label_set, validate

FIELDS = {ENTITY: ENTITY_FIELDS, TRIGGER: EVENT_FIELDS, QUOTATION: QUOTATION_FIELDS}  # per-region fields of each control
WHAT = {ENTITY: "a mention", TRIGGER: "a trigger", QUOTATION: "a quotation", CUE: "a cue", LINE: "a page line"}


@dataclass
class Region:
    id: str
    control: str  # entity | trigger | quotation | cue | line
    label: str
    start: int  # code point offsets
    end: int
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class ReviewedDocument:
    task: str
    doc_id: str
    source: dict[str, Any]
    corrections: dict[str, Any] | None  # the new line_corrections/<doc_id>.json, or None when unchanged
    new_entities: list[dict[str, Any]]
    new_clusters: list[dict[str, Any]]
    compiled: dict[str, list[dict[str, Any]]]  # the source compiled on the reviewed clean text
    diff: Diff  # against what annotations/<doc_id>.yaml holds now
    messages: list[str] = field(default_factory=list)  # what the reviewer should know (dropped regions, draft kept)


@dataclass
class ImportResult:
    written: list[Path]
    messages: list[str]  # tasks skipped, regions dropped, documents kept as drafts
    documents: dict[str, str]  # doc_id -> status written (reviewed, or draft when text is left to review)
    diffs: dict[str, Diff]  # doc_id -> what the import changed in its annotation


@dataclass(frozen=True)
class ImportOptions:
    allow_removals: bool = False  # import even a review that removes more than MAX_REMOVED_SHARE of a gold document
    annotator: str | None = None  # whose review to import where several annotators reviewed one task


def annotator_name(annotation: dict[str, Any]) -> str:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return f"label-studio:{who.get('email') or who.get('id')}"
    return f"label-studio user {who}"


def _is_by(annotation: dict[str, Any], annotator: str) -> bool:
    """--annotator matches the user ID, the e-mail, or the name errors print (annotator_name)."""
    who = annotation.get("completed_by")
    names = {annotator_name(annotation)}
    if is_int(who):
        names.add(str(who))
    elif isinstance(who, dict):
        names |= {str(who[key]) for key in ("id", "email") if who.get(key) is not None}
    return annotator in names


def choose_annotation(annotations: list[dict[str, Any]], annotator: str | None, where: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The submitted review to import (None: there is none) and what to tell the user about the choice.

    Reviews by several annotators are refused unless `annotator` names one of them; of one annotator's several
    reviews the latest is taken. Identical copies (the same task twice in an export) count once.
    """
    submitted = list({json.dumps(a, sort_keys=True): a for a in annotations if not a.get("was_cancelled")}.values())
    said: list[str] = []
    by_who: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for annotation in submitted:
        by_who[annotator_name(annotation)].append(annotation)
    if len(by_who) > 1:
        listed = "; ".join(f"{who} ({', '.join(annotation_name(a, annotations.index(a) + 1) for a in mine)})" for who, mine in by_who.items())
        chosen = [who for who, mine in by_who.items() if annotator is not None and _is_by(mine[0], annotator)]
        if not chosen:
            wanted = "none of them is --annotator " + repr(annotator) if annotator is not None else "choose whose review to import with --annotator NAME_OR_ID"
            raise InputError(where, f"reviewed by {len(by_who)} annotators: {listed}; {wanted}")
        by_who = {chosen[0]: by_who[chosen[0]]}
        said = [f"{where}: reviewed by {listed}; --annotator {annotator} imports the review by {chosen[0]}"]
    if not by_who:
        return None, said
    [(who, mine)] = by_who.items()
    latest = max(mine, key=lambda a: (a.get("updated_at") or "", a.get("id") or 0))
    if len(mine) > 1:
        said.append(f"{where}: {len(mine)} reviews by {who}; the latest ({annotation_name(latest, annotations.index(latest) + 1)}) is imported")
    return latest, said


def _value_text(value: dict[str, Any], key: str, where: str) -> str | None:
    items = [x.strip() for x in texts(value, key, where) if x.strip()]
    if len(items) > 1:
        raise InputError(where, f"{len(items)} values given, one expected: {items}")
    return items[0] if items else None


def parse_regions(result: list[dict[str, Any]], text: str, page: str, where: str) -> tuple[dict[str, Region], list[tuple[str, str, str]]]:
    """Label Studio result items -> regions (with their per-region fields) and relations (from, to, label): arguments
    as drawn, quotation links from the quotation (turned round when drawn to it)."""
    allowed = {
        ENTITY: set(label_set("entity_type")), TRIGGER: {TRIGGER_LABEL}, QUOTATION: set(label_set("quotation_kind")), CUE: {CUE_LABEL},
        LINE: set(label_set("line_category")),
    }
    texts_of = {TEXT: text, PAGE: page}
    regions: dict[str, Region] = {}
    fields: list[tuple[str, str, dict[str, Any], str]] = []
    relations: list[tuple[str, str, str]] = []
    for k, item in enumerate(result):
        check_object(item, f"{where}: result {k + 1}", "a result item")
        kind = item.get("type")
        if kind == "relation":
            ends = f"{where}: result {k + 1} (relation)"
            from_id = member(item, "from_id", ends, is_str, "a region ID (string)")
            to_id = member(item, "to_id", ends, is_str, "a region ID (string)")
            here = f"{where}: relation {from_id} -> {to_id}"
            labels = strings(item, "labels", here)
            if len(labels) != 1:
                raise InputError(here, f"needs exactly one role label (one of {', '.join(relation_labels())}), has {labels}")
            if labels[0] not in relation_labels():
                raise InputError(here, f"unknown label {labels[0]!r}: not an argument role or quotation link ({', '.join(relation_labels())})")
            relations.append((from_id, to_id, labels[0]))
            continue
        if kind not in ("labels", "choices", "textarea"):
            raise InputError(f"{where}: result {k + 1}", f"unknown result type {kind!r} (from {item.get('from_name')!r})")
        region_id = member(item, "id", f"{where}: result {k + 1} ({item.get('from_name')} {kind})", is_str, "a region ID (string)")
        name = member(item, "from_name", f"{where}: region {region_id}", is_str, "a control name (string)")
        here = f"{where}: region {region_id} ({name})"
        value = member(item, "value", here, is_object, "an object")
        if kind == "labels":
            if name not in allowed:
                raise InputError(here, f"unknown control {name!r} (expected {', '.join(allowed)})")
            labels = strings(value, "labels", here)
            if len(labels) != 1:
                raise InputError(here, f"needs exactly one label, has {labels}")
            if labels[0] not in allowed[name]:
                raise InputError(here, f"unknown label {labels[0]!r} for {name} (allowed: {', '.join(sorted(allowed[name]))})")
            target = texts_of[PAGE if name == LINE else TEXT]
            start = member(value, "start", here, is_int, "an integer offset")
            end = member(value, "end", here, is_int, "an integer offset")
            if not 0 <= start < end <= len(target):
                raise InputError(here, f"offsets [{start}, {end}) are outside the {'page' if name == LINE else 'clean text'}")
            if target[start:end] != value.get("text"):
                raise InputError(here, f"span text {value.get('text')!r} does not match the {'page' if name == LINE else 'clean text'} at [{start}, {end}) ({target[start:end]!r})")
            if region_id in regions:
                raise InputError(here, f"region ID used twice (also {regions[region_id].control} {regions[region_id].label!r})")
            regions[region_id] = Region(region_id, name, labels[0], start, end)
        else:
            fields.append((region_id, name, value, kind))
    for region_id, name, value, kind in fields:
        here = f"{where}: region {region_id} field {name}"
        region = regions.get(region_id)
        if region is None:
            raise InputError(here, "belongs to no labelled region")
        expected = FIELDS.get(region.control, ())
        if name not in expected:
            raise InputError(here, f"unknown control {name!r} for a {region.control} region (expected {', '.join(expected) or 'none'})")
        if kind == "choices":
            chosen = strings(value, "choices", here)
            if len(chosen) > 1:
                raise InputError(here, f"one choice expected, has {chosen}")
            if chosen and chosen[0] not in choice_values(name):
                raise InputError(here, f"unknown label {chosen[0]!r} (allowed: {', '.join(choice_values(name))})")
            if chosen:
                region.fields[name] = chosen[0]
        else:
            given = _value_text(value, "text", here)
            if given is not None:
                region.fields[name] = given
    checked = []
    for source_id, target_id, role in relations:
        here = f"{where}: relation {source_id} -> {target_id} ({role})"
        head, tail = regions.get(source_id), regions.get(target_id)
        if head is None or tail is None:
            missing = source_id if head is None else target_id
            raise InputError(here, f"points at region {missing!r}, which is not in the annotation")
        if role in QUOTATION_LINKS:
            if tail.control == QUOTATION and head.control != QUOTATION:
                head, tail = tail, head
            if head.control != QUOTATION or tail.control not in QUOTATION_LINKS[role]:
                wanted = " or ".join(WHAT[c] for c in QUOTATION_LINKS[role])
                raise InputError(here, f"{role} links a quotation to {wanted}, not {WHAT[head.control]} to {WHAT[tail.control]}")
        elif {head.control, tail.control} != {ENTITY, TRIGGER}:
            raise InputError(here, f"an argument links a trigger to a mention, not {head.control} to {tail.control}")
        checked.append((head.id, tail.id, role))
    return regions, checked


def _numbered(regions: list[Region], prefix: str) -> dict[str, str]:
    """Region ID -> source ID: keeps m<N>/v<N> IDs (so a round trip is exact), numbers new regions after them."""
    pattern = re.compile(rf"^{prefix}[0-9]+$")
    kept = {r.id for r in regions if pattern.match(r.id)}
    next_n = max((int(i[1:]) for i in kept), default=0) + 1
    ids = {}
    for region in sorted(regions, key=lambda r: (r.start, r.end, r.id)):
        if region.id in kept:
            ids[region.id] = region.id
        else:
            ids[region.id] = f"{prefix}{next_n}"
            next_n += 1
    return ids


def _remap(start: int, end: int, old: CleanedDocument, new: CleanedDocument, where: str) -> tuple[int, int]:
    """A span of the old clean text moved to the new one through the raw offsets (line corrections changed the text)."""
    for seg in old.segments:
        if seg.start <= start and end <= seg.start + seg.length:
            raw_start = seg.raw_start + start - seg.start
            for new_seg in new.segments:
                if new_seg.raw_start <= raw_start and raw_start + end - start <= new_seg.raw_start + new_seg.length:
                    moved = new_seg.start + raw_start - new_seg.raw_start
                    return moved, moved + end - start
            raise InputError(where, f"lies on raw line {seg.line}, which the reviewed line labels take out of the clean text")
    raise InputError(where, "crosses a line break of the clean text")


def _none_word(value: str | None) -> str | None:
    return None if value is None or value.lower() in ("null", "none", "-") else value


def review_task(
    data: dict[str, Any], annotations: list[dict[str, Any]], raw_dir: Path, source_dir: Path, registries: Registries, where: str,
    options: ImportOptions = ImportOptions(),
) -> ReviewedDocument | None:
    """One exported task (its data and annotations, JSON types checked) -> its reviewed sources (or None: no submitted
    annotation). Raises InputError naming the task."""
    doc = load_raw(data.get("doc_id"), raw_dir, where)
    doc_id = doc.doc_id
    annotation, messages = choose_annotation(annotations, options.annotator, where)
    if annotation is None:
        return None
    corrections_path = source_dir / "line_corrections" / f"{doc_id}.json"
    old = clean_document(doc, source_dir / "line_corrections")
    page = page_text(doc)
    if data.get("text") != old.text or data.get("page") != page:
        raise InputError(where, f"the texts of {doc_id} changed since the task was exported; export and review again")
    result = annotation.get("result") or []
    regions, relations = parse_regions(result, old.text, page, where)
    who = annotator_name(annotation)

    # Line labels first: they decide the clean text the mentions end up on.
    lines = doc.lines  # a computed property: split once
    predicted = predict_labels(lines)
    current = {lb.line: lb.category for lb in old.labels}
    reviewed = dict(current)
    spans = line_spans(doc)
    seen: dict[int, str] = {}
    for region in (r for r in regions.values() if r.control == LINE):
        number = next((n for n, s, e in spans if s <= region.start and region.end <= e), None)
        here = f"{where}: region {region.id} (line {region.label})"
        if number is None:
            raise InputError(here, "spans more than one page line")
        if seen.get(number, region.label) != region.label:
            raise InputError(here, f"line {number} is labelled both {seen[number]!r} and {region.label!r}")
        seen[number] = reviewed[number] = region.label
    existing = load_corrections(corrections_path)
    old_reasons = {(c["line"], c["category"]): c for c in (existing or {}).get("corrections", [])}
    fixes = []
    for label in predicted:
        if reviewed[label.line] != label.category:
            kept = old_reasons.get((label.line, reviewed[label.line]))
            reason = kept["reason"] if kept else f"Reviewed in Label Studio ({where}, {who}); the cleaner predicted {label.category!r} (rule {label.rule})."
            fixes.append({"line": label.line, "text": lines[label.line - 1].text, "category": reviewed[label.line], "reason": reason})
    corrections = None
    if fixes != (existing or {}).get("corrections", []) and (fixes or existing):
        same_reviewer = existing is not None and all((f["line"], f["category"]) in old_reasons for f in fixes)
        reviewer = existing["reviewed_by"] if existing is not None and same_reviewer else who
        corrections = {"doc_id": doc_id, "reviewed_by": reviewer, "corrections": fixes}
    new = clean_text(doc.text, corrections if corrections is not None else existing, where=f"{where}: line labels")
    shown = {seg.line for seg in old.segments}
    added = sorted({seg.line for seg in new.segments} - shown)  # content the reviewer has not seen as clean text
    removed = shown - {seg.line for seg in new.segments}

    def line_of(region: Region) -> int | None:
        return next((seg.line for seg in old.segments if seg.start <= region.start and region.end <= seg.start + seg.length), None)

    # Regions on lines the review takes out of the clean text go with them (reported, not silent).
    dropped = {r.id for r in regions.values() if r.control != LINE and line_of(r) in removed}
    messages += [f"{where}: dropped {regions[i].control} {old.text[regions[i].start:regions[i].end]!r} (its line {line_of(regions[i])} is no longer content)" for i in sorted(dropped)]
    relations = [rel for rel in relations if rel[0] not in dropped and rel[1] not in dropped]

    def placed(region: Region) -> dict[str, Any]:
        start, end = region.start, region.end
        if new.text != old.text:
            start, end = _remap(start, end, old, new, f"{where}: region {region.id} ({old.text[start:end]!r})")
        return locator(new.text, start, end)

    mentions_in = [r for r in regions.values() if r.control == ENTITY and r.id not in dropped]
    events_in = [r for r in regions.values() if r.control == TRIGGER and r.id not in dropped]
    mention_ids, event_ids = _numbered(mentions_in, "m"), _numbered(events_in, "v")
    new_entities: dict[str, dict[str, Any]] = {}
    mentions = []
    for region in sorted(mentions_in, key=lambda r: int(mention_ids[r.id][1:])):
        here = f"{where}: mention {region.id} ({old.text[region.start:region.end]!r})"
        entity_id = _none_word(region.fields.get("entity_id"))
        if entity_id and entity_id not in registries.entities:
            name = region.fields.get("entity_name")
            if not name:
                raise InputError(here, f"entity {entity_id!r} is not in the registry; give entity_name to add it, or an existing ID")
            record: dict[str, Any] = {"id": entity_id, "name": name, "type": region.label, "wikidata": None, "note": f"added in Label Studio review of {doc_id}"}
            if new_entities.setdefault(entity_id, record)["name"] != name:
                raise InputError(here, f"new entity {entity_id!r} is given two names: {new_entities[entity_id]['name']!r} and {name!r}")
        mentions.append({"id": mention_ids[region.id], **placed(region), "type": region.label, "level": region.fields.get("level", "name"), "entity": entity_id})

    by_trigger: dict[str, list[dict[str, str]]] = defaultdict(list)
    for source_id, target_id, role in relations:
        if role in QUOTATION_LINKS:
            continue
        trigger, mention = (source_id, target_id) if regions[source_id].control == TRIGGER else (target_id, source_id)
        by_trigger[trigger].append({"role": role, "mention": mention_ids[mention]})
    new_clusters: dict[str, dict[str, Any]] = {}
    events = []
    for region in sorted(events_in, key=lambda r: int(event_ids[r.id][1:])):
        here = f"{where}: event {region.id} ({old.text[region.start:region.end]!r})"
        f = region.fields
        if "realis" not in f:
            raise InputError(here, f"no realis chosen ({', '.join(label_set('realis'))})")
        date = None
        if not f.get("date_start") and any(f.get(k) for k in ("date_end", "date_granularity", "date_anchor", "date_expression")):
            raise InputError(here, "date fields are set but date_start is empty")
        if f.get("date_start"):
            if "date_granularity" not in f or "date_anchor" not in f:
                raise InputError(here, "a date needs date_granularity and date_anchor")
            date = {"start": f["date_start"], "end": f.get("date_end"), "granularity": f["date_granularity"], "anchor": f["date_anchor"], "expression": f.get("date_expression")}
        cluster = f.get("cluster")
        if not cluster or DRAFT_CLUSTER.match(cluster):
            raise InputError(here, "no event cluster: give a registry ID (evt:...) and, for a new event, its name in cluster_name")
        if cluster not in registries.events:
            name = f.get("cluster_name")
            if not name:
                raise InputError(here, f"cluster {cluster!r} is not in the registry; give cluster_name to add it, or an existing ID")
            cluster_record = {"id": cluster, "name": name, "date": None if date is None else {"start": date["start"], "end": date["end"]}}
            if new_clusters.setdefault(cluster, cluster_record)["name"] != name:
                raise InputError(here, f"new cluster {cluster!r} is given two names: {new_clusters[cluster]['name']!r} and {name!r}")
        arguments = by_trigger.get(region.id, [])  # in the order of the export, so a round trip is exact
        events.append({
            "id": event_ids[region.id], "trigger": placed(region), "plover": f.get("plover"), "mode": f.get("mode"), "ace": f.get("ace"),
            "realis": f["realis"], "arguments": arguments, "date": date, "cluster": cluster,
        })

    quotations = _quotations(regions, relations, dropped, placed, mention_ids, event_ids, old.text, where)

    path = source_dir / "annotations" / f"{doc_id}.yaml"
    previous = read_yaml(path) if path.exists() else None
    previous = previous if isinstance(previous, dict) else {}
    if previous.get("status") == "reviewed":
        annotators = list(previous["annotators"]) + ([who] if who not in previous["annotators"] else [])
        notes = previous.get("notes")
    else:
        annotators = [who]
        notes = f"Reviewed in Label Studio ({where}, {who})" + ("; started from the model pre-annotation (detente preannotate)" if previous else "")
    status = "reviewed"
    if added:
        # Text the reviewer never saw as clean text cannot be called reviewed: keep a draft, ask for a second pass.
        status = "draft"
        notes = f"{notes}; the line review added raw line(s) {', '.join(map(str, added))} to the clean text, not annotated yet: export and review again"
        messages.append(f"{where}: line review added raw line(s) {', '.join(map(str, added))} to the clean text; {doc_id} stays a draft until they are reviewed")
    source = {"doc_id": doc_id, "status": status, "annotators": annotators, "notes": notes, "mentions": mentions, "events": events}
    if quotations or "quotations" in previous:  # the layer stays once a file has it; without one, a review adds it
        source["quotations"] = quotations
    for record in new_entities.values():
        validate(record, "entity", f"{where}: new entity {record['id']}")
    for record in new_clusters.values():
        validate(record, "event_cluster", f"{where}: new cluster {record['id']}")
    # The same checks as the build, on the clean text the reviewed line labels give.
    compiled = compile_document(source, new.text, Registries({**registries.entities, **new_entities}, {**registries.events, **new_clusters}), where)
    on_file = current_annotation(doc_id, source_dir, old.text, registries)  # earlier tasks' new records: unused by the file
    base = "none" if on_file is None else "draft" if on_file[0] == "draft" else "gold"
    diff = annotation_diff(base, None if on_file is None else identities(on_file[1], old), identities(compiled, new))
    loss = _loss(diff, empty=not result, doc_id=doc_id)
    if loss and not options.allow_removals:
        raise InputError(where, f"{loss}; check the review, or import it with --allow-removals")
    if loss:
        messages.append(f"{where}: {loss}; imported as --allow-removals asks")
    return ReviewedDocument(where, doc_id, source, corrections, list(new_entities.values()), list(new_clusters.values()), compiled, diff, messages)


def _quotations(
    regions: dict[str, Region], relations: list[tuple[str, str, str]], dropped: set[str], placed: Callable[[Region], dict[str, Any]],
    mention_ids: dict[str, str], event_ids: dict[str, str], text: str, where: str,
) -> list[dict[str, Any]]:
    """The `quotations:` block: a record per quotation region, its links from the relations drawn from it."""
    quotes = sorted((r for r in regions.values() if r.control == QUOTATION and r.id not in dropped), key=lambda r: (r.start, r.end))
    for a, b in zip(quotes, quotes[1:]):
        if b.start < a.end:
            raise InputError(f"{where}: quotations {a.id} ({text[a.start:a.end][:40]!r}) and {b.id} ({text[b.start:b.end][:40]!r})",
                             "overlap; quotations never overlap (ANNOTATION_GUIDELINES.md §8.2)")
    links: dict[str, dict[str, str]] = defaultdict(dict)  # quotation region -> link -> region
    for quote_id, target_id, role in relations:
        if role in QUOTATION_LINKS:
            if links[quote_id].setdefault(role, target_id) != target_id:
                raise InputError(f"{where}: quotation {quote_id}", f"has two {role} relations (to {links[quote_id][role]} and {target_id}); one expected")
    linked_cues = {link["cue"] for link in links.values() if "cue" in link}
    for cue in (r for r in regions.values() if r.control == CUE and r.id not in dropped and r.id not in linked_cues):
        raise InputError(f"{where}: region {cue.id} (cue {text[cue.start:cue.end]!r})", "is the cue of no quotation: draw a `cue` relation from its quotation to it")

    def target(link: dict[str, str], role: str, ids: dict[str, str]) -> str | None:
        return ids[link[role]] if role in link else None

    quote_ids = _numbered(quotes, "q")
    records = []
    for region in sorted(quotes, key=lambda r: int(quote_ids[r.id][1:])):
        f, link = region.fields, links.get(region.id, {})
        if "side" not in f:
            raise InputError(f"{where}: quotation {region.id} ({text[region.start:region.end][:40]!r})",
                             f"no side chosen ({', '.join(label_set('quotation_side'))})")
        records.append({
            "id": quote_ids[region.id], **placed(region), "kind": region.label, "paraphrase": f.get("paraphrase") == PARAPHRASE,
            "speaker": target(link, "speaker", mention_ids), "cue": placed(regions[link["cue"]]) if "cue" in link else None,
            "addressee": target(link, "addressee", mention_ids), "source_type": f.get("source_type"), "side": f["side"],
            "about_event": target(link, "about_event", event_ids),
        })
    return records


def _loss(diff: Diff, empty: bool, doc_id: str) -> str | None:
    """What a review would lose of the gold, when that needs --allow-removals: more than MAX_REMOVED_SHARE of its
    mentions, events, arguments or quotations, or anything at all through an empty review. None for a draft or a new file."""
    losses = diff.losses()
    if diff.base != "gold" or not (losses or empty):
        return None
    removed = ", ".join(f"{change.removed} of {change.before} {kind}" for kind, change in losses.items())
    why = "the review is empty (result [] or null): were the predictions loaded in Label Studio?" if empty else (
        f"more than {MAX_REMOVED_SHARE:.0%} of the gold's {' or '.join(losses)}")
    return f"{f'would remove {removed} of' if removed else 'would replace the gold of'} {doc_id}: {why} ({diff.summary()})"


def _task_name(task: Any, k: int) -> str:
    """`task 12 (dtn-...)`: its Label Studio ID (or, without a usable one, `task #3`, its place in the export)."""
    if not isinstance(task, dict):
        return f"task #{k + 1}"
    task_id = task.get("id")
    name = f"task {task_id}" if is_int(task_id) else f"task #{k + 1}" if task_id is None else f"task {json.dumps(task_id)[:40]}"
    data = task.get("data")
    doc_id = data.get("doc_id") if isinstance(data, dict) else None
    return name + (f" ({doc_id})" if isinstance(doc_id, str) and doc_id else "")


def read_export(export_path: Path) -> list[Any]:
    tasks = read_json(export_path)
    if not isinstance(tasks, list):
        raise InputError(str(export_path), f"a Label Studio JSON export is a list of tasks, not {describe(tasks)}")
    return tasks


def review_export(
    tasks: list[Any], raw_dir: Path, source_dir: Path, export_name: str, options: ImportOptions = ImportOptions(),
) -> tuple[list[ReviewedDocument], list[str]]:
    """Check every task; raises one InputError listing every rejected task, or returns what to write and messages.
    Copies of one task ID (an export put together from several) are read as one task with all their reviews."""
    base = source_registries(source_dir)
    entities, clusters = dict(base.entities), dict(base.events)
    reviewed: list[ReviewedDocument] = []
    messages: list[str] = []
    errors: list[str] = []
    copies: dict[int, list[tuple[str, dict[str, Any], list[dict[str, Any]]]]] = defaultdict(list)  # task ID -> its copies
    for k, task in enumerate(tasks):
        where = _task_name(task, k)
        try:
            task_id, data, annotations = check_task(task, where)
            copies[task_id].append((where, data, annotations))
        except InputError as err:
            errors.append(str(err))
    seen_docs: dict[str, str] = {}
    for same_task in copies.values():
        where, data, _ = same_task[0]
        where += f" [{len(same_task)} copies in the export]" if len(same_task) > 1 else ""
        try:
            if any(other != data for _, other, _ in same_task[1:]):
                raise InputError(where, "the copies hold different data; export the project again")
            annotations = [a for _, _, anns in same_task for a in anns]
            result = review_task(data, annotations, raw_dir, source_dir, Registries(entities, clusters), where, options)
            if result is None:
                messages.append(f"{where}: no submitted annotation; left as it is")
                continue
            if result.doc_id in seen_docs:
                raise InputError(where, f"{result.doc_id} is also reviewed in {seen_docs[result.doc_id]}; one task per document")
            for record in result.new_entities:
                entities[record["id"]] = record
            for record in result.new_clusters:
                clusters[record["id"]] = record
            seen_docs[result.doc_id] = where
            reviewed.append(result)
            messages.extend(result.messages)
        except InputError as err:
            errors.append(str(err))
    if errors:
        raise InputError(export_name, f"{len(errors)} task(s) rejected, nothing written:\n  " + "\n  ".join(errors))
    return reviewed, messages


def _append_records(path: Path, records: list[dict[str, Any]]) -> None:
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = [f"- {yaml.safe_dump(r, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6).strip()}" for r in records]
    write_text_atomically(path, existing + ("" if not existing or existing.endswith("\n") else "\n") + "\n".join(lines) + "\n")


def write_reviewed(reviewed: list[ReviewedDocument], source_dir: Path) -> list[Path]:
    """Write what review_export checked: registry records, line corrections, annotation files."""
    written: list[Path] = []
    new_entities = [r for doc in reviewed for r in doc.new_entities]
    new_clusters = [r for doc in reviewed for r in doc.new_clusters]
    if new_entities:
        _append_records(source_dir / "entities.yaml", list({r["id"]: r for r in new_entities}.values()))
        written.append(source_dir / "entities.yaml")
    if new_clusters:
        _append_records(source_dir / "events.yaml", list({r["id"]: r for r in new_clusters}.values()))
        written.append(source_dir / "events.yaml")
    for doc in reviewed:
        if doc.corrections is not None:
            path = source_dir / "line_corrections" / f"{doc.doc_id}.json"
            write_text_atomically(path, json.dumps(doc.corrections, indent=2, ensure_ascii=False) + "\n")
            written.append(path)
        path = source_dir / "annotations" / f"{doc.doc_id}.yaml"
        write_text_atomically(path, dump_source(doc.source))
        written.append(path)
        placeholder = source_dir / "draft_clusters" / f"{doc.doc_id}.yaml"
        if placeholder.exists():
            placeholder.unlink()  # the reviewed file no longer uses the draft's placeholder clusters
    return written


def import_export(export_path: Path, raw_dir: Path, source_dir: Path, options: ImportOptions = ImportOptions()) -> ImportResult:
    """`detente labelstudio import`: checked export -> annotation sources, line corrections, registry records."""
    reviewed, messages = review_export(read_export(export_path), raw_dir, source_dir, str(export_path), options)
    written = write_reviewed(reviewed, source_dir)
    return ImportResult(written, messages, {d.doc_id: d.source["status"] for d in reviewed}, {d.doc_id: d.diff for d in reviewed})


def main_import(export_path: str, raw_dir: Path, source_dir: Path, allow_removals: bool = False, annotator: str | None = None) -> int:
    options = ImportOptions(allow_removals, annotator)
    reviewed, messages = review_export(read_export(Path(export_path)), raw_dir, source_dir, export_path, options)
    for line in messages:
        print(line)
    for doc in reviewed:  # before anything is written
        print(f"{doc.task}: {doc.diff.summary()}")
    for path in write_reviewed(reviewed, source_dir):
        print(f"wrote {path}")
    reviewed_ids = [d.doc_id for d in reviewed if d.source["status"] == "reviewed"]
    drafts = [d.doc_id for d in reviewed if d.source["status"] == "draft"]
    print(f"{len(reviewed_ids)} document(s) reviewed: {' '.join(reviewed_ids)}".rstrip())
    if drafts:
        print(f"{len(drafts)} kept as draft (text left to review): {' '.join(drafts)}; run `detente labelstudio export` again")
    unquoted = [d.doc_id for d in reviewed if d.source["status"] == "reviewed" and "quotations" not in d.source]
    if unquoted:  # the build refuses them: a missing layer would read as "no quotations"
        print(f"{len(unquoted)} reviewed without a quotation layer (no quotation in the review): {' '.join(unquoted)}; annotate their "
              "quotations in a new review, or, if one reports no speech or writing, add `quotations: []` to its file, before `detente build`")
    if reviewed_ids:
        print("next: detente build, with a new version and CHANGELOG entry, to release them")
    return 0

