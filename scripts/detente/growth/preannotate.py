"""Pre-annotation: a draft standoff file for a new article, made from what the gold already holds.

The "model" is a lexicon read off the reviewed gold annotation (no weights, nothing downloaded):
- entity mentions: every name-level surface form annotated in the gold, plus the canonical names of the
  registry entities the gold links to, each with its most frequent (type, entity ID), and each word of a
  two-word person name that points at one person only ("Blinken" for Antony Blinken);
- event triggers: every trigger word of the gold with its most frequent (PLOVER type, mode, ACE subtype, realis).
A surface form is kept only if the gold annotates it at half or more of its token-boundary occurrences in
the gold texts (a form annotated once in ten occurrences would be noise). Matches are exact strings on token
boundaries in the new clean text (a hyphen joins tokens, so "US" in "US-China" is no match, as the guidelines
want), longest first, never overlapping; a trigger never overlaps a mention. Date expressions are also found
by rules written from the guidelines' DATE examples (`date_spans`: weekdays, months with their day or year,
years, "last week", "earlier this month", "recent weeks", ...), without the preposition, as the guidelines
want. Arguments, event dates, nominal and pronoun mentions are left to the reviewer.

The draft has `status: draft`, so it never enters a release. An event needs a cluster from the registry and
a draft cannot know it: its placeholder clusters (`evt:draft-<hex>-v<N>`) go to a side file
`draft_clusters/<doc_id>.yaml`, which the build never reads and the Label Studio import refuses in a
reviewed file. `detente check-annotations FILE --events draft_clusters/<doc_id>.yaml` checks a draft.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from detente.errors import InputError
from detente.io import write_text_atomically
from detente.pipeline.agreement import compare, summarise
from detente.pipeline.annotate import (
    SAFE_LOADER,
    Registries,
    _find_all,
    compile_document,
    load_registries,
    read_yaml,
)
from detente.pipeline.clean import clean_document
from detente.pipeline.corpus import load_document

MODEL_NAME = "detente preannotate (gold lexicon)"
MIN_PRECISION = 0.5  # keep a surface form only if the gold annotates it at >= this share of its occurrences


@dataclass(frozen=True)
class GoldDocument:
    doc_id: str
    text: str
    compiled: dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Lexicon:
    mentions: dict[str, tuple[str, str | None]]  # surface -> (type, entity ID or None)
    triggers: dict[str, tuple[str | None, str | None, str | None, str]]  # surface -> (plover, mode, ace, realis)
    documents: tuple[str, ...]  # the gold documents it was read from
    name_parts: frozenset[str] = frozenset()  # one word of a known full name ("Blinken"), added as a surface of its own


def clean_text_of(doc_id: str, raw_dir: Path, source_dir: Path) -> str:
    raw_path = raw_dir / f"{doc_id}.txt"
    if not raw_path.exists():
        raise InputError(str(raw_path), f"document {doc_id!r} is not in {raw_dir}")
    return clean_document(load_document(raw_path), source_dir / "line_corrections").text


def source_registries(source_dir: Path, extra_event_files: tuple[Path, ...] = ()) -> Registries:
    return load_registries([source_dir / "entities.yaml"], [source_dir / "events.yaml", *extra_event_files])


def load_gold(raw_dir: Path, source_dir: Path) -> list[GoldDocument]:
    """Every reviewed annotation file, compiled against its clean text."""
    registries = source_registries(source_dir)
    gold = []
    for path in sorted((source_dir / "annotations").glob("dtn-*.yaml")):
        source = read_yaml(path)
        if not isinstance(source, dict) or source.get("status") != "reviewed":
            continue
        text = clean_text_of(path.stem, raw_dir, source_dir)
        gold.append(GoldDocument(path.stem, text, compile_document(source, text, registries, str(path))))
    return gold


def token_matches(text: str, surface: str) -> list[int]:
    """Start offsets of `surface` in `text` that begin and end on token boundaries."""
    pattern = re.compile(r"(?<![\w-])" + re.escape(surface) + r"(?![\w-])")
    return [m.start() for m in pattern.finditer(text)]


_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_PERIOD = r"(?:week|weekend|month|year|summer|autumn|fall|winter|spring)"
_MODIFIER = r"(?:[Ll]ast|[Nn]ext|[Tt]his|[Ee]arly|[Ll]ate|[Ee]arlier this|[Ll]ater this)"
# Each alternative is a whole DATE span as the guidelines draw it (no preposition); longest alternatives first.
DATE_PATTERN = re.compile(
    r"(?<![\w$-])(?:"
    rf"{_YEAR} (?:through|to|and) {_YEAR}"  # 2013 through 2022
    rf"|(?:{_MODIFIER} )?{_MONTH}(?: \d{{1,2}}(?:, {_YEAR})?| {_YEAR})?"  # last November, June 5, April 2017
    rf"|\d{{1,2}} {_MONTH}(?: {_YEAR})?"  # 5 June 2023
    rf"|(?:[Ll]ast |[Nn]ext |[Tt]his )?{_WEEKDAY}"  # last Monday, Wednesday
    rf"|{_MODIFIER} {_PERIOD}"  # last week, earlier this month, this weekend
    r"|[Tt]he (?:weekend|(?:end|beginning|start) of (?:this|the|next|last) (?:week|month|year)|next few (?:days|weeks|months))"
    r"|[Rr]ecent (?:days|weeks|months|years)|[Rr]ecently|[Yy]esterday|[Tt]oday|[Tt]omorrow"
    rf"|{_YEAR}"
    r")(?![\w-])"
)
_BEFORE_MAY = ("in", "since", "until", "by", "from", "of", "to", "through", "early", "late", "last", "next", "this")


def date_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each date expression found by DATE_PATTERN, left to right, never overlapping.

    "May" alone is a date only after a preposition or a modifier ("in May"), not the verb ("may") at the
    start of a sentence.
    """
    spans = []
    for match in DATE_PATTERN.finditer(text):
        if match.group() == "May":
            previous = text[max(0, match.start() - 20) : match.start()].split()[-1:]
            if not previous or previous[0].lower() not in _BEFORE_MAY:
                continue
        spans.append(match.span())
    return spans


def _most_frequent(counter: Counter) -> Any:
    # Deterministic: highest count, then the smallest value by its repr.
    return min(counter.items(), key=lambda kv: (-kv[1], repr(kv[0])))[0]


def _reliable(surfaces: dict[str, Counter], annotated_at: dict[str, set[tuple[str, int]]], gold: list[GoldDocument]) -> list[str]:
    """Surface forms the gold annotates at >= MIN_PRECISION of their token-boundary occurrences."""
    kept = []
    for surface in sorted(surfaces):
        occurrences = sum(len(token_matches(d.text, surface)) for d in gold)
        if occurrences and len(annotated_at[surface]) / occurrences >= MIN_PRECISION:
            kept.append(surface)
    return kept


def build_lexicon(gold: list[GoldDocument], registries: Registries) -> Lexicon:
    mention_labels: dict[str, Counter] = defaultdict(Counter)
    trigger_labels: dict[str, Counter] = defaultdict(Counter)
    mention_at: dict[str, set[tuple[str, int]]] = defaultdict(set)
    trigger_at: dict[str, set[tuple[str, int]]] = defaultdict(set)
    linked: set[str] = set()
    for doc in gold:
        for m in doc.compiled["entities"]:
            if m["level"] != "name":
                continue
            mention_labels[m["text"]][(m["type"], m["entity_id"])] += 1
            mention_at[m["text"]].add((doc.doc_id, m["start"]))
            if m["entity_id"]:
                linked.add(m["entity_id"])
        for e in doc.compiled["events"]:
            trigger = e["trigger"]
            trigger_labels[trigger["text"]][(e["plover"], e["mode"], e["ace"], e["realis"])] += 1
            trigger_at[trigger["text"]].add((doc.doc_id, trigger["start"]))
    mentions = {s: _most_frequent(mention_labels[s]) for s in _reliable(mention_labels, mention_at, gold)}
    # Canonical registry names of the entities the gold links to (only those, so leave-one-out stays fair).
    for entity_id in sorted(linked):
        record = registries.entities[entity_id]
        name = record["name"]
        if "(" not in name and name not in mentions:
            mentions[name] = (record["type"], entity_id)
    # A person named in full is later named by one part ("Blinken", "Wang"): add each part of a known
    # full name that points at one person only and is not a surface form already.
    parts: dict[str, set[str]] = defaultdict(set)
    for surface, (entity_type, entity_id) in mentions.items():
        words = surface.split()
        if entity_type == "PER" and entity_id and len(words) == 2:
            for word in words:
                parts[word].add(entity_id)
    name_parts = set()
    for word, people in sorted(parts.items()):
        if len(people) == 1 and word not in mentions:
            mentions[word] = ("PER", next(iter(people)))
            name_parts.add(word)
    triggers = {s: _most_frequent(trigger_labels[s]) for s in _reliable(trigger_labels, trigger_at, gold)}
    return Lexicon(mentions, triggers, tuple(d.doc_id for d in gold), frozenset(name_parts))


# A capitalised word right after a match: the match starts a longer name ("Xie" in "Xie Zhenhua").
_NEXT_NAME_WORD = re.compile(r" [A-Z][a-z]")


def _longest_first(text: str, surfaces: list[str], taken: list[tuple[int, int]], name_parts: frozenset[str] = frozenset()) -> list[tuple[int, int, str]]:
    """Non-overlapping token-boundary matches, longest surface first, then leftmost. A name part ("Blinken", from
    "Antony Blinken") is not matched where a capitalised word follows it, which mostly means a longer name the lexicon
    does not know ("Xie" of "Xie Feng" inside "Xie Zhenhua" is another person): a missed mention costs the reviewer
    less than a wrong link."""
    candidates = [(start, start + len(s), s) for s in surfaces for start in token_matches(text, s)
                  if not (s in name_parts and _NEXT_NAME_WORD.match(text, start + len(s)))]
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], c[2]))
    chosen: list[tuple[int, int, str]] = []
    occupied = list(taken)
    for start, end, surface in candidates:
        if any(start < b and a < end for a, b in occupied):
            continue
        chosen.append((start, end, surface))
        occupied.append((start, end))
    return sorted(chosen)


def locator(text: str, start: int, end: int) -> dict[str, Any]:
    """Quote, plus `occurrence` when the quote occurs more than once (counted as the compiler counts)."""
    quote = text[start:end]
    hits = _find_all(text, quote)
    return {"quote": quote, "occurrence": hits.index(start) + 1} if len(hits) > 1 else {"quote": quote}


def draft_cluster_id(doc_id: str, event_id: str) -> str:
    return f"evt:draft-{doc_id.removeprefix('dtn-')}-{event_id}"


def preannotate_text(doc_id: str, text: str, lexicon: Lexicon) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Pure core: (draft annotation source, its placeholder cluster records)."""
    dates = date_spans(text)
    found = sorted(_longest_first(text, sorted(lexicon.mentions), dates, lexicon.name_parts) + [(start, end, "") for start, end in dates])
    mentions = []
    for n, (start, end, surface) in enumerate(found, start=1):
        entity_type, entity_id = lexicon.mentions[surface] if surface else ("DATE", None)
        mentions.append({"id": f"m{n}", **locator(text, start, end), "type": entity_type, "level": "name", "entity": entity_id})
    events: list[dict[str, Any]] = []
    clusters: list[dict[str, Any]] = []
    for n, (start, end, surface) in enumerate(_longest_first(text, sorted(lexicon.triggers), [(s, e) for s, e, _ in found]), start=1):
        plover, mode, ace, realis = lexicon.triggers[surface]
        cluster = draft_cluster_id(doc_id, f"v{n}")
        events.append({
            "id": f"v{n}", "trigger": locator(text, start, end), "plover": plover, "mode": mode, "ace": ace,
            "realis": realis, "arguments": [], "date": None, "cluster": cluster,
        })
        clusters.append({"id": cluster, "name": f"Draft placeholder for the event of trigger {surface!r} in {doc_id}; replace on review", "date": None})
    source = {
        "doc_id": doc_id,
        "status": "draft",
        "annotators": [MODEL_NAME],
        "notes": f"source: model ({MODEL_NAME} from {len(lexicon.documents)} reviewed documents: {', '.join(lexicon.documents)}); "
        "arguments, event dates, nominal and pronoun mentions and event clusters are left to the reviewer",
        "mentions": mentions,
        "events": events,
    }
    return source, clusters


def dump_source(source: dict[str, Any]) -> str:
    """YAML in the style of the gold files: one flow mapping per mention, events and quotations in block style."""
    def flow(value: Any) -> str:
        # Dumped inside a one-key mapping so that a scalar gets no document-end marker.
        return yaml.safe_dump({"k": value}, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6).strip()[4:-1]

    out = [f"{key}: {flow(source[key])}" for key in ("doc_id", "status")]
    out.append("annotators:")
    out.extend(f"- {flow(a)}" for a in source["annotators"])
    if source.get("notes") is not None:
        out.append(f"notes: {flow(source['notes'])}")
    out.append("mentions:" if source["mentions"] else "mentions: []")
    out.extend(f"- {flow(m)}" for m in source["mentions"])
    out.append("events:" if source["events"] else "events: []")
    for e in source["events"]:
        out.append(f"- id: {flow(e['id'])}")
        out.extend(f"  {key}: {flow(e[key])}" for key in ("trigger", "plover", "mode", "ace", "realis", "arguments", "date", "cluster"))
    if "quotations" in source:  # only with the quotation layer (ANNOTATION_GUIDELINES.md §8.4)
        out.append("quotations:" if source["quotations"] else "quotations: []")
        for q in source["quotations"]:
            out.append(f"- id: {flow(q['id'])}")
            out.extend(f"  {key}: {flow(value)}" for key, value in q.items() if key != "id")
    text = "\n".join(out) + "\n"
    assert yaml.load(text, Loader=SAFE_LOADER) == {k: v for k, v in source.items() if k != "notes" or v is not None}, "YAML writer lost data"
    return text


def dump_records(records: list[dict[str, Any]], header: str) -> str:
    lines = [f"# {line}" for line in header.splitlines()]
    lines += [f"- {yaml.safe_dump(r, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6).strip()}" for r in records]
    return "\n".join(lines) + "\n"


def preannotate(doc_id: str, raw_dir: Path, source_dir: Path, overwrite: bool = False) -> tuple[Path, dict[str, Any]]:
    """Write annotations/<doc_id>.yaml (draft) and draft_clusters/<doc_id>.yaml; refuses to replace a reviewed file."""
    target = source_dir / "annotations" / f"{doc_id}.yaml"
    if target.exists():
        existing = read_yaml(target)
        if isinstance(existing, dict) and existing.get("status") == "reviewed":
            raise InputError(str(target), "is reviewed gold; pre-annotation never replaces it")
        if not overwrite:
            raise InputError(str(target), "a draft exists already; pass --overwrite to replace it")
    text = clean_text_of(doc_id, raw_dir, source_dir)
    gold = [d for d in load_gold(raw_dir, source_dir) if d.doc_id != doc_id]
    registries = source_registries(source_dir)
    source, clusters = preannotate_text(doc_id, text, build_lexicon(gold, registries))
    clusters_path = source_dir / "draft_clusters" / f"{doc_id}.yaml"
    # Compile before writing anything: a draft that does not compile is a bug, not a file to leave behind.
    draft_registries = Registries(registries.entities, {**registries.events, **{c["id"]: c for c in clusters}})
    compiled = compile_document(source, text, draft_registries, str(target))
    write_text_atomically(clusters_path, dump_records(clusters, f"Placeholder clusters of the draft {doc_id} (never released; replaced on review)."))
    write_text_atomically(target, dump_source(source))
    return target, compiled


def leave_one_out(raw_dir: Path, source_dir: Path) -> dict[str, Any]:
    """Pre-annotation scored against the gold: each document's draft is made from the other documents only."""
    gold = load_gold(raw_dir, source_dir)
    registries = source_registries(source_dir)
    pairs, per_document = [], {}
    for held_out in gold:
        lexicon = build_lexicon([d for d in gold if d.doc_id != held_out.doc_id], registries)
        source, clusters = preannotate_text(held_out.doc_id, held_out.text, lexicon)
        draft_registries = Registries(registries.entities, {**registries.events, **{c["id"]: c for c in clusters}})
        draft = compile_document(source, held_out.text, draft_registries, f"draft of {held_out.doc_id}")
        pair = compare(held_out.compiled, draft)
        pairs.append(pair)
        per_document[held_out.doc_id] = {k: v.as_dict() for k, v in pair["prf"].items()}
    return {"documents": [d.doc_id for d in gold], "micro": summarise(pairs), "per_document": per_document}


LOO_MEASURES = {
    "entity_strict_all_levels": "entity span+type (all levels)",
    "entity_strict_names": "entity span+type (names)",
    "trigger_identification": "trigger span",
    "trigger_classification": "trigger+type (PLOVER and ACE)",
    "trigger_classification_plover": "trigger+PLOVER type",
}


def format_leave_one_out(result: dict[str, Any]) -> str:
    f1 = result["micro"]["f1"]
    lines = [f"Pre-annotation, leave-one-document-out over {len(result['documents'])} gold documents (micro-averaged)",
             f"{'measure':<32}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"]
    for key, label in LOO_MEASURES.items():
        v = f1[key]
        lines.append(f"{label:<32}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{v['tp']:>6}{v['fp']:>6}{v['fn']:>6}")
    return "\n".join(lines)


def main_preannotate(doc_ids: list[str], raw_dir: Path, source_dir: Path, overwrite: bool = False, evaluate: bool = False) -> int:
    """`detente preannotate DOC_ID... [--overwrite]` or `detente preannotate --evaluate`."""
    if evaluate:
        print(format_leave_one_out(leave_one_out(raw_dir, source_dir)))
    for doc_id in doc_ids:
        target, compiled = preannotate(doc_id, raw_dir, source_dir, overwrite)
        print(f"{target}: draft with {len(compiled['entities'])} mentions and {len(compiled['events'])} events "
              f"(placeholder clusters in {source_dir / 'draft_clusters' / (doc_id + '.yaml')})")
    return 0
