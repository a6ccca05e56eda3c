"""Stage 2, annotate: compile standoff annotation sources (quotes) to offsets on the clean text, and check them."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from detente import paths
from detente.errors import InputError
from detente.io import read_input_bytes
from detente.offsets import check_annotation_spans
from detente.pipeline.clean import clean_document
from detente.pipeline.corpus import load_document
from detente.rawtext import decode
from detente.schemas import load_schema, validate

UNLINKED_TYPES = {"DATE", "TIME", "TITLE"}
ROLE_TYPES = {"time": {"DATE", "TIME"}, "place": {"GPE", "LOC", "FAC"}, "position": {"TITLE"}}


@dataclass(frozen=True)
class Registries:
    entities: dict[str, dict[str, Any]]
    events: dict[str, dict[str, Any]]


# libyaml's safe loader where it is built (six times faster on the sources), else the pure-Python one: same results.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file safely; bad YAML is an InputError naming the file and line."""
    text = decode(read_input_bytes(path), str(path))  # refuses folders, pipes and missing paths by name
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InputError(where, f"invalid YAML: {getattr(err, 'problem', err)}") from None


def load_registries(entity_files: list[Path], event_files: list[Path]) -> Registries:
    """Entity and event registries (several files may be merged); IDs must be unique across them."""
    def merge(files: list[Path], schema: str) -> dict[str, dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        for path in files:
            records = read_yaml(path) or []
            if not isinstance(records, list):
                raise InputError(str(path), "must be a YAML list of records")
            for k, record in enumerate(records):
                validate(record, schema, f"{path}: record {k + 1}")
                if record["id"] in merged:
                    raise InputError(f"{path}: record {k + 1}", f"duplicate ID {record['id']!r}")
                merged[record["id"]] = record
        return merged

    return Registries(merge(entity_files, "entity"), merge(event_files, "event_cluster"))


def locate(text: str, locator: dict[str, Any], where: str) -> tuple[int, int]:
    """Character span [start, end) of a quote, or an error naming the quote and why it cannot be placed."""
    quote = locator["quote"]
    if "context" in locator:
        context = locator["context"]
        hits = _find_all(text, context)
        if len(hits) != 1:
            raise InputError(where, f"context {context!r} occurs {len(hits)} times in the clean text (needs exactly 1)")
        inner = _find_all(context, quote)
        if len(inner) != 1:
            raise InputError(where, f"quote {quote!r} occurs {len(inner)} times in its context {context!r} (needs exactly 1)")
        start = hits[0] + inner[0]
    else:
        hits = _find_all(text, quote)
        if not hits:
            raise InputError(where, f"quote {quote!r} not found in the clean text")
        if "occurrence" in locator:
            if locator["occurrence"] > len(hits):
                raise InputError(where, f"quote {quote!r} occurs {len(hits)} times; occurrence {locator['occurrence']} does not exist")
            start = hits[locator["occurrence"] - 1]
        elif len(hits) > 1:
            raise InputError(where, f"quote {quote!r} is ambiguous: it occurs {len(hits)} times; add `occurrence` or `context`")
        else:
            start = hits[0]
    return start, start + len(quote)


def _find_all(haystack: str, needle: str) -> list[int]:
    hits, start = [], haystack.find(needle)
    while start != -1:
        hits.append(start)
        start = haystack.find(needle, start + 1)
    return hits


def compile_document(
    source: dict[str, Any], text: str, registries: Registries, where: str, problems: list[InputError] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Source file -> {"entities": [...], "events": [...], "quotations": [...]} with offsets, after every check.

    The first problem raises, unless `problems` is given: then every problem is appended to it, the mention or event
    it concerns is left out, and checking goes on (`detente check-annotations` lists them all).
    """

    def report(err: InputError) -> None:
        if problems is None:
            raise err
        problems.append(err)

    validate(source, "annotation_source", where)
    modes_by_type = load_schema("labels")["$defs"]["plover_modes_by_type"]["const"]
    mentions: dict[str, dict[str, Any]] = {}
    for m in source["mentions"]:
        try:
            mentions[m["id"]] = _compile_mention(m, text, registries, where, mentions)
        except InputError as err:
            report(err)

    ordered = sorted(mentions.values(), key=lambda r: (r["start"], r["end"]))
    for a, b in zip(ordered, ordered[1:]):
        if b["start"] < a["end"]:
            report(InputError(f"{where}: mentions {a['id']} ({a['text']!r}) and {b['id']} ({b['text']!r})", "overlap; mentions are flat"))

    events: dict[str, dict[str, Any]] = {}
    for e in source["events"]:
        try:
            events[e["id"]] = _compile_event(e, text, registries, where, mentions, events, modes_by_type)
        except InputError as err:
            report(err)
    quotations: dict[str, dict[str, Any]] = {}
    for q in source.get("quotations", []):
        try:
            quotations[q["id"]] = _compile_quotation(q, text, where, mentions, events, quotations)
        except InputError as err:
            report(err)
    by_offset = sorted(quotations.values(), key=lambda r: (r["start"], r["end"]))
    for a, b in zip(by_offset, by_offset[1:]):
        if b["start"] < a["end"]:
            report(InputError(f"{where}: quotations {a['id']} and {b['id']}", f"overlap ([{a['start']},{a['end']}) and [{b['start']},{b['end']})); quotations never overlap"))
    result: dict[str, list[dict[str, Any]]] = {"entities": ordered, "events": sorted(events.values(), key=lambda r: (r["trigger"]["start"], r["id"]))}
    if "quotations" in source:  # a file without the block (an agreement pass of entities and events only) has no quotation layer
        result["quotations"] = by_offset
    check_annotation_spans(result, text, where)
    return result


def _compile_quotation(
    q: dict[str, Any], text: str, where: str, mentions: dict[str, Any], events: dict[str, Any], seen: dict[str, Any]
) -> dict[str, Any]:
    here = f"{where}: quotation {q['id']} ({q['quote'][:40]!r})"
    if q["id"] in seen:
        raise InputError(here, "duplicate quotation ID")
    start, end = locate(text, q, here)
    for field in ("speaker", "addressee"):
        if q[field] is not None and q[field] not in mentions:
            raise InputError(here, f"{field} {q[field]!r} is not a mention of this document")
    if q["about_event"] is not None and q["about_event"] not in events:
        raise InputError(here, f"about_event {q['about_event']!r} is not an event of this document")
    cue = None
    if q["cue"] is not None:
        cue_start, cue_end = locate(text, q["cue"], f"{here} cue")
        cue = {"start": cue_start, "end": cue_end, "text": text[cue_start:cue_end]}
    return {
        "id": q["id"], "start": start, "end": end, "text": text[start:end], "kind": q["kind"], "paraphrase": q["paraphrase"],
        "speaker_id": q["speaker"], "cue": cue, "addressee_id": q["addressee"], "source_type": q["source_type"], "side": q["side"],
        "about_event_id": q["about_event"],
    }


def _compile_mention(m: dict[str, Any], text: str, registries: Registries, where: str, seen: dict[str, Any]) -> dict[str, Any]:
    here = f"{where}: mention {m['id']} ({m['quote']!r})"
    if m["id"] in seen:
        raise InputError(here, "duplicate mention ID")
    start, end = locate(text, m, here)
    if m["type"] in UNLINKED_TYPES:
        if m["entity"] is not None:
            raise InputError(here, f"{m['type']} mentions are values and take `entity: null`")
    else:
        if m["entity"] is None:
            raise InputError(here, f"{m['type']} mention needs an `entity` from the registry")
        if m["entity"] not in registries.entities:
            raise InputError(here, f"entity {m['entity']!r} is not in the entity registry")
        if registries.entities[m["entity"]]["type"] != m["type"]:
            raise InputError(here, f"type {m['type']} differs from the registry's {registries.entities[m['entity']]['type']} for {m['entity']}")
    return {"id": m["id"], "start": start, "end": end, "text": text[start:end], "type": m["type"], "level": m["level"], "entity_id": m["entity"]}


def _compile_event(
    e: dict[str, Any], text: str, registries: Registries, where: str, mentions: dict[str, Any], seen: dict[str, Any], modes_by_type: dict[str, Any]
) -> dict[str, Any]:
    here = f"{where}: event {e['id']} ({e['trigger']['quote']!r})"
    if e["id"] in seen:
        raise InputError(here, "duplicate event ID")
    start, end = locate(text, e["trigger"], here)
    if e["plover"] is None and e["ace"] is None:
        raise InputError(here, "needs a PLOVER type or an ACE subtype")
    allowed = modes_by_type.get(e["plover"], []) if e["plover"] else []
    if e["mode"] is not None and e["mode"] not in allowed:
        raise InputError(here, f"mode {e['mode']!r} is not a mode of {e['plover']} (allowed: {allowed or 'none'})")
    for arg in e["arguments"]:
        target = mentions.get(arg["mention"])
        if target is None:
            raise InputError(here, f"argument {arg['role']} points at {arg['mention']!r}, which is not a mention of this document")
        wanted = ROLE_TYPES.get(arg["role"])
        if wanted and target["type"] not in wanted:
            raise InputError(here, f"role {arg['role']} needs a {'/'.join(sorted(wanted))} mention, {arg['mention']} is {target['type']}")
    if e["cluster"] not in registries.events:
        raise InputError(here, f"cluster {e['cluster']!r} is not in the event registry")
    return {
        "id": e["id"],
        "trigger": {"start": start, "end": end, "text": text[start:end]},
        "plover": e["plover"],
        "mode": e["mode"],
        "ace": e["ace"],
        "realis": e["realis"],
        "arguments": [{"role": a["role"], "mention_id": a["mention"]} for a in e["arguments"]],
        "date": e["date"],
        "cluster_id": e["cluster"],
    }


def corpus_registries(entity_files: list[str], event_files: list[str]) -> Registries:
    """The corpus's entity and event registries, with any extra registry files merged in."""
    return load_registries(
        [paths.SOURCE_DIR / "entities.yaml", *map(Path, entity_files)], [paths.SOURCE_DIR / "events.yaml", *map(Path, event_files)]
    )


def main_check(files: list[str], text_dir: str | None, entity_files: list[str], event_files: list[str]) -> int:
    """`detente annotations check FILE...`: compile source files against clean texts and report counts."""
    registries = corpus_registries(entity_files, event_files)
    failed = 0
    for name in files:
        problems: list[InputError] = []
        compiled = compile_source_file(name, text_dir, registries, problems)
        if compiled is not None and compiled.status == "reviewed" and "quotations" not in compiled.annotation and _released(name):
            problems.append(InputError(name, MISSING_QUOTATIONS))  # the build refuses it so (agreement passes may lack the layer)
        for problem in problems:
            print(f"{problem}", file=sys.stderr)
        if problems or compiled is None:
            failed += 1
            print(f"{name}: {len(problems)} problem(s)")
        else:
            print(f"{name}: OK, {len(compiled.annotation['entities'])} mentions, {len(compiled.annotation['events'])} events")
    if failed:
        raise InputError(f"{failed} of {len(files)} file(s)", "have problems (listed above)")
    return 0


@dataclass(frozen=True)
class CompiledSource:
    """One annotation source file compiled against its clean text."""

    path: str
    doc_id: str
    status: str
    text: str
    annotation: dict[str, list[dict[str, Any]]]


# A reviewed file without the block: its quotation layer was never annotated (build and check-annotations refuse it).
MISSING_QUOTATIONS = ("has no quotations: block, so its quotation layer was never annotated: annotate its quotations (guidelines §8; "
                      "the review's quotation labels) or, if it reports no speech or writing, write `quotations: []`")


def _released(name: str) -> bool:
    """A file of the corpus's annotations folder, which the build releases (not an agreement pass)."""
    return Path(name).resolve().parent == (paths.SOURCE_DIR / "annotations").resolve()


def compile_source_file(name: str, text_dir: str | None, registries: Registries, problems: list[InputError]) -> CompiledSource | None:
    """A source file compiled against its document's clean text (from `text_dir`, else cleaned from raw/), a draft with
    its placeholder clusters. Every problem is appended to `problems`; None when the file as a whole cannot be compiled
    (unreadable, not YAML, not the schema, no text)."""
    try:
        source = read_yaml(Path(name))
        if not isinstance(source, dict):  # empty, or a list: there is no doc_id to find the text by
            got = "an empty file" if source is None else f"a YAML {type(source).__name__}"
            raise InputError(name, f"not an annotation source: expected a mapping with doc_id, status, annotators, ..., got {got}")
        doc_id = source.get("doc_id")
        if not isinstance(doc_id, str) or not doc_id:
            raise InputError(name, "no doc_id: the file must name the document it annotates")
        if not text_dir and not (paths.RAW_DIR / f"{doc_id}.txt").is_file():
            raise InputError(name, f"doc_id {doc_id!r} names no raw page ({paths.RAW_DIR / (doc_id + '.txt')} does not exist)")
        text = clean_text_for(doc_id, text_dir)
        compiled = compile_document(source, text, _with_draft_clusters(registries, source, doc_id), name, problems)
    except InputError as err:
        problems.append(err)
        return None
    return CompiledSource(name, doc_id, source["status"], text, compiled)


def _with_draft_clusters(registries: Registries, source: Any, doc_id: str) -> Registries:
    """A draft's placeholder clusters live in draft_clusters/<doc_id>.yaml (see growth.preannotate): check with them."""
    drafts = paths.SOURCE_DIR / "draft_clusters" / f"{doc_id}.yaml"
    if not (isinstance(source, dict) and source.get("status") == "draft" and drafts.is_file()):
        return registries
    extra = load_registries([], [drafts])
    return Registries(registries.entities, {**registries.events, **extra.events})


def clean_text_for(doc_id: str, text_dir: str | None) -> str:
    if text_dir:
        path = Path(text_dir) / f"{doc_id}.txt"
        return decode(read_input_bytes(path), str(path))
    return clean_document(load_document(paths.RAW_DIR / f"{doc_id}.txt"), paths.SOURCE_DIR / "line_corrections").text
