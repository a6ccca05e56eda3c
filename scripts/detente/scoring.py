"""Counting primitives shared by the evaluator and the agreement study."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PRF:
    """True positives, false positives and false negatives; additive across documents (micro-averaging)."""

    tp: int
    fp: int
    fn: int

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def match(reference: set[tuple[Any, ...]], prediction: set[tuple[Any, ...]]) -> PRF:
    """Exact one-to-one matching of hashable items (each tuple counts once)."""
    tp = len(reference & prediction)
    return PRF(tp, len(prediction) - tp, len(reference) - tp)


def prf_cells(precision: float, recall: float, f1: float, width: int, digits: int = 3) -> str:
    """P, R and F1 right-aligned in columns of `width`: the one layout of every score table the tools print."""
    return f"{precision:>{width}.{digits}f}{recall:>{width}.{digits}f}{f1:>{width}.{digits}f}"


def prf_header(width: int, p: str = "P") -> str:
    """Column titles matching prf_cells."""
    return f"{p:>{width}}{'R':>{width}}{'F1':>{width}}"


# Quotation fields compared on matched quotations (guidelines §8). A speaker or addressee is compared as the entity
# it refers to (so two passes that chose different mentions of Wang Yi agree), an event as its cluster.
QUOTATION_ATTRIBUTES = ("speaker", "addressee", "cue", "source_type", "side", "about_event", "kind", "paraphrase")


def quotation_attributes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The compared attributes of each of a document's quotations, in the order of doc["quotations"]."""
    mentions = {m["id"]: m for m in doc.get("entities", [])}
    clusters = {e["id"]: e.get("cluster_id") for e in doc.get("events", [])}

    def who(mention_id: str | None) -> Any:
        if mention_id is None or mention_id not in mentions:
            return None
        m = mentions[mention_id]
        return m.get("entity_id") or (m["start"], m["end"])

    def attributes(quotation: dict[str, Any]) -> dict[str, Any]:
        cue = quotation.get("cue")
        return {
            "speaker": who(quotation.get("speaker_id")),
            "addressee": who(quotation.get("addressee_id")),
            "cue": None if cue is None else (cue["start"], cue["end"]),
            "source_type": quotation.get("source_type"),
            "side": quotation.get("side"),
            "about_event": None if quotation.get("about_event_id") is None else clusters.get(quotation["about_event_id"], quotation["about_event_id"]),
            "kind": quotation.get("kind"),
            "paraphrase": quotation.get("paraphrase"),
        }

    return [attributes(q) for q in doc.get("quotations", [])]


def overlap_pairs(reference: list[tuple[int, int]], prediction: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One-to-one pairs (reference index, prediction index) of overlapping spans, the largest overlaps first
    (ties: earlier spans first), so a long prediction covering two references is matched to one of them."""
    candidates = []
    for i, (rs, re_) in enumerate(reference):
        for j, (ps, pe) in enumerate(prediction):
            overlap = min(re_, pe) - max(rs, ps)
            if overlap > 0:
                candidates.append((-overlap, i, j))
    pairs, used_ref, used_pred = [], set(), set()
    for _, i, j in sorted(candidates):
        if i not in used_ref and j not in used_pred:
            pairs.append((i, j))
            used_ref.add(i)
            used_pred.add(j)
    return sorted(pairs)


def quotation_scores(reference: dict[str, Any], prediction: dict[str, Any]) -> tuple[dict[str, PRF], dict[str, tuple[int, int]]]:
    """Quotation span F1 (exact and overlap matching) and, on overlap-matched pairs, (agreeing, matched) per attribute.

    Documents are compiled records ({"entities", "events", "quotations"}); a document without quotations has none."""
    ref_q, pred_q = reference.get("quotations", []), prediction.get("quotations", [])
    exact = match({(q["start"], q["end"]) for q in ref_q}, {(q["start"], q["end"]) for q in pred_q})
    pairs = overlap_pairs([(q["start"], q["end"]) for q in ref_q], [(q["start"], q["end"]) for q in pred_q])
    overlap = PRF(len(pairs), len(pred_q) - len(pairs), len(ref_q) - len(pairs))
    ref_attrs, pred_attrs = quotation_attributes(reference), quotation_attributes(prediction)
    counts = {name: (sum(ref_attrs[i][name] == pred_attrs[j][name] for i, j in pairs), len(pairs)) for name in QUOTATION_ATTRIBUTES}
    return {"quotation_exact": exact, "quotation_overlap": overlap}, counts
