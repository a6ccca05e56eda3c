"""Agreement scoring: hand-computed cases."""

from __future__ import annotations

import pytest

from detente.pipeline.agreement import compare, summarise
from detente.scoring import PRF, match


def _m(i, s, e, t="PER", level="name", ent="ent:x"):
    return {"id": i, "start": s, "end": e, "text": "x" * (e - s), "type": t, "level": level, "entity_id": ent}


def _e(i, s, e, plover, args=(), mode=None, realis="actual", date=None):
    return {"id": i, "trigger": {"start": s, "end": e, "text": "t"}, "plover": plover, "mode": mode, "ace": None, "realis": realis,
            "arguments": [{"role": r, "mention_id": m} for r, m in args], "date": date, "cluster_id": "evt:x"}


def test_prf_hand_computed():
    prf = match({(0, 1), (2, 3), (4, 5)}, {(0, 1), (2, 3), (6, 7), (8, 9)})
    assert (prf.tp, prf.fp, prf.fn) == (2, 2, 1)
    assert prf.precision == pytest.approx(0.5) and prf.recall == pytest.approx(2 / 3) and prf.f1 == pytest.approx(4 / 7)
    assert PRF(0, 0, 0).f1 == 0.0


def test_identical_annotations_agree_perfectly():
    doc = {"entities": [_m("m1", 0, 5), _m("m2", 10, 15, "GPE")], "events": [_e("v1", 6, 9, "CONSULT", [("actor", "m1"), ("place", "m2")], mode="visit")]}
    summary = summarise([compare(doc, doc)])
    assert all(v["f1"] == 1.0 for v in summary["f1"].values())
    assert summary["accuracy_on_matched"]["mode"] == {"agree": 1, "matched": 1, "accuracy": 1.0}


def test_type_span_and_argument_disagreements_are_counted():
    a = {"entities": [_m("m1", 0, 5), _m("m2", 10, 15, "GPE"), _m("m3", 20, 23, "PER", "pronoun")],
         "events": [_e("v1", 6, 9, "CONSULT", [("actor", "m1"), ("recipient", "m2")], mode="visit", date={"start": "2023-06", "end": None, "granularity": "month"})]}
    b = {"entities": [_m("m1", 0, 5), _m("m2", 10, 15, "LOC")],
         "events": [_e("v1", 6, 9, "CONSULT", [("actor", "m1"), ("place", "m2")], mode="phone", date={"start": "2023-06", "end": None, "granularity": "month"}),
                    _e("v2", 30, 33, "REQUEST")]}
    result = summarise([compare(a, b)])["f1"]
    assert result["entity_strict_names"]["tp"] == 1 and result["entity_strict_names"]["fp"] == 1 and result["entity_strict_names"]["fn"] == 1
    assert result["entity_span_names"]["f1"] == 1.0
    assert (result["entity_strict_all_levels"]["tp"], result["entity_strict_all_levels"]["fn"]) == (1, 2)
    assert (result["trigger_identification"]["tp"], result["trigger_identification"]["fp"]) == (1, 1)
    assert result["argument_identification"]["f1"] == 1.0  # same spans under the same event type
    assert (result["argument_classification"]["tp"], result["argument_classification"]["fp"]) == (1, 1)
    acc = summarise([compare(a, b)])["accuracy_on_matched"]
    assert acc["mode"]["accuracy"] == 0.0 and acc["date"]["accuracy"] == 1.0
