"""Evaluate: score a predictions file against the gold of one split.

Entity scoring uses `nervaluate` (strict, exact-span, partial-overlap and type-only schemes, as in SemEval-2013
task 9.1). The headline entity scores are over name-level mentions, the mentions of the `ner` config and of the
CoNLL export: gold mentions of level "name", and predictions whose `level` is "name" or not given. The same schemes
over mentions of every level (names, nominals and pronouns, all predictions) are a secondary score
(`entities_all_levels`), and when predictions give `level`, its accuracy is reported on mentions matched by span
and type. Event scoring follows the ACE/OneIE/TextEE definitions, which no maintained library implements:
- trigger identification: the predicted trigger span equals a gold trigger span;
- trigger classification: span and event type (PLOVER) both match; the ACE variant compares ACE subtypes over
  events that have one;
- argument identification: (event type, argument span) matches a gold argument of the same document; the
  trigger span itself need not match;
- argument classification: argument identification plus the role.
Each tuple counts once per document; figures are micro-averaged over documents; macro averages are over types.
The headline F1s carry 95% bootstrap intervals (detente.bench.bootstrap), over documents and over items.
Predicted quotations, when a document's prediction carries them, are scored by detente.bench.quotations.

The predictions file is streamed: each line is read, checked and scored, then dropped, so memory holds the gold and
one document's predictions, and the scores are running counts (nervaluate's, summed over documents as its
Evaluator sums them). A prediction nervaluate could only count as spurious is counted without it (see
_worth_matching), which keeps its matching (every prediction against every gold mention of the document) small.
"""

from __future__ import annotations

import sys
import time
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nervaluate import Evaluator
from nervaluate.entities import EvaluationResult
from tqdm import tqdm

from detente.bench.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, Counts, intervals
from detente.bench.quotations import GoldQuotations, QuotationScores, format_quotations
from detente.errors import InputError, SchemaError
from detente.io import check_output_file, check_readable_file, iter_jsonl, json_bytes, parse_json, write_bytes_atomically
from detente.offsets import check_span
from detente.pipeline.splits import SPLITS
from detente.schemas import check, label_set
from detente.scoring import PRF, match, prf_cells, prf_header
from detente.structure import CONFIG_SCHEMAS, Label, ListOf, Node, Struct, record_structure

ENTITY_SCHEMES = {"strict": "strict", "exact_span": "exact", "partial_overlap": "partial", "type_only": "ent_type"}
HALF_CREDIT_SCHEMES = {"partial", "ent_type"}  # nervaluate counts a partial match half in these (its compute_metrics)
PROGRESS_FROM_BYTES = 4 * 1024 * 1024  # a progress bar on stderr for predictions files from this size (when a terminal)
PART_GOLD = 16  # gold mentions per part of a document given to nervaluate (see _parts)
LONGEST_MESSAGE = 1000  # characters of a schema message quoted (it may quote the value, and a line can be huge)
NAME = "name"  # the mention level of the headline entity scores (the `ner` config's)
HEADLINE = ("entity_strict_names", "trigger_identification", "trigger_classification", "argument_classification")  # measures given intervals
# The documents config's columns as derived from schema/ (what its `datasets` Features are rendered from), so that
# decoding class labels needs no `datasets` import (about 1.5 s at start-up).
DOCUMENT_COLUMNS = dict(record_structure(CONFIG_SCHEMAS["documents"]).fields)


@dataclass
class Predictions:
    by_doc: dict[str, dict[str, Any]]
    missing: list[str] = field(default_factory=list)  # gold documents with no prediction line (scored as empty)


def iter_gold(release_dir: Path, split: str) -> Iterator[dict[str, Any]]:
    """The documents of a split, one at a time; a release whose documents carry no annotation is refused."""
    if split not in SPLITS:
        raise InputError(str(release_dir), f"unknown split {split!r} (choose from {', '.join(SPLITS)})")
    for where, doc in iter_jsonl(release_dir / "documents" / f"{split}.jsonl"):
        if not (isinstance(doc, dict) and isinstance(doc.get("entities"), list) and isinstance(doc.get("events"), list)):
            raise InputError(where, f"release {release_dir.name} has no gold annotation for the {split} split (its documents carry no entities and events)")
        yield doc


def load_gold(release_dir: Path, split: str) -> list[dict[str, Any]]:
    return list(iter_gold(release_dir, split))


def _decode(node: Node, value: Any) -> Any:
    """A value as `datasets` gives it, with class labels as their names (ints are converted, names kept; an int
    that is no class's index is refused, as ClassLabel.int2str refuses it)."""
    if isinstance(node, Label):
        if not isinstance(value, int):
            return value
        if not 0 <= value < len(node.names):
            raise ValueError(f"Invalid integer class label {value}")
        return node.names[value]
    if isinstance(node, ListOf):
        return [_decode(node.item, v) for v in value] if isinstance(value, list) else value
    if isinstance(node, Struct) and isinstance(value, dict):
        fields = dict(node.fields)
        return {k: _decode(fields[k], v) if k in fields else v for k, v in value.items()}
    return value


def gold_document(row: Mapping[str, Any]) -> dict[str, Any]:
    """A gold document from a release JSONL record or a `documents` row as `datasets` returns it (class labels as
    ints or names): the entities, events and quotations (from 0.7.0) with their labels as names."""
    doc = {**row, "entities": _decode(DOCUMENT_COLUMNS["entities"], row["entities"]), "events": _decode(DOCUMENT_COLUMNS["events"], row["events"])}
    if row.get("quotations") is not None:
        doc["quotations"] = _decode(DOCUMENT_COLUMNS["quotations"], row["quotations"])
    return doc


def _check_span(span: dict[str, Any], text: str, where: str) -> None:
    check_span(text, span["start"], span["end"], span.get("text"), where, error=InputError)  # a prediction's text is optional


def _json_kind(value: Any) -> str:
    kinds = {list: "a JSON array", str: "a JSON string", bool: "true or false", int: "a JSON number", float: "a JSON number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _check_schema(record: Any, where: str) -> None:
    if not isinstance(record, dict):
        raise SchemaError(where, f"<record>: {_json_kind(record)}, not an object (one JSON object per line, the predictions for one document)")
    try:
        check(record, "predictions", where)
    except SchemaError as err:
        problem = err.problem.replace("does not match schema 'predictions': ", "")
        if len(problem) > LONGEST_MESSAGE:
            problem = problem[:LONGEST_MESSAGE] + " [...]"
        raise SchemaError(where, problem) from None
    except RecursionError:
        raise InputError(where, "nested too deeply") from None


def _check_spans(record: dict[str, Any], text: str, where: str) -> None:
    for k, entity in enumerate(record.get("entities", [])):
        _check_span(entity, text, f"{where}: entities[{k}]")
    for k, event in enumerate(record.get("events", [])):
        _check_span(event["trigger"], text, f"{where}: events[{k}].trigger")
        for j, arg in enumerate(event.get("arguments", [])):
            _check_span(arg, text, f"{where}: events[{k}].arguments[{j}]")
    for k, quotation in enumerate(record.get("quotations", [])):
        _check_span(quotation, text, f"{where}: quotations[{k}]")
        for name in ("speaker", "addressee", "cue", "about_event"):
            if isinstance(quotation.get(name), dict) and "start" in quotation[name]:
                _check_span(quotation[name], text, f"{where}: quotations[{k}].{name}")


def check_predictions(records: Iterable[tuple[str, Any]], texts: Mapping[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(doc_id, record) for each ("file:line", record): checked against the schema and the gold texts (doc_id -> text),
    one per document; errors name the line and field."""
    seen: set[str] = set()
    for where, record in records:
        _check_schema(record, where)
        doc_id = record["doc_id"]
        if doc_id not in texts:
            raise InputError(f"{where}: doc_id", f"unknown document {doc_id!r} (not in this split)")
        if doc_id in seen:
            raise InputError(f"{where}: doc_id", f"second prediction for {doc_id!r}")
        _check_spans(record, texts[doc_id], where)
        seen.add(doc_id)
        yield doc_id, record
        del record  # not held while the next line is read


def _json_lines(lines: Iterable[str], path: str) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield f"{path}:{number}", parse_json(line, f"{path}:{number}")


def parse_predictions(lines: Iterable[str], gold: Iterable[Mapping[str, Any]], path: str = "<predictions>") -> Predictions:
    """Validate every prediction line against the schema and the gold texts; errors name the line and field."""
    texts = {doc["id"]: doc["text"] for doc in gold}
    by_doc = dict(check_predictions(_json_lines(lines, path), texts))
    missing = sorted(set(texts) - set(by_doc))
    for doc_id in missing:
        by_doc[doc_id] = {"doc_id": doc_id, "entities": [], "events": []}
    return Predictions(by_doc, missing)


def _quotation_as_prediction(q: dict[str, Any], spans: dict[str, dict[str, Any]], events: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def mention(mention_id: str | None) -> dict[str, Any] | None:
        return None if mention_id is None else {k: spans[mention_id][k] for k in ("start", "end", "text")}

    return {
        "start": q["start"], "end": q["end"], "text": q["text"], "kind": q["kind"], "paraphrase": q["paraphrase"],
        "speaker": mention(q["speaker_id"]), "addressee": mention(q["addressee_id"]), "cue": q["cue"],
        "source_type": q["source_type"], "side": q["side"],
        "about_event": None if q["about_event_id"] is None else events[q["about_event_id"]]["trigger"],
    }


def gold_as_predictions(doc: dict[str, Any]) -> dict[str, Any]:
    """The gold of one document in the predictions format (arguments, speakers and addressees as spans; the event a
    quotation is about as its trigger); quotations only when the document has the quotation layer."""
    spans = {m["id"]: m for m in doc["entities"]}
    quotations = {} if doc.get("quotations") is None else {"quotations": [_quotation_as_prediction(q, spans, {e["id"]: e for e in doc["events"]}) for q in doc["quotations"]]}
    return {
        "doc_id": doc["id"],
        "entities": [{"start": m["start"], "end": m["end"], "text": m["text"], "type": m["type"], "level": m["level"], "entity_id": m["entity_id"]} for m in doc["entities"]],
        "events": [
            {
                "trigger": e["trigger"],
                "plover": e["plover"],
                "mode": e["mode"],
                "ace": e["ace"],
                "realis": e["realis"],
                "date": e["date"],
                "arguments": [
                    {"role": a["role"], "start": spans[a["mention_id"]]["start"], "end": spans[a["mention_id"]]["end"], "text": spans[a["mention_id"]]["text"]}
                    for a in e["arguments"]
                ],
            }
            for e in doc["events"]
        ],
        **quotations,
    }


def _worth_matching(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The predictions of one document nervaluate must match (in its form), and the count by type of the others,
    which it could only call spurious.

    In every scheme nervaluate takes the predictions in order and matches each to at most one gold mention that
    overlaps it and is not matched yet, or calls it spurious, which changes nothing for the others. So a prediction
    overlapping no gold mention is spurious, and so is each copy of a (type, start, end) after the first k, where k
    is the number of gold mentions it overlaps: every earlier copy used one of them up or found them all used.
    """
    starts = sorted(g["start"] for g in gold)
    ends = sorted(g["end"] for g in gold)
    copies: Counter[tuple[str, int, int]] = Counter()
    kept: list[dict[str, Any]] = []
    spurious: Counter[str] = Counter()
    for p in predicted:
        key = (p["type"], p["start"], p["end"])
        overlapping = bisect_left(starts, p["end"]) - bisect_right(ends, p["start"])  # gold starting before p ends, less those ending before it starts
        if copies[key] < overlapping:
            copies[key] += 1
            kept.append({"label": p["type"], "start": p["start"], "end": p["end"] - 1})  # nervaluate: both ends inclusive
        else:
            spurious[p["type"]] += 1
    return kept, spurious


def _parts(truth: list[dict[str, Any]], kept: list[dict[str, Any]]) -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """One document's nervaluate input cut into parts: gold mentions and predictions, in order.

    nervaluate only pairs a prediction with a gold mention that overlaps it, so cutting a document where no span
    crosses changes no decision, and counts add up over parts as over documents. Its work on a document grows with
    gold mentions x predictions, and with its label set: each part but the last holds PART_GOLD gold mentions or more.
    """
    cuts: list[int] = []  # each part after the first starts at one of these offsets
    reach, gold = -1, 0
    for start, end, is_gold in sorted([(e["start"], e["end"], True) for e in truth] + [(e["start"], e["end"], False) for e in kept]):
        if start > reach and gold >= PART_GOLD:  # every span so far ends before this one starts (ends are inclusive)
            cuts.append(start)
            gold = 0
        reach = max(reach, end)
        gold += is_gold
    truth_parts: list[list[dict[str, Any]]] = [[] for _ in range(len(cuts) + 1)]
    kept_parts: list[list[dict[str, Any]]] = [[] for _ in range(len(cuts) + 1)]
    for entities, parts in ((truth, truth_parts), (kept, kept_parts)):
        for e in entities:
            parts[bisect_right(cuts, e["start"])].append(e)
    return truth_parts, kept_parts


def _add_counts(total: EvaluationResult, part: EvaluationResult) -> None:
    total.correct += part.correct
    total.incorrect += part.incorrect
    total.partial += part.partial
    total.missed += part.missed
    total.spurious += part.spurious


class EntityScores:
    """nervaluate's counts per scheme, overall and per type, summed over documents as its Evaluator sums them;
    precision, recall and F1 come from the sums by its own formula (EvaluationResult.compute_metrics)."""

    def __init__(self) -> None:
        self.tags = label_set("entity_type")
        self.overall = {scheme: EvaluationResult() for scheme in ENTITY_SCHEMES.values()}
        self.per_type: dict[str, dict[str, EvaluationResult]] = defaultdict(lambda: {scheme: EvaluationResult() for scheme in ENTITY_SCHEMES.values()})

    def add(self, gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> None:
        """One document: entities in the predictions format (end exclusive)."""
        kept, spurious = _worth_matching(gold, predicted)
        truth = [{"label": g["type"], "start": g["start"], "end": g["end"] - 1} for g in gold]
        for truth_part, kept_part in zip(*_parts(truth, kept)):  # one Evaluator a part: its per-prediction lists go with it
            self._add_results(Evaluator([truth_part], [kept_part], tags=self.tags, loader="dict").evaluate())
        for total in self.overall.values():
            total.spurious += sum(spurious.values())
        for tag, count in spurious.items():
            for total in self.per_type[tag].values():
                total.spurious += count

    def strict_counts(self) -> Counts:
        """The strict scheme's running counts as tp/fp/fn (an incorrect or partial pair is one of each)."""
        t = self.overall["strict"]
        pairs = t.incorrect + t.partial
        return Counts(t.correct, pairs + t.spurious, pairs + t.missed, pairs)

    def _add_results(self, results: dict[str, Any]) -> None:
        for scheme, total in self.overall.items():
            _add_counts(total, results["overall"][scheme])
        for tag, by_scheme in results["entities"].items():
            for scheme, total in self.per_type[tag].items():
                _add_counts(total, by_scheme[scheme])

    def report(self) -> dict[str, Any]:
        report: dict[str, Any] = {}
        for name, scheme in ENTITY_SCHEMES.items():
            per_type = {tag: _prf_from_nervaluate(self.per_type[tag][scheme], scheme) for tag in sorted(self.per_type)}
            present = [t for t in per_type if per_type[t]["possible"] > 0]
            report[name] = {
                "micro": _prf_from_nervaluate(self.overall[scheme], scheme),
                "macro_f1": round(sum(per_type[t]["f1"] for t in present) / len(present), 4) if present else 0.0,
                "per_type": per_type,
            }
        return report


def score_entities(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> dict[str, Any]:
    """Entity scores of documents in the predictions format (gold and predicted in the same order)."""
    scores = EntityScores()
    for g, p in zip(gold, predicted):
        scores.add(g.get("entities", []), p.get("entities", []))
    return scores.report()


def _prf_from_nervaluate(result: EvaluationResult, scheme: str) -> dict[str, Any]:
    result.compute_metrics(partial_or_type=scheme in HALF_CREDIT_SCHEMES)
    values = vars(result)
    keys = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual", "precision", "recall", "f1")
    return {k: (round(values[k], 4) if isinstance(values[k], float) else values[k]) for k in keys}


def _trigger(e: dict[str, Any]) -> tuple[int, int]:
    return e["trigger"]["start"], e["trigger"]["end"]


def _event_type(e: dict[str, Any]) -> str | None:
    return e.get("plover") or e.get("ace")


EVENT_MEASURES = ("trigger_identification", "trigger_classification", "trigger_classification_ace", "argument_identification", "argument_classification")


def event_tuples(record: dict[str, Any]) -> dict[str, set[tuple[Any, ...]]]:
    events = record.get("events", [])
    return {
        "trigger_identification": {_trigger(e) for e in events},
        "trigger_classification": {(*_trigger(e), _event_type(e)) for e in events},
        "trigger_classification_ace": {(*_trigger(e), e.get("ace")) for e in events if e.get("ace")},
        "argument_identification": {(_event_type(e), a["start"], a["end"]) for e in events for a in e.get("arguments", [])},
        "argument_classification": {(_event_type(e), a["start"], a["end"], a["role"]) for e in events for a in e.get("arguments", [])},
    }


def _by_type(tuples: set[tuple[Any, ...]]) -> dict[str, set[tuple[Any, ...]]]:
    grouped: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for item in tuples:
        grouped[str(item[2])].add(item)
    return grouped


class EventScores:
    """Event counts (true/false positives, false negatives; attribute agreement), summed over documents."""

    def __init__(self) -> None:
        self.totals = {name: PRF(0, 0, 0) for name in EVENT_MEASURES}
        self.per_type: dict[str, PRF] = defaultdict(lambda: PRF(0, 0, 0))
        self.attributes = {"mode": [0, 0], "realis": [0, 0], "date": [0, 0]}  # correct, scored

    def add(self, gold: dict[str, Any], predicted: dict[str, Any]) -> dict[str, PRF]:
        """One document, gold and predicted in the predictions format; returns its counts by measure."""
        gold_t, pred_t = event_tuples(gold), event_tuples(predicted)
        counts = {name: match(gold_t[name], pred_t[name]) for name in EVENT_MEASURES}
        for name in EVENT_MEASURES:
            self.totals[name] += counts[name]
        gold_by_type, pred_by_type = _by_type(gold_t["trigger_classification"]), _by_type(pred_t["trigger_classification"])
        for event_type in gold_by_type.keys() | pred_by_type.keys():
            self.per_type[event_type] += match(gold_by_type.get(event_type, set()), pred_by_type.get(event_type, set()))
        # Attribute accuracy over events matched by trigger span and type.
        predicted_by_key = {(*_trigger(e), _event_type(e)): e for e in predicted.get("events", [])}
        for e in gold.get("events", []):
            other = predicted_by_key.get((*_trigger(e), _event_type(e)))
            if other is None:
                continue
            for attribute, agreement in self.attributes.items():
                if attribute in other:
                    agreement[1] += 1
                    agreement[0] += _same(attribute, e.get(attribute), other.get(attribute))
        return counts

    def report(self) -> dict[str, Any]:
        present = [t for t, v in self.per_type.items() if v.tp + v.fn > 0]
        return {
            **{name: value.as_dict() for name, value in self.totals.items()},
            "trigger_classification_per_type": {t: self.per_type[t].as_dict() for t in sorted(self.per_type)},
            "trigger_classification_macro_f1": round(sum(self.per_type[t].f1 for t in present) / len(present), 4) if present else 0.0,
            "attribute_accuracy_on_matched": {k: {"correct": c, "scored": n, "accuracy": round(c / n, 4) if n else None} for k, (c, n) in self.attributes.items()},
        }


def score_events(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> dict[str, Any]:
    """Event scores of documents in the predictions format (gold and predicted in the same order)."""
    scores = EventScores()
    for g, p in zip(gold, predicted):
        scores.add(g, p)
    return scores.report()


def _same(attribute: str, gold: Any, predicted: Any) -> bool:
    if attribute == "date":
        if gold is None or predicted is None:
            return gold is predicted
        return (gold["start"], gold["end"], gold["granularity"]) == (predicted["start"], predicted["end"], predicted["granularity"])
    return gold == predicted


def _names(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The name-level mentions (a prediction without `level` is taken as a name)."""
    return [m for m in entities if m.get("level", NAME) == NAME]


def _level_agreement(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> tuple[int, int]:
    """(correct, scored): `level` of gold mentions that a prediction giving a level matches by span and type (its first)."""
    levels: dict[tuple[int, int, str], str] = {}
    for p in predicted:
        if "level" in p:
            levels.setdefault((p["start"], p["end"], p["type"]), p["level"])
    scored = [levels[key] == g["level"] for g in gold if (key := (g["start"], g["end"], g["type"])) in levels]
    return sum(scored), len(scored)


class Scorer:
    """Scores of one split, added one document's predictions at a time (checked ones: check_predictions).

    Gold documents may come as release records or as `datasets` rows (gold_document). `resamples` bootstrap
    resamples give the intervals of the headline F1s (0: none), drawn with `seed`."""

    def __init__(self, gold: Iterable[Mapping[str, Any]], resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> None:
        self.texts: dict[str, str] = {}  # doc_id -> text, for check_predictions
        self.gold: dict[str, dict[str, Any]] = {}  # doc_id -> gold in the predictions format
        self.gold_quotations: dict[str, GoldQuotations | None] = {}  # doc_id -> its quotation layer (None: the release has none)
        for row in gold:
            doc = gold_document(row)
            self.texts[doc["id"]] = doc["text"]
            self.gold[doc["id"]] = gold_as_predictions(doc)
            self.gold_quotations[doc["id"]] = None if doc.get("quotations") is None else GoldQuotations(doc)
        self.resamples, self.seed = resamples, seed
        self.scored: set[str] = set()
        self.entities = EntityScores()  # headline: name-level mentions
        self.entities_all_levels = EntityScores()
        self.levels = [0, 0]  # correct, scored
        self.events = EventScores()
        self.quotations = QuotationScores()
        self.per_document: dict[str, list[Counts]] = {name: [] for name in HEADLINE}

    def add(self, doc_id: str, predicted: dict[str, Any]) -> None:
        gold = self.gold[doc_id]
        entities = predicted.get("entities", [])
        before = self.entities.strict_counts()
        self.entities.add(_names(gold["entities"]), _names(entities))
        after = self.entities.strict_counts()
        self.per_document["entity_strict_names"].append(after - before)
        self.entities_all_levels.add(gold["entities"], entities)
        correct, scored = _level_agreement(gold["entities"], entities)
        self.levels[0] += correct
        self.levels[1] += scored
        for name, counts in self.events.add(gold, predicted).items():
            if name in self.per_document:
                self.per_document[name].append(Counts(counts.tp, counts.fp, counts.fn))
        self.quotations.add(doc_id, self.gold_quotations[doc_id], predicted)
        self.scored.add(doc_id)

    def report(self) -> dict[str, Any]:
        """The full report; gold documents with no prediction are scored as empty now (once) and listed."""
        missing = sorted(set(self.gold) - self.scored)
        for doc_id in missing:
            self.add(doc_id, {"doc_id": doc_id, "entities": [], "events": []})
        correct, scored = self.levels
        return {
            "documents": len(self.gold),
            "documents_without_prediction": missing,
            "entities": self.entities.report(),
            "entities_scope": "name-level gold mentions (the ner config's); predictions with level 'name' or no level",
            "entities_all_levels": self.entities_all_levels.report(),
            "level_accuracy_on_matched": {"correct": correct, "scored": scored, "accuracy": round(correct / scored, 4) if scored else None},
            "events": self.events.report(),
            "quotations": self.quotations.report(),
            "confidence_intervals": self._intervals(),
        }

    def _intervals(self) -> dict[str, Any]:
        if self.resamples <= 0:
            return {"resamples": 0}
        return {
            "level": 0.95,
            "method": "percentile bootstrap; documents: the split's documents drawn with replacement; items: its scored mentions or event tuples drawn with replacement",
            "resamples": self.resamples,
            "seed": self.seed,
            "measures": {name: intervals(self.per_document[name], self.resamples, self.seed) for name in HEADLINE},
        }


def evaluate(gold: Iterable[Mapping[str, Any]], predictions: Predictions, bootstrap: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Pure core: gold documents (release records, or `documents` rows as `datasets` returns them) + parsed
    predictions -> the full report, with `bootstrap` resamples for the intervals (0: none)."""
    scorer = Scorer(gold, bootstrap, seed)
    for doc_id in scorer.gold:
        if doc_id not in predictions.missing:
            scorer.add(doc_id, predictions.by_doc[doc_id])
    return scorer.report()


def _ci(interval: dict[str, float] | None, none: str) -> str:
    return none if interval is None else f"[{interval['low']:.3f}, {interval['high']:.3f}]"


def format_intervals(intervals: dict[str, Any], documents: int) -> list[str]:
    """The interval lines of the printed report."""
    if not intervals["resamples"]:
        return ["95% bootstrap intervals: off (--bootstrap 0)"]
    out = [f"95% bootstrap intervals of F1 ({intervals['resamples']} resamples, seed {intervals['seed']}): documents resampled | items resampled"]
    no_documents = f"n/a ({documents} document{'s' if documents != 1 else ''})"
    for name, v in intervals["measures"].items():
        out.append(f"  {name:<30}{v['f1']:>7.3f}  documents {_ci(v['documents'], no_documents):<18} items {_ci(v['items'], 'n/a (no items)')}")
    return out


def format_report(report: dict[str, Any], split: str) -> str:
    out = [f"split {split}: {report['documents']} documents"]
    if report["documents_without_prediction"]:
        out.append(f"no prediction for {len(report['documents_without_prediction'])} document(s), scored as empty: {', '.join(report['documents_without_prediction'])}")
    out.append(f"{'entities, name-level (nervaluate)':<32}{prf_header(7)}{'macroF1':>9}")
    for name, scheme in report["entities"].items():
        m = scheme["micro"]
        macro = "=strict" if name == "exact_span" else f"{scheme['macro_f1']:.3f}"
        out.append(f"  {name:<30}{prf_cells(m['precision'], m['recall'], m['f1'], 7)}{macro:>9}")
    out.append("  strict, per type:" + "".join(f" {t} {v['f1']:.3f}" for t, v in report["entities"]["strict"]["per_type"].items()))
    out.append("  (nervaluate scores each type over mentions of that type only, so exact_span per type, and its macro F1, equal strict's)")
    everything = report["entities_all_levels"]["strict"]["micro"]
    out.append(f"  {'strict, all levels':<30}{prf_cells(everything['precision'], everything['recall'], everything['f1'], 7)}   (names, nominals and pronouns; every prediction)")
    level = report["level_accuracy_on_matched"]
    shown = "n/a (not predicted)" if level["accuracy"] is None else f"{level['accuracy']:.3f} ({level['correct']}/{level['scored']})"
    out.append(f"  level accuracy on mentions matched by span and type, all levels: {shown}")
    out.append(f"{'events':<32}{prf_header(7)}")
    for name in ("trigger_identification", "trigger_classification", "trigger_classification_ace", "argument_identification", "argument_classification"):
        v = report["events"][name]
        out.append(f"  {name:<30}{prf_cells(v['precision'], v['recall'], v['f1'], 7)}")
    out.append(f"  trigger classification macro F1 over PLOVER types: {report['events']['trigger_classification_macro_f1']:.3f}")
    for name, v in report["events"]["attribute_accuracy_on_matched"].items():
        acc = "n/a (not predicted)" if v["accuracy"] is None else f"{v['accuracy']:.3f} ({v['correct']}/{v['scored']})"
        out.append(f"  {name} accuracy on matched events: {acc}")
    if "quotations" in report:  # reports written before the quotation layer have none
        out.extend(format_quotations(report["quotations"]))
    out.extend(format_intervals(report["confidence_intervals"], report["documents"]))
    return "\n".join(out)


def main_evaluate(predictions_path: str, split: str, release_dir: Path, json_out: str | None, resamples: int = DEFAULT_RESAMPLES) -> int:
    """`detente evaluate --split test --predictions FILE [--json OUT] [--bootstrap N]`."""
    started = time.perf_counter()
    path = Path(predictions_path)
    size = check_readable_file(path, "JSONL file").st_size
    if json_out:
        check_output_file(Path(json_out))
    scorer = Scorer(iter_gold(release_dir, split), resamples)
    show = None if size >= PROGRESS_FROM_BYTES else True  # None: a bar when stderr is a terminal
    with tqdm(total=size, desc=path.name, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, disable=show, leave=False) as bar:
        for doc_id, record in check_predictions(iter_jsonl(path, on_bytes=bar.update), scorer.texts):
            scorer.add(doc_id, record)
            del record  # not held while the next line is read
    report = scorer.report()
    print(format_report(report, split))
    if json_out:
        write_bytes_atomically(Path(json_out), json_bytes(report))
    print(f"evaluated in {time.perf_counter() - started:.2f} s")
    return 0
