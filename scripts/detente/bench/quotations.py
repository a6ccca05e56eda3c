"""Quotation scoring of `detente evaluate` (guidelines §8): predicted quotations against a release's gold.

Spans are matched two ways, with the primitives the agreement study uses (detente.scoring): exact (start and end
equal) and overlap (one-to-one, the largest overlaps first: scoring.overlap_pairs). On overlap-matched pairs each
attribute the prediction gives is compared with the gold's; a field the prediction leaves out is not scored.

A prediction names people and events by spans, so a system needs no mention or event IDs:
- speaker / addressee: a span, right when it is the span of the gold mention or of any gold mention of the same
  entity (same `entity_id`; a mention without one is only itself); null is right when the gold is null;
- cue: a span, right when it is the gold cue's span (or both null);
- about_event: a trigger span, right when it is the trigger of a gold event mention of the gold event's cluster,
  or {"cluster_id"}, right when it is that cluster (or both null);
- kind, paraphrase, source_type, side: equal labels.

A document is scored on quotations only when its prediction carries a `quotations` field (an empty list predicts
none) and its gold has the quotation layer (releases from 0.7.0); the report lists the others.
"""

from __future__ import annotations

from typing import Any

from detente.scoring import PRF, overlap_pairs, quotation_scores

ATTRIBUTES = ("speaker", "addressee", "cue", "source_type", "side", "about_event", "kind", "paraphrase")
MATCHING = "exact: same start and end; overlap: one-to-one, largest overlap first (ties: earlier spans first)"

Identity = tuple[Any, ...]


def _span(value: dict[str, Any] | None) -> tuple[int, int] | None:
    return None if value is None else (value["start"], value["end"])


def _identity(mention: dict[str, Any]) -> Identity:
    """Who a gold mention refers to: its entity, or (without an entity ID) the mention itself."""
    return ("entity", mention["entity_id"]) if mention.get("entity_id") else ("span", mention["start"], mention["end"])


def _cluster(event: dict[str, Any]) -> Identity:
    return ("cluster", event["cluster_id"]) if event.get("cluster_id") else ("event", event["trigger"]["start"], event["trigger"]["end"])


class GoldQuotations:
    """The quotation layer of one gold document (a release record with labels as names), resolved for scoring."""

    def __init__(self, doc: dict[str, Any]) -> None:
        mentions = {m["id"]: m for m in doc["entities"]}
        events = {e["id"]: e for e in doc["events"]}
        self.identities: dict[tuple[int, int], set[Identity]] = {}  # span -> who the gold mentions there refer to
        for m in doc["entities"]:
            self.identities.setdefault((m["start"], m["end"]), set()).add(_identity(m))
        self.clusters: dict[tuple[int, int], set[Identity]] = {}  # trigger span -> cluster of the events there
        for e in doc["events"]:
            self.clusters.setdefault((e["trigger"]["start"], e["trigger"]["end"]), set()).add(_cluster(e))
        self.raw = doc["quotations"]
        self.quotations = []
        for q in self.raw:
            speaker, addressee, event = mentions.get(q["speaker_id"] or ""), mentions.get(q["addressee_id"] or ""), events.get(q["about_event_id"] or "")
            self.quotations.append({
                "start": q["start"], "end": q["end"],
                "speaker": None if speaker is None else _identity(speaker),
                "addressee": None if addressee is None else _identity(addressee),
                "cue": _span(q["cue"]),
                "about_event": None if event is None else _cluster(event),
                **{k: q[k] for k in ("source_type", "side", "kind", "paraphrase")},
            })

    def predicted_value(self, name: str, quotation: dict[str, Any]) -> Any:
        """A predicted attribute in the gold's terms: a set of acceptable-identities for people and events."""
        value = quotation[name]
        if name in ("speaker", "addressee"):
            return None if value is None else self.identities.get(_span(value), {("span", value["start"], value["end"])})  # type: ignore[arg-type]
        if name == "about_event":
            if value is None:
                return None
            if "cluster_id" in value:
                return {("cluster", value["cluster_id"])}
            return self.clusters.get(_span(value), {("event", value["start"], value["end"])})  # type: ignore[arg-type]
        if name == "cue":
            return _span(value)
        return value

    def agrees(self, name: str, gold: dict[str, Any], predicted: dict[str, Any]) -> bool:
        value = self.predicted_value(name, predicted)
        if name in ("speaker", "addressee", "about_event"):
            return gold[name] is None if value is None else gold[name] in value
        return bool(gold[name] == value)


class QuotationScores:
    """Quotation counts summed over the documents scored (micro-averaged)."""

    def __init__(self) -> None:
        self.exact = PRF(0, 0, 0)
        self.overlap = PRF(0, 0, 0)
        self.attributes = {name: [0, 0] for name in ATTRIBUTES}  # correct, scored
        self.scored: list[str] = []
        self.without_prediction: list[str] = []  # prediction has no `quotations` field
        self.without_gold_layer: list[str] = []  # the gold document has no quotation layer (release before 0.7.0)
        self.gold_count = 0

    def add(self, doc_id: str, gold: GoldQuotations | None, predicted: dict[str, Any]) -> None:
        if "quotations" not in predicted:
            self.without_prediction.append(doc_id)
            return
        if gold is None:
            self.without_gold_layer.append(doc_id)
            return
        ref, pred = gold.quotations, predicted["quotations"]
        spans, _ = quotation_scores({"quotations": gold.raw}, {"quotations": pred})  # its attributes need IDs: compared below
        self.exact += spans["quotation_exact"]
        self.overlap += spans["quotation_overlap"]
        for i, j in overlap_pairs([(q["start"], q["end"]) for q in ref], [(q["start"], q["end"]) for q in pred]):
            for name, counts in self.attributes.items():
                if name in pred[j]:
                    counts[1] += 1
                    counts[0] += gold.agrees(name, ref[i], pred[j])
        self.gold_count += len(ref)
        self.scored.append(doc_id)

    def report(self) -> dict[str, Any]:
        return {
            "documents_scored": sorted(self.scored),
            "documents_without_predicted_quotations": sorted(self.without_prediction),
            "documents_without_gold_quotation_layer": sorted(self.without_gold_layer),
            "gold_quotations": self.gold_count,
            "matching": MATCHING,
            "exact": self.exact.as_dict(),
            "overlap": self.overlap.as_dict(),
            "attribute_accuracy_on_overlap_matched": {
                name: {"correct": c, "scored": n, "accuracy": round(c / n, 4) if n else None} for name, (c, n) in self.attributes.items()
            },
        }


def format_quotations(report: dict[str, Any], width: int = 7) -> list[str]:
    """The quotation lines of the printed report."""
    scored = report["documents_scored"]
    out = []
    if not scored:
        reasons = []
        if report["documents_without_gold_quotation_layer"]:
            reasons.append("the release's gold has no quotation layer")
        if report["documents_without_predicted_quotations"]:
            reasons.append("no prediction carries a `quotations` field")
        return [f"quotations: not scored ({'; '.join(reasons) or 'no documents'})"]
    title = f"quotations ({len(scored)} document(s), {report['gold_quotations']} gold)"
    out.append(f"{title:<32}{'P':>{width}}{'R':>{width}}{'F1':>{width}}")
    for name in ("exact", "overlap"):
        v = report[name]
        out.append(f"  {name + ' span':<30}{v['precision']:>{width}.3f}{v['recall']:>{width}.3f}{v['f1']:>{width}.3f}")
    out.append("  (overlap: one-to-one, largest overlap first)")
    if not report["gold_quotations"]:
        out.append("  the gold of the scored documents has no quotations yet, so every predicted quotation counts as spurious")
    for name, v in report["attribute_accuracy_on_overlap_matched"].items():
        acc = "n/a (not predicted or nothing matched)" if v["accuracy"] is None else f"{v['accuracy']:.3f} ({v['correct']}/{v['scored']})"
        out.append(f"  {name} accuracy on overlap-matched quotations: {acc}")
    for key, why in (("documents_without_predicted_quotations", "no `quotations` field in the prediction"), ("documents_without_gold_quotation_layer", "no quotation layer in the gold")):
        if report[key]:
            out.append(f"  not scored on quotations ({why}): {', '.join(report[key])}")
    return out
