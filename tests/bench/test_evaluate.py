"""Benchmark kit: the scorer (hand-computed cases, perfect and empty predictions), malformed input, baselines."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO
from detente.bench.baselines import (
    BaselineUnavailable,
    LexicalBaseline,
    gliner_predictor,
    spacy_predictor,
)
from detente.bench.evaluate import (
    evaluate,
    gold_as_predictions,
    load_gold,
    parse_predictions,
)
from detente.errors import InputError, SchemaError
from detente.pipeline.splits import SPLITS
from detente.version import DATASET_VERSION

RELEASE = REPO / "annotated" / DATASET_VERSION
TEXT = "Wang Yi met Antony Blinken in Washington on Thursday."


def _doc(entities, events):
    return {"id": "dtn-000000000000", "text": TEXT, "entities": entities, "events": events}


def _m(i, s, e, t):
    return {"id": i, "start": s, "end": e, "text": TEXT[s:e], "type": t, "level": "name", "entity_id": None}


GOLD = [
    _doc(
        [_m("m1", 0, 7, "PER"), _m("m2", 12, 26, "PER"), _m("m3", 30, 40, "GPE"), _m("m4", 44, 52, "DATE")],
        [{"id": "v1", "trigger": {"start": 8, "end": 11, "text": "met"}, "plover": "CONSULT", "mode": "visit", "ace": "Contact:Meet", "realis": "actual",
          "arguments": [{"role": "actor", "mention_id": "m1"}, {"role": "recipient", "mention_id": "m2"}, {"role": "place", "mention_id": "m3"}],
          "date": {"start": "2023-10-26", "end": None, "granularity": "day", "anchor": "publication_date", "expression": "on Thursday"}, "cluster_id": "evt:x"}],
    )
]


def _report(pred: dict) -> dict:
    return evaluate(GOLD, parse_predictions([json.dumps({"doc_id": "dtn-000000000000", **pred})], GOLD))


def test_perfect_predictions_score_one_on_every_split():
    for split in SPLITS:
        gold = load_gold(RELEASE, split)
        report = evaluate(gold, parse_predictions([json.dumps(gold_as_predictions(d)) for d in gold], gold))
        assert all(s["micro"]["f1"] == 1.0 for s in report["entities"].values())
        for key in ("trigger_identification", "trigger_classification", "argument_identification", "argument_classification"):
            assert report["events"][key]["f1"] == 1.0
        assert all(v["accuracy"] == 1.0 for v in report["events"]["attribute_accuracy_on_matched"].values())


def test_empty_predictions_score_zero_and_missing_documents_are_reported():
    gold = load_gold(RELEASE, "train")
    report = evaluate(gold, parse_predictions([], gold))
    assert report["documents_without_prediction"] == sorted(d["id"] for d in gold)
    assert all(s["micro"]["f1"] == 0 for s in report["entities"].values())
    assert report["events"]["trigger_classification"] == {**report["events"]["trigger_classification"], "tp": 0, "fp": 0, "f1": 0.0}


def test_entity_schemes_hand_computed():
    # PER exact; GPE span shifted (partial overlap); DATE typed as TIME (span exact); Blinken missed; one spurious.
    pred = {"entities": [
        {"start": 0, "end": 7, "type": "PER"},
        {"start": 33, "end": 40, "type": "GPE"},
        {"start": 44, "end": 52, "type": "TIME"},
        {"start": 8, "end": 11, "type": "ORG"},
    ]}
    e = _report(pred)["entities"]
    # strict: 1 correct of 4 gold and 4 predicted.
    assert (e["strict"]["micro"]["precision"], e["strict"]["micro"]["recall"]) == (0.25, 0.25)
    # exact span ignores type: PER and DATE/TIME spans are right.
    assert e["exact_span"]["micro"]["precision"] == 0.5
    # partial: PER (1) + GPE partial (0.5) + DATE span exact (1) over 4 -> 0.625.
    assert e["partial_overlap"]["micro"]["precision"] == 0.625
    # type only (with overlap): PER and GPE.
    assert e["type_only"]["micro"]["precision"] == 0.5
    assert e["strict"]["per_type"]["PER"]["recall"] == 0.5 and e["strict"]["per_type"]["GPE"]["f1"] == 0.0


def test_event_metrics_hand_computed():
    pred = {"events": [
        {"trigger": {"start": 8, "end": 11}, "plover": "CONSULT", "mode": "phone", "realis": "actual",
         "arguments": [{"role": "actor", "start": 0, "end": 7}, {"role": "place", "start": 12, "end": 26}]},
        {"trigger": {"start": 41, "end": 43}, "plover": "REQUEST", "arguments": []},
    ]}
    ev = _report(pred)["events"]
    assert (ev["trigger_identification"]["tp"], ev["trigger_identification"]["fp"], ev["trigger_identification"]["fn"]) == (1, 1, 0)
    assert ev["trigger_classification"]["precision"] == 0.5 and ev["trigger_classification"]["recall"] == 1.0
    # Arg-I: actor span and Blinken's span both match gold spans under CONSULT; Arg-C: Blinken's role is wrong.
    assert (ev["argument_identification"]["tp"], ev["argument_identification"]["fp"], ev["argument_identification"]["fn"]) == (2, 0, 1)
    assert (ev["argument_classification"]["tp"], ev["argument_classification"]["fp"], ev["argument_classification"]["fn"]) == (1, 1, 2)
    acc = ev["attribute_accuracy_on_matched"]
    assert acc["mode"] == {"correct": 0, "scored": 1, "accuracy": 0.0}
    assert acc["realis"]["accuracy"] == 1.0 and acc["date"]["scored"] == 0


@pytest.mark.parametrize(
    ("line", "error", "message"),
    [
        ("{not json", InputError, r"p.jsonl:1: invalid JSON"),
        ('{"doc_id": "dtn-111111111111"}', InputError, r"p.jsonl:1: doc_id: unknown document 'dtn-111111111111'"),
        ('{"doc_id": "dtn-000000000000", "entities": [{"start": 40, "end": 99, "type": "PER"}]}', InputError, r"p.jsonl:1: entities\[0\]: offsets \[40, 99\) out of range"),
        ('{"doc_id": "dtn-000000000000", "entities": [{"start": 0, "end": 7, "type": "PER", "text": "Wang Yo"}]}', InputError, r"entities\[0\]: offsets \[0, 7\) do not reproduce 'Wang Yo' \(the text there is 'Wang Yi'\)"),
        ('{"doc_id": "dtn-000000000000", "entities": [{"start": 0, "end": 7, "type": "PERSON"}]}', SchemaError, r"p.jsonl:1: entities/0/type: 'PERSON' is not one of"),
        ('{"doc_id": "dtn-000000000000", "events": [{"trigger": {"start": 8, "end": 11}, "plover": "MEET"}]}', SchemaError, r"events/0/plover"),
        ('{"doc_id": "dtn-000000000000", "events": [{"trigger": {"start": 8, "end": 11}, "arguments": [{"role": "actor", "start": 60, "end": 70}]}]}', InputError, r"events\[0\].arguments\[0\]: offsets \[60, 70\) out of range"),
    ],
)
def test_malformed_predictions_name_the_line_and_field(line, error, message):
    with pytest.raises(error, match=message):
        parse_predictions([line], GOLD, "p.jsonl")


def test_duplicate_document_prediction_is_refused():
    line = '{"doc_id": "dtn-000000000000"}'
    with pytest.raises(InputError, match=r"p.jsonl:2: doc_id: second prediction"):
        parse_predictions([line, line], GOLD, "p.jsonl")


def test_lexical_baseline_learns_from_train_and_is_deterministic():
    train = load_gold(RELEASE, "train")
    test = load_gold(RELEASE, "test")
    model = LexicalBaseline().fit(train)
    assert model.entity_types["Antony Blinken"] == "PER"
    first = [model.predict(d) for d in test]
    assert first == [LexicalBaseline().fit(train).predict(d) for d in test]
    report = evaluate(test, parse_predictions([json.dumps(p) for p in first], test))
    assert 0 < report["entities"]["strict"]["micro"]["f1"] < 1
    assert 0 < report["events"]["trigger_classification"]["f1"] < 1


def test_pretrained_adapters_skip_cleanly_without_downloading(tmp_path):
    with pytest.raises(BaselineUnavailable, match=r"not installed|never downloads"):
        spacy_predictor("en_core_web_sm")
    with pytest.raises(BaselineUnavailable, match=r"not installed|never downloads"):
        gliner_predictor(str(tmp_path / "no-model"))


def test_cli_evaluate_prints_table_and_writes_json(tmp_path):
    preds = tmp_path / "p.jsonl"
    gold = load_gold(RELEASE, "test")
    preds.write_text("".join(json.dumps(gold_as_predictions(d)) + "\n" for d in gold))
    out = subprocess.run([sys.executable, "-m", "detente.cli", "evaluate", "--split", "test", "--predictions", str(preds), "--json", str(tmp_path / "r.json")], capture_output=True, text=True, check=True)
    assert "trigger_classification" in out.stdout and "1.000" in out.stdout
    assert json.loads((tmp_path / "r.json").read_text())["entities"]["strict"]["micro"]["f1"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "dtn-692ce5b72fcc", "entities": [{"start": 0, "end": 3, "type": "XYZ"}]}\n')
    out = subprocess.run([sys.executable, "-m", "detente.cli", "evaluate", "--split", "test", "--predictions", str(bad)], capture_output=True, text=True)
    assert out.returncode == 1 and "bad.jsonl:1: entities/0/type: 'XYZ' is not one of" in out.stderr
