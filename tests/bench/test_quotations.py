"""Quotation scoring of `detente evaluate` (hand-computed cases, the predictions field, a temporary release with gold
quotations) and the rule-based `quotes` baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detente.bench.evaluate import evaluate, gold_as_predictions, main_evaluate, parse_predictions
from detente.bench.quotes_baseline import QuotesBaseline
from detente.cli import main
from detente.errors import InputError, SchemaError
from detente.pipeline.build import Release
from detente.publish.card import quotation_leaderboard_markdown

DOC_ID = "dtn-000000000000"
TEXT = 'Wang Yi said "we are ready" and Blinken told him the US wants talks. Wang added that ties matter.'


def at(quote: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = TEXT.index(quote, start + 1)
    return start, start + len(quote)


def span(quote: str, occurrence: int = 1) -> dict[str, Any]:
    start, end = at(quote, occurrence)
    return {"start": start, "end": end, "text": quote}


def mention(mention_id: str, quote: str, entity_type: str, entity_id: str | None, occurrence: int = 1) -> dict[str, Any]:
    return {"id": mention_id, **span(quote, occurrence), "type": entity_type, "level": "name", "entity_id": entity_id}


def gold_quotation(qid: str, quote: str, speaker: str | None, cue: str, kind: str, side: str, about: str | None = None) -> dict[str, Any]:
    return {"id": qid, **span(quote), "kind": kind, "paraphrase": False, "speaker_id": speaker, "cue": span(cue), "addressee_id": None,
            "source_type": None, "side": side, "about_event_id": about}


GOLD = [{
    "id": DOC_ID, "text": TEXT,
    "entities": [mention("m1", "Wang Yi", "PER", "ent:wang-yi"), mention("m2", "Blinken", "PER", "ent:antony-blinken"),
                 mention("m3", "Wang", "PER", "ent:wang-yi", 2), mention("m4", "US", "GPE", "ent:usa"), mention("m5", "him", "PER", "ent:wang-yi")],
    "events": [{"id": "v1", "trigger": span("talks"), "plover": "CONSULT", "mode": None, "ace": None, "realis": "future", "arguments": [], "date": None, "cluster_id": "evt:talks"}],
    "quotations": [
        gold_quotation("q1", "we are ready", "m1", "said", "direct", "china"),
        gold_quotation("q2", "the US wants talks", "m2", "told", "indirect", "us", about="v1"),
        gold_quotation("q3", "ties matter", "m3", "added", "indirect", "china"),
    ],
}]


def quotations_report(quotations: list[dict[str, Any]], gold: list[dict[str, Any]] = GOLD) -> dict[str, Any]:
    return evaluate(gold, parse_predictions([json.dumps({"doc_id": DOC_ID, "quotations": quotations})], gold), bootstrap=0)["quotations"]


def accuracy(report: dict[str, Any], name: str) -> tuple[int, int]:
    v = report["attribute_accuracy_on_overlap_matched"][name]
    return v["correct"], v["scored"]


def test_gold_as_predictions_scores_one_on_every_quotation_measure():
    report = quotations_report(gold_as_predictions(GOLD[0])["quotations"])
    assert report["exact"]["f1"] == report["overlap"]["f1"] == 1.0
    assert all(v["accuracy"] == 1.0 and v["scored"] == 3 for v in report["attribute_accuracy_on_overlap_matched"].values())


def test_exact_and_overlap_matching_and_attributes_hand_computed():
    wants, ties = at("wants"), at("ties")
    predicted = [
        # q1 exactly; the speaker given as another mention of the same entity (Wang, not Wang Yi): right; side wrong
        {**span("we are ready"), "speaker": span("Wang", 2), "cue": span("said"), "side": "us"},
        # from "wants" to "ties": overlaps q2 by 11 characters and q3 by 4, so it is matched to q2 only
        {"start": wants[0], "end": ties[1], "speaker": None, "cue": span("added"), "about_event": span("talks")},
        # spurious
        span("Blinken told him"),
    ]
    report = quotations_report(predicted)
    assert report["exact"] == {"tp": 1, "fp": 2, "fn": 2, "precision": 0.3333, "recall": 0.3333, "f1": 0.3333}
    assert report["overlap"] == {"tp": 2, "fp": 1, "fn": 1, "precision": 0.6667, "recall": 0.6667, "f1": 0.6667}
    assert accuracy(report, "speaker") == (1, 2)  # Wang for Wang Yi right; null for Blinken wrong
    assert accuracy(report, "cue") == (1, 2)
    assert accuracy(report, "side") == (0, 1)
    assert accuracy(report, "about_event") == (1, 1)  # the trigger span of the gold event
    assert accuracy(report, "kind") == (0, 0)  # missing fields are not scored
    assert report["attribute_accuracy_on_overlap_matched"]["kind"]["accuracy"] is None


def test_speaker_by_entity_by_span_and_null():
    one = [span("we are ready")]
    assert accuracy(quotations_report([{**one[0], "speaker": span("him")}]), "speaker") == (1, 1)  # a pronoun mention of Wang Yi
    assert accuracy(quotations_report([{**one[0], "speaker": span("Blinken")}]), "speaker") == (0, 1)  # another entity
    assert accuracy(quotations_report([{**one[0], "speaker": span("Yi")}]), "speaker") == (0, 1)  # no gold mention there
    assert accuracy(quotations_report([{**one[0], "speaker": None}]), "speaker") == (0, 1)
    no_speaker = [{**GOLD[0], "quotations": [{**GOLD[0]["quotations"][0], "speaker_id": None}]}]
    assert accuracy(quotations_report([{**one[0], "speaker": None}], no_speaker), "speaker") == (1, 1)
    assert accuracy(quotations_report([{**one[0], "speaker": span("Wang Yi")}], no_speaker), "speaker") == (0, 1)


def test_about_event_by_cluster_or_trigger_and_kind():
    q2 = span("the US wants talks")
    assert accuracy(quotations_report([{**q2, "about_event": {"cluster_id": "evt:talks"}}]), "about_event") == (1, 1)
    assert accuracy(quotations_report([{**q2, "about_event": {"cluster_id": "evt:other"}}]), "about_event") == (0, 1)
    assert accuracy(quotations_report([{**q2, "about_event": span("told")}]), "about_event") == (0, 1)
    assert accuracy(quotations_report([{**q2, "about_event": None}]), "about_event") == (0, 1)
    assert accuracy(quotations_report([{**q2, "kind": "indirect", "paraphrase": True}]), "kind") == (1, 1)
    assert accuracy(quotations_report([{**q2, "kind": "indirect", "paraphrase": True}]), "paraphrase") == (0, 1)


def test_documents_without_the_field_are_not_scored_and_the_report_says_so():
    old_style = evaluate(GOLD, parse_predictions([json.dumps({"doc_id": DOC_ID, "entities": []})], GOLD), bootstrap=0)
    assert old_style["quotations"]["documents_scored"] == []
    assert old_style["quotations"]["documents_without_predicted_quotations"] == [DOC_ID]
    missing = evaluate(GOLD, parse_predictions([], GOLD), bootstrap=0)["quotations"]
    assert missing["documents_without_predicted_quotations"] == [DOC_ID]
    empty = quotations_report([])
    assert empty["documents_scored"] == [DOC_ID] and empty["overlap"] == {"tp": 0, "fp": 0, "fn": 3, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    before_the_layer = [{k: v for k, v in GOLD[0].items() if k != "quotations"}]
    assert quotations_report([span("we are ready")], before_the_layer)["documents_without_gold_quotation_layer"] == [DOC_ID]


@pytest.mark.parametrize(("quotation", "error", "message"), [
    ({"start": 0, "end": 9999}, InputError, r"p.jsonl:1: quotations\[0\]: offsets \[0, 9999\) out of range"),
    ({"start": 5, "end": 3}, InputError, r"p.jsonl:1: quotations\[0\]: offsets \[5, 3\) are reversed: a span's start must be less than its end"),
    ({"start": 0, "end": 7, "speaker": {"start": 0, "end": 4, "text": "Blin"}}, InputError, r"p.jsonl:1: quotations\[0\].speaker: offsets \[0, 4\) do not reproduce 'Blin'"),
    ({"start": 0, "end": 7, "cue": {"start": 0, "end": 99999}}, InputError, r"p.jsonl:1: quotations\[0\].cue: offsets \[0, 99999\) out of range"),
    ({"start": 0, "end": 7, "speaker_id": "m1"}, SchemaError, r"p.jsonl:1: quotations/0: Additional properties are not allowed \('speaker_id' was unexpected\)"),
    ({"start": 0, "end": 7, "side": "usa"}, SchemaError, r"p.jsonl:1: quotations/0/side: 'usa' is not one of"),
    ({"start": 0, "end": 7, "kind": "quoted"}, SchemaError, r"p.jsonl:1: quotations/0/kind: 'quoted' is not one of"),
    ({"end": 7}, SchemaError, r"p.jsonl:1: quotations/0: 'start' is a required property"),
])
def test_a_malformed_quotation_is_an_error_naming_file_line_and_field(quotation, error, message):
    line = json.dumps({"doc_id": DOC_ID, "quotations": [quotation]})
    with pytest.raises(error, match=message):
        parse_predictions([line], GOLD, path="p.jsonl")


def write_release(folder: Path, documents: list[dict[str, Any]]) -> Path:
    """A temporary release folder holding only what `detente evaluate` reads: documents/test.jsonl."""
    (folder / "documents").mkdir(parents=True)
    (folder / "documents" / "test.jsonl").write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    return folder


def test_evaluate_command_prints_and_writes_quotation_scores(tmp_path, capsys):
    release = write_release(tmp_path / "0.7.0", GOLD)
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps({"doc_id": DOC_ID, "quotations": [{**span("we are ready"), "side": "china"}]}) + "\n", encoding="utf-8")
    assert main_evaluate(str(predictions), "test", release, str(tmp_path / "r.json"), 0) == 0
    out = capsys.readouterr().out
    assert "quotations (1 document(s), 3 gold)" in out
    assert "  exact span                      1.000  0.333  0.500" in out
    assert "side accuracy on overlap-matched quotations: 1.000 (1/1)" in out
    assert "speaker accuracy on overlap-matched quotations: n/a" in out
    report = json.loads((tmp_path / "r.json").read_text())["quotations"]
    assert report["overlap"]["f1"] == 0.5 and report["documents_scored"] == [DOC_ID]


def test_evaluate_command_says_when_quotations_are_not_scored(tmp_path, capsys):
    release = write_release(tmp_path / "0.7.0", GOLD)
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps({"doc_id": DOC_ID, "entities": [{**span("Wang Yi"), "type": "PER"}]}) + "\n", encoding="utf-8")
    assert main_evaluate(str(predictions), "test", release, None, 0) == 0
    assert "quotations: not scored (no prediction carries a `quotations` field)" in capsys.readouterr().out


HAND = (
    "Wang Yi urges 'in-depth' dialogue as US holds 'substantive' call\n"
    "Chinese Foreign Minister Wang Yi said on Monday that Beijing is ready to work with Washington.\n"
    "“We face challenges that we need to respond to together,” Wang said.\n"
    "The State Department said in a readout that Blinken stressed the need for open channels.\n"
    "Xie urged Washington to properly handle important issues, according to a Chinese foreign ministry statement.\n"
    "US officials, speaking on condition of anonymity, said the talks were “candid”.\n"
    "The two sides held a “frank” exchange."
)
TRAIN = [{"id": "dtn-111111111111", "text": "Wang Yi met Blinken and Xie.", "events": [], "entities": [
    {"start": 0, "end": 7, "text": "Wang Yi", "type": "PER", "level": "name"},
    {"start": 12, "end": 19, "text": "Blinken", "type": "PER", "level": "name"},
    {"start": 24, "end": 27, "text": "Xie", "type": "PER", "level": "name"},
]}]


def test_quotes_baseline_on_a_hand_written_text():
    doc = {"id": DOC_ID, "title": HAND.split("\n")[0], "text": HAND, "entities": [], "events": []}
    found = QuotesBaseline().fit(TRAIN).predict(doc)["quotations"]
    summary = [(q["kind"], q["text"], q["cue"] and q["cue"]["text"], q["speaker"] and q["speaker"]["text"], q["source_type"], q["side"]) for q in found]
    assert summary == [
        ("mixed", "'in-depth' dialogue as US holds 'substantive' call", "urges", "Wang Yi", None, "unknown"),  # the headline: quoted fragments in the content
        ("indirect", "Beijing is ready to work with Washington", "said", "Wang Yi", None, "china"),  # "on Monday that" skipped
        ("direct", "We face challenges that we need to respond to together", "said", "Wang", None, "unknown"),  # ", Wang said" after the quotation
        ("indirect", "the need for open channels", "stressed", "Blinken", "readout", "us"),  # nested (§8.2): the innermost words, the outer report as source
        ("indirect", "properly handle important issues", "urged", "Xie", "statement", "china"),  # addressee skipped; the source's side
        ("mixed", "the talks were “candid”", "said", None, "anonymous", "us"),
    ]  # "frank": a one-word quotation with no cue in its sentence is a scare quote
    assert all(HAND[q["start"]:q["end"]] == q["text"] for q in found)
    assert QuotesBaseline().fit(TRAIN).predict(doc) == QuotesBaseline().fit(TRAIN).predict(doc)  # deterministic


def test_quotes_baseline_is_scored_by_evaluate():
    predicted = QuotesBaseline().fit(TRAIN).predict(GOLD[0])
    report = evaluate(GOLD, parse_predictions([json.dumps(predicted)], GOLD), bootstrap=0)["quotations"]
    assert [q["text"] for q in predicted["quotations"]] == ["we are ready", "the US wants talks", "ties matter"]
    assert report["exact"]["f1"] == report["overlap"]["f1"] == 1.0
    assert accuracy(report, "speaker") == (3, 3) and accuracy(report, "cue") == (3, 3)
    assert accuracy(report, "kind") == (3, 3)
    assert accuracy(report, "side") == (0, 3)  # no side keyword outside the quotations: "unknown" each time (gold: china, us, china)
    assert accuracy(report, "source_type") == (3, 3)  # none stated, none predicted


def test_baseline_command_writes_quotes_predictions(tmp_path, capsys):
    release = write_release(tmp_path / "0.7.0", GOLD)
    (release / "documents" / "train.jsonl").write_text(json.dumps(TRAIN[0]) + "\n", encoding="utf-8")
    out = tmp_path / "q.jsonl"
    assert main(["baseline", "quotes", "--release", str(release), "--split", "test", "--out", str(out)]) == 0
    assert "quotes: wrote predictions for 1 test document(s)" in capsys.readouterr().out
    assert json.loads(out.read_text())["quotations"][0]["text"] == "we are ready"


def _release(validation: list[dict[str, Any]], test: list[dict[str, Any]]) -> Release:
    return Release("9.9.9", {"documents": {"train": TRAIN, "validation": validation, "test": test}}, {}, {}, {}, [])


def test_leaderboard_gives_the_quotes_baseline_figures_computed_from_its_predictions():
    board = quotation_leaderboard_markdown(_release(GOLD, GOLD))
    # the baseline finds the three gold quotations exactly, speakers right, sides all "unknown" (as scored above)
    row = "| quotes (quotation marks, cue verbs, nearest preceding name) | 9.9.9 | {} | 1.000 | 1.000 | 1.000 (3/3) | 0.000 (0/3) |"
    assert row.format("validation") in board and row.format("test") in board
    assert "detente baseline quotes --release 9.9.9 --split test --out quotes.jsonl && detente evaluate" in board
    assert "no quotations yet" not in board


def test_leaderboard_says_there_is_no_gold_yet_instead_of_zeros():
    empty = [{**GOLD[0], "quotations": []}]
    board = quotation_leaderboard_markdown(_release(empty, empty))
    assert "the validation and test gold of release 9.9.9 has no quotations yet" in board
    assert "0.000" not in board and "| quotes" not in board
    partly = quotation_leaderboard_markdown(_release(empty, GOLD))
    assert "| quotes (quotation marks, cue verbs, nearest preceding name) | 9.9.9 | test |" in partly
    assert "the validation gold of release 9.9.9 has no quotations yet" in partly
