"""95% bootstrap confidence intervals of F1, over documents and over items (mentions or events).

Every F1 here is 2·tp / (2·tp + fp + fn) from counts summed over what is resampled. nervaluate's strict scheme fits
this form: tp = correct, fp = actual - correct, fn = possible - correct (an `incorrect` or `partial` pair is one false
positive and one false negative).

- Documents: each resample draws as many documents as the split has, with replacement, and sums their counts. With
  one document every resample is that document, so there is no interval (reported as such, never a fake one).
- Items: each scored item is one of four kinds, a true positive (1, 0, 0), a false positive (0, 1, 0), a false
  negative (0, 0, 1), or a mismatched pair (0, 1, 1); drawing the split's items with replacement is drawing the
  counts of each kind from a multinomial, which is what is done.
Percentile intervals (2.5th and 97.5th), a fixed seed, the same figures on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 13


@dataclass(frozen=True)
class Counts:
    """tp, fp and fn of one document, and how many of its fp/fn are one mismatched pair (counted in both)."""

    tp: int
    fp: int
    fn: int
    pairs: int = 0

    def __sub__(self, other: Counts) -> Counts:
        return Counts(self.tp - other.tp, self.fp - other.fp, self.fn - other.fn, self.pairs - other.pairs)


def f1(tp: Any, fp: Any, fn: Any) -> Any:
    """F1 of counts (numbers or numpy arrays); 0 where nothing was predicted or expected."""
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(denominator, dtype=float), where=denominator > 0)


def _interval(values: np.ndarray) -> dict[str, float]:
    low, high = np.percentile(values, [2.5, 97.5])
    return {"low": round(float(low), 4), "high": round(float(high), 4)}


def document_interval(per_document: Sequence[Counts], resamples: int, seed: int) -> dict[str, float] | None:
    """None when the split has fewer than two documents (no interval)."""
    if len(per_document) < 2:
        return None
    table = np.array([(c.tp, c.fp, c.fn) for c in per_document], dtype=np.int64)
    drawn = np.random.default_rng(seed).integers(0, len(table), size=(resamples, len(table)))
    sums = table[drawn].sum(axis=1)
    return _interval(f1(sums[:, 0], sums[:, 1], sums[:, 2]))


def item_interval(per_document: Sequence[Counts], resamples: int, seed: int) -> dict[str, float] | None:
    """None when the split has no item (nothing predicted, nothing expected)."""
    pairs = sum(c.pairs for c in per_document)
    kinds = np.array([sum(c.tp for c in per_document), sum(c.fp for c in per_document) - pairs, sum(c.fn for c in per_document) - pairs, pairs])
    items = int(kinds.sum())
    if items == 0:
        return None
    drawn = np.random.default_rng(seed).multinomial(items, kinds / items, size=resamples)
    return _interval(f1(drawn[:, 0], drawn[:, 1] + drawn[:, 3], drawn[:, 2] + drawn[:, 3]))


def intervals(per_document: Sequence[Counts], resamples: int, seed: int) -> dict[str, Any]:
    """The point F1 and both intervals of one measure (intervals None when there is none)."""
    tp, fp, fn = (sum(getattr(c, k) for c in per_document) for k in ("tp", "fp", "fn"))
    return {
        "f1": round(float(f1(np.array(tp), np.array(fp), np.array(fn))), 4),
        "documents": document_interval(per_document, resamples, seed),
        "items": item_interval(per_document, resamples, seed),
    }
