"""Properties of the scorer on random predictions (hypothesis): valid predictions never crash it and every figure
stays in [0, 1]; the gold itself scores exactly 1.0 on every measure, whatever its order; and the streaming entity
scorer (running counts, predictions nervaluate could only call spurious counted without it, documents cut in parts)
gives exactly what one nervaluate Evaluator over whole documents gives."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator

from conftest import REPO
from detente.bench.evaluate import ENTITY_SCHEMES, EntityScores, evaluate, gold_as_predictions, load_gold, parse_predictions
from detente.pipeline.splits import SPLITS
from detente.schemas import label_set
from detente.version import DATASET_VERSION

RELEASE = REPO / "annotated" / DATASET_VERSION
GOLD = {split: load_gold(RELEASE, split) for split in SPLITS}
TEST = GOLD["test"]
ALL_DOCUMENTS = [doc for split in SPLITS for doc in GOLD[split]]
LABELS = {name: label_set(name) for name in ("entity_type", "plover_type", "plover_mode", "ace_subtype", "realis", "argument_role")}
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def span(draw: st.DrawFn, text: str, near: dict[str, Any] | None) -> dict[str, Any]:
    """A span of `text`: `near` moved by a few characters at either end, or anywhere; with its text or not."""
    if near is not None and draw(st.booleans()):
        start = min(max(near["start"] + draw(st.integers(-3, 3)), 0), len(text) - 1)
        end = min(max(near["end"] + draw(st.integers(-3, 3)), start + 1), len(text))
    else:
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 25)))
    return {"start": start, "end": end, **({"text": text[start:end]} if draw(st.booleans()) else {})}


@st.composite
def entity(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    near = draw(st.sampled_from(doc["entities"])) if doc["entities"] else None
    kind = draw(st.sampled_from(LABELS["entity_type"]) | st.just(near["type"] if near else "PER"))
    return {**draw(span(doc["text"], near)), "type": kind}


@st.composite
def event(draw: st.DrawFn, doc: dict[str, Any], gold: dict[str, Any]) -> dict[str, Any]:
    near = draw(st.sampled_from(gold["events"])) if gold["events"] else None
    arguments = draw(st.lists(st.sampled_from(gold["events"][0]["arguments"] or [{"start": 0, "end": 1}]) if gold["events"] else st.just({"start": 0, "end": 1}), max_size=3))
    record: dict[str, Any] = {
        "trigger": draw(span(doc["text"], near["trigger"] if near else None)),
        "plover": draw(st.sampled_from(LABELS["plover_type"]) | st.just(near["plover"] if near else None)),
        "arguments": [{**draw(span(doc["text"], a)), "role": draw(st.sampled_from(LABELS["argument_role"]))} for a in arguments],
    }
    for name, values in (("mode", LABELS["plover_mode"]), ("ace", LABELS["ace_subtype"])):
        if draw(st.booleans()):
            record[name] = draw(st.sampled_from(values) | st.none() | st.just(near[name] if near else None))
    if draw(st.booleans()):
        record["realis"] = draw(st.sampled_from(LABELS["realis"]))
    if near is not None and draw(st.booleans()):
        record["date"] = near["date"]
    return record


@st.composite
def prediction(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """Predictions for one document: some gold mentions and events (duplicates possible), perturbed or not, and
    spurious ones, in any order."""
    gold = gold_as_predictions(doc)
    entities = draw(st.lists(st.sampled_from(gold["entities"]) | entity(doc), max_size=40)) if gold["entities"] else draw(st.lists(entity(doc), max_size=10))
    events = draw(st.lists(st.sampled_from(gold["events"]) | event(doc, gold), max_size=12)) if gold["events"] else []
    return {"doc_id": doc["id"], "entities": entities, "events": events}


def figures(report: dict[str, Any]) -> list[float]:
    """Every precision, recall, F1, macro F1 and accuracy of a report."""
    found: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("precision", "recall", "f1", "macro_f1", "accuracy") or key.endswith("macro_f1"):
                    if value is not None:
                        found.append(value)
                else:
                    walk(value)

    walk(report)
    return found


@SETTINGS
@given(st.data())
def test_random_valid_predictions_never_crash_and_score_within_0_and_1(data):
    gold = GOLD[data.draw(st.sampled_from(SPLITS))]
    chosen = data.draw(st.lists(st.sampled_from(gold), unique_by=lambda d: d["id"]))
    lines = [json.dumps(data.draw(prediction(doc))) for doc in chosen]
    report = evaluate(gold, parse_predictions(lines, gold))
    values = figures(report)
    assert values and all(0.0 <= v <= 1.0 for v in values)
    assert report["documents_without_prediction"] == sorted({d["id"] for d in gold} - {d["id"] for d in chosen})


@SETTINGS
@given(st.data())
def test_the_gold_scores_exactly_one_on_every_measure_in_any_order(data):
    gold = GOLD[data.draw(st.sampled_from(SPLITS))]
    records = []
    for doc in data.draw(st.permutations(gold)):
        record = gold_as_predictions(doc)
        record["entities"] = data.draw(st.permutations(record["entities"]))
        record["events"] = data.draw(st.permutations(record["events"]))
        if data.draw(st.booleans()):  # text is optional
            for e in record["entities"]:
                del e["text"]
        records.append(json.dumps(record))
    report = evaluate(gold, parse_predictions(records, gold))
    for name, scheme in report["entities"].items():
        assert scheme["micro"]["precision"] == scheme["micro"]["recall"] == scheme["micro"]["f1"] == scheme["macro_f1"] == 1.0, name
        assert all(v["f1"] == 1.0 for v in scheme["per_type"].values()), name
    events = report["events"]
    measures = [events[name] for name in ("trigger_identification", "trigger_classification", "trigger_classification_ace", "argument_identification", "argument_classification")]
    measures += list(events["trigger_classification_per_type"].values())
    for v in measures:
        assert v["fp"] == v["fn"] == 0
        assert v["tp"] == 0 or v["precision"] == v["recall"] == v["f1"] == 1.0
    assert events["trigger_classification_macro_f1"] == 1.0
    assert all(v["accuracy"] == 1.0 for v in events["attribute_accuracy_on_matched"].values() if v["scored"])


def nervaluate_counts(gold: list[list[dict[str, Any]]], predicted: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """What the scorer did before streaming: one Evaluator over whole documents."""
    def form(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"label": e["type"], "start": e["start"], "end": e["end"] - 1} for e in entities]

    results = Evaluator([form(g) for g in gold], [form(p) for p in predicted], tags=LABELS["entity_type"], loader="dict").evaluate()
    keys = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual", "precision", "recall", "f1")
    return {
        scheme: {
            "micro": {k: round(getattr(results["overall"][scheme], k), 4) for k in keys},
            "per_type": {tag: {k: round(getattr(results["entities"][tag][scheme], k), 4) for k in keys} for tag in sorted(results["entities"])},
        }
        for scheme in ENTITY_SCHEMES.values()
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_streaming_entity_scores_equal_one_nervaluate_evaluator_over_whole_documents(data):
    docs = data.draw(st.lists(st.sampled_from(ALL_DOCUMENTS), min_size=1, max_size=4))
    gold = [gold_as_predictions(doc)["entities"] for doc in docs]
    predicted = [data.draw(prediction(doc))["entities"] for doc in docs]
    # many copies of a few spans: the case where predictions beyond the gold they overlap are counted without nervaluate
    predicted[0] += data.draw(st.lists(st.sampled_from(predicted[0] or gold[0] or [{"start": 0, "end": 1, "type": "PER"}]), max_size=30))
    scores = EntityScores()
    for g, p in zip(gold, predicted):
        scores.add(g, p)
    report = scores.report()
    expected = nervaluate_counts(gold, predicted)
    for name, scheme in ENTITY_SCHEMES.items():
        assert {k: report[name]["micro"][k] for k in expected[scheme]["micro"]} == expected[scheme]["micro"], name
        assert {t: {k: v[k] for k in expected[scheme]["micro"]} for t, v in report[name]["per_type"].items()} == expected[scheme]["per_type"], name


def test_copies_beyond_the_gold_they_overlap_are_spurious_as_nervaluate_says():
    gold = [{"start": 0, "end": 7, "type": "PER"}, {"start": 5, "end": 9, "type": "ORG"}]
    predicted = [{"start": 0, "end": 7, "type": "PER"}] * 4 + [{"start": 20, "end": 25, "type": "GPE"}] * 3
    scores = EntityScores()
    scores.add(gold, predicted)
    report = scores.report()
    expected = nervaluate_counts([gold], [predicted])
    assert report["strict"]["micro"] == expected["strict"]["micro"]
    assert (report["strict"]["micro"]["correct"], report["strict"]["micro"]["incorrect"], report["strict"]["micro"]["spurious"]) == (1, 1, 5)
    assert report["strict"]["per_type"]["GPE"]["spurious"] == 3  # a type only spurious predictions have is listed
