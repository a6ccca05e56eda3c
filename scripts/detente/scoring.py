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
