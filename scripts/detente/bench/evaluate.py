"""Evaluate: score a predictions file against the gold of one split.

Entity scoring uses `nervaluate` (strict, exact-span, partial-overlap and type-only schemes, as in SemEval-2013
task 9.1); event scoring follows the ACE/OneIE/TextEE definitions, which no maintained library implements:
- trigger identification: the predicted trigger span equals a gold trigger span;
- trigger classification: span and event type (PLOVER) both match; the ACE variant compares ACE subtypes over
  events that have one;
- argument identification: (event type, argument span) matches a gold argument of the same document; the
  trigger span itself need not match;
- argument classification: argument identification plus the role.
Each tuple counts once per document; figures are micro-averaged over documents; macro averages are over types.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nervaluate import Evaluator

from detente.errors import InputError, SchemaError
from detente.io import json_bytes, read_jsonl, write_bytes_atomically
from detente.offsets import check_span
from detente.pipeline.splits import SPLITS
from detente.schemas import label_set, validate
from detente.scoring import PRF, match, prf_cells, prf_header

ENTITY_SCHEMES = {"strict": "strict", "exact_span": "exact", "partial_overlap": "partial", "type_only": "ent_type"}


@dataclass
class Predictions:
    by_doc: dict[str, dict[str, Any]]
    missing: list[str] = field(default_factory=list)  # gold documents with no prediction line (scored as empty)


def load_gold(release_dir: Path, split: str) -> list[dict[str, Any]]:
    if split not in SPLITS:
        raise InputError(str(release_dir), f"unknown split {split!r} (choose from {', '.join(SPLITS)})")
    path = release_dir / "documents" / f"{split}.jsonl"
    return read_jsonl(path)


def _check_span(span: dict[str, Any], text: str, where: str) -> None:
    check_span(text, span["start"], span["end"], span.get("text"), where, error=InputError)  # a prediction's text is optional


def parse_predictions(lines: list[str], gold: list[dict[str, Any]], path: str = "<predictions>") -> Predictions:
    """Validate every prediction line against the schema and the gold texts; errors name the line and field."""
    texts = {doc["id"]: doc["text"] for doc in gold}
    by_doc: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        where = f"{path}:{number}"
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(where, f"invalid JSON: {err.msg} (column {err.colno})") from None
        try:
            validate(record, "predictions", where)
        except SchemaError as err:
            raise SchemaError(where, err.problem.replace("does not match schema 'predictions': ", "")) from None
        doc_id = record["doc_id"]
        if doc_id not in texts:
            raise InputError(f"{where}: doc_id", f"unknown document {doc_id!r} (not in this split)")
        if doc_id in by_doc:
            raise InputError(f"{where}: doc_id", f"second prediction for {doc_id!r}")
        text = texts[doc_id]
        for k, entity in enumerate(record.get("entities", [])):
            _check_span(entity, text, f"{where}: entities[{k}]")
        for k, event in enumerate(record.get("events", [])):
            _check_span(event["trigger"], text, f"{where}: events[{k}].trigger")
            for j, arg in enumerate(event.get("arguments", [])):
                _check_span(arg, text, f"{where}: events[{k}].arguments[{j}]")
        by_doc[doc_id] = record
    missing = sorted(set(texts) - set(by_doc))
    for doc_id in missing:
        by_doc[doc_id] = {"doc_id": doc_id, "entities": [], "events": []}
    return Predictions(by_doc, missing)


def gold_as_predictions(doc: dict[str, Any]) -> dict[str, Any]:
    """The gold of one document in the predictions format (arguments as spans)."""
    spans = {m["id"]: m for m in doc["entities"]}
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
    }


def _entities_for_nervaluate(record: dict[str, Any]) -> list[dict[str, Any]]:
    # nervaluate treats both offsets as inclusive.
    return [{"label": e["type"], "start": e["start"], "end": e["end"] - 1} for e in record.get("entities", [])]


def score_entities(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> dict[str, Any]:
    tags = label_set("entity_type")
    results = Evaluator([_entities_for_nervaluate(g) for g in gold], [_entities_for_nervaluate(p) for p in predicted], tags=tags, loader="dict").evaluate()
    report: dict[str, Any] = {}
    for name, scheme in ENTITY_SCHEMES.items():
        overall = results["overall"][scheme]
        per_type = {tag: _prf_from_nervaluate(results["entities"][tag][scheme]) for tag in sorted(results["entities"])}
        present = [t for t in per_type if per_type[t]["possible"] > 0]
        report[name] = {
            "micro": _prf_from_nervaluate(overall),
            "macro_f1": round(sum(per_type[t]["f1"] for t in present) / len(present), 4) if present else 0.0,
            "per_type": per_type,
        }
    return report


def _prf_from_nervaluate(result: Any) -> dict[str, Any]:
    values = result if isinstance(result, dict) else vars(result)
    keys = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual", "precision", "recall", "f1")
    return {k: (round(values[k], 4) if isinstance(values[k], float) else values[k]) for k in keys}


def _trigger(e: dict[str, Any]) -> tuple[int, int]:
    return e["trigger"]["start"], e["trigger"]["end"]


def _event_type(e: dict[str, Any]) -> str | None:
    return e.get("plover") or e.get("ace")


def event_tuples(record: dict[str, Any]) -> dict[str, set[tuple[Any, ...]]]:
    events = record.get("events", [])
    return {
        "trigger_identification": {_trigger(e) for e in events},
        "trigger_classification": {(*_trigger(e), _event_type(e)) for e in events},
        "trigger_classification_ace": {(*_trigger(e), e.get("ace")) for e in events if e.get("ace")},
        "argument_identification": {(_event_type(e), a["start"], a["end"]) for e in events for a in e.get("arguments", [])},
        "argument_classification": {(_event_type(e), a["start"], a["end"], a["role"]) for e in events for a in e.get("arguments", [])},
    }


def score_events(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, PRF] = defaultdict(lambda: PRF(0, 0, 0))
    per_type: dict[str, PRF] = defaultdict(lambda: PRF(0, 0, 0))
    attributes = {"mode": [0, 0], "realis": [0, 0], "date": [0, 0]}
    for g, p in zip(gold, predicted):
        gold_t, pred_t = event_tuples(g), event_tuples(p)
        for name in gold_t:
            totals[name] += match(gold_t[name], pred_t[name])
        types = {t for *_, t in gold_t["trigger_classification"] | pred_t["trigger_classification"]}
        for event_type in types:
            per_type[str(event_type)] += match(
                {x for x in gold_t["trigger_classification"] if x[2] == event_type}, {x for x in pred_t["trigger_classification"] if x[2] == event_type}
            )
        # Attribute accuracy over events matched by trigger span and type.
        predicted_by_key = {(*_trigger(e), _event_type(e)): e for e in p.get("events", [])}
        for e in g.get("events", []):
            other = predicted_by_key.get((*_trigger(e), _event_type(e)))
            if other is None:
                continue
            for attribute in attributes:
                if attribute in other:
                    attributes[attribute][1] += 1
                    attributes[attribute][0] += _same(attribute, e.get(attribute), other.get(attribute))
    present = [t for t, v in per_type.items() if v.tp + v.fn > 0]
    return {
        **{name: value.as_dict() for name, value in totals.items()},
        "trigger_classification_per_type": {t: per_type[t].as_dict() for t in sorted(per_type)},
        "trigger_classification_macro_f1": round(sum(per_type[t].f1 for t in present) / len(present), 4) if present else 0.0,
        "attribute_accuracy_on_matched": {k: {"correct": c, "scored": n, "accuracy": round(c / n, 4) if n else None} for k, (c, n) in attributes.items()},
    }


def _same(attribute: str, gold: Any, predicted: Any) -> bool:
    if attribute == "date":
        if gold is None or predicted is None:
            return gold is predicted
        return (gold["start"], gold["end"], gold["granularity"]) == (predicted["start"], predicted["end"], predicted["granularity"])
    return gold == predicted


def evaluate(gold: list[dict[str, Any]], predictions: Predictions) -> dict[str, Any]:
    """Pure core: gold documents + parsed predictions -> the full report."""
    predicted = [predictions.by_doc[doc["id"]] for doc in gold]
    gold_records = [gold_as_predictions(doc) for doc in gold]
    return {
        "documents": len(gold),
        "documents_without_prediction": predictions.missing,
        "entities": score_entities(gold_records, predicted),
        "events": score_events(gold_records, predicted),
    }


def format_report(report: dict[str, Any], split: str) -> str:
    out = [f"split {split}: {report['documents']} documents"]
    if report["documents_without_prediction"]:
        out.append(f"no prediction for {len(report['documents_without_prediction'])} document(s), scored as empty: {', '.join(report['documents_without_prediction'])}")
    out.append(f"{'entities (nervaluate)':<32}{prf_header(7)}{'macroF1':>9}")
    for name, scheme in report["entities"].items():
        m = scheme["micro"]
        out.append(f"  {name:<30}{prf_cells(m['precision'], m['recall'], m['f1'], 7)}{scheme['macro_f1']:>9.3f}")
    out.append("  strict, per type:" + "".join(f" {t} {v['f1']:.3f}" for t, v in report["entities"]["strict"]["per_type"].items()))
    out.append(f"{'events':<32}{prf_header(7)}")
    for name in ("trigger_identification", "trigger_classification", "trigger_classification_ace", "argument_identification", "argument_classification"):
        v = report["events"][name]
        out.append(f"  {name:<30}{prf_cells(v['precision'], v['recall'], v['f1'], 7)}")
    out.append(f"  trigger classification macro F1 over PLOVER types: {report['events']['trigger_classification_macro_f1']:.3f}")
    for name, v in report["events"]["attribute_accuracy_on_matched"].items():
        acc = "n/a (not predicted)" if v["accuracy"] is None else f"{v['accuracy']:.3f} ({v['correct']}/{v['scored']})"
        out.append(f"  {name} accuracy on matched events: {acc}")
    return "\n".join(out)


def main_evaluate(predictions_path: str, split: str, release_dir: Path, json_out: str | None) -> int:
    """`detente evaluate --split test --predictions FILE [--json OUT]`."""
    started = time.perf_counter()
    gold = load_gold(release_dir, split)
    path = Path(predictions_path)
    try:
        lines = path.read_text(encoding="utf-8").split("\n")  # JSONL: "\n" only (see detente.io.iter_jsonl)
    except FileNotFoundError:
        raise InputError(predictions_path, "no such file") from None
    except UnicodeDecodeError as err:
        raise InputError(predictions_path, f"not valid UTF-8 at byte {err.start}") from None
    report = evaluate(gold, parse_predictions(lines, gold, predictions_path))
    print(format_report(report, split))
    if json_out:
        write_bytes_atomically(Path(json_out), json_bytes(report))
    print(f"evaluated in {time.perf_counter() - started:.2f} s")
    return 0
